// memview-cli demo [--name NAME] [--seconds N]: creates the demo mapping and keeps the
// demo producer writing into it until SIGINT/SIGTERM (or N seconds); removes it at exit.
// An existing object of that name is never replaced, unless a killed demo left it.
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "cli_util.h"
#include "command.h"
#include "memview/clock.h"
#include "memview/demo_producer.h"
#include "memview/numbers.h"
#include "memview/text_bytes.h"

namespace memview::cli {
namespace {

struct DemoCmdOptions {
  std::string name = "memview-demo";
  std::optional<std::string> seconds;
  std::string interval_ms = "50";
};

int run_demo(const DemoCmdOptions& opts) {
  std::optional<uint64_t> seconds;
  if (opts.seconds) {
    Result<uint64_t> s = parse_u64(*opts.seconds, "seconds");
    if (!s) return fail(s.error());
    seconds = s.value();
  }
  Result<uint64_t> interval = parse_u64(opts.interval_ms, "interval");
  if (!interval) return fail(interval.error());
  if (interval.value() == 0 || interval.value() > 10000) {
    return fail("interval must be between 1 and 10000 ms");
  }

  // Signals first: a SIGTERM right after start must still unlink the object.
  install_stop_signals();
  DemoOptions options;
  options.name = opts.name;
  Result<std::unique_ptr<DemoProducer>> started = DemoProducer::start(options);
  if (!started) return failf("cannot start the demo: {}", started.error().message);
  DemoProducer& producer = *started.value();

  const std::string shown = printable_text(producer.spec());
  std::string out = fmt::format(
      "demo: writing to {} ({} bytes); stop with Ctrl-C\n"
      "open it with:  memview {}   or   memview-cli watch {}\n",
      shown, producer.size(), shown, shown);
  if (!write_stdout(out)) return kExitFailure;
  std::fflush(stdout);

  const int64_t start = now_ns();
  while (!stop_requested()) {
    const double elapsed = static_cast<double>(now_ns() - start) / 1e9;
    if (seconds && elapsed >= static_cast<double>(*seconds)) break;
    producer.step(elapsed);
    sleep_ms(interval.value());
  }
  // Only the object this demo created is removed: not one that replaced it meanwhile.
  if (producer.stop()) {
    fmt::print("demo: stopped, removed {}\n", shown);
  } else {
    fmt::print("demo: stopped; {} was removed or replaced by someone else and is left alone\n",
               shown);
  }
  return 0;
}

void setup_demo(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<DemoCmdOptions>();
  CLI::App* sub = app.add_subcommand(
      "demo", "Create the demo mapping and keep writing realistic data into it until stopped");
  sub->add_option("--name", opts->name,
                  "Name of the demo object (default memview-demo); an existing object of that "
                  "name is refused unless a killed demo left it")
      ->type_name("NAME");
  sub->add_option("--seconds", opts->seconds, "Stop by itself after N seconds")->type_name("N");
  sub->add_option("--interval-ms", opts->interval_ms, "Time between updates (default 50)")
      ->type_name("MS");
  sub->callback([opts, &exit_code] { exit_code = run_demo(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_demo)
