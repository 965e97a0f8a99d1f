// memview-cli write SPEC --header FILE --type NAME --field PATH VALUE [--at OFFSET]: writes
// one field of a struct overlaid on the live mapping. An aligned field is one store; a
// bitfield is a compare-and-swap on its storage unit, so a concurrent writer's
// neighbouring bits are never lost.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "cli_util.h"
#include "command.h"
#include "layout_args.h"
#include "memview/layout.h"
#include "memview/numbers.h"
#include "memview/source.h"

namespace memview::cli {
namespace {

struct WriteOptions {
  std::string spec;
  LayoutArgs args;
  std::optional<std::string> at;
  std::string field;
  std::string value;
};

int run_write(const WriteOptions& o) {
  Result<Layout> layout = load_layout(o.args);
  if (!layout) return fail(first_line(layout.error()));
  uint64_t at = 0;
  if (o.at) {
    Result<uint64_t> v = parse_u64(*o.at, "--at offset");
    if (!v) return fail(v.error());
    at = *v;
  }
  Result<Field> field = resolve_field(*layout, o.field);
  if (!field) return fail(field.error());

  // Check the value before opening anything: bad input never reaches the mapping.
  if (field->bit_width) {
    Field local = *field;
    local.offset = 0;
    local.bit_offset %= 8;
    std::vector<std::byte> scratch((local.bit_offset + local.bit_width + 7) / 8);
    Status st = encode_field(local, o.value, scratch);
    if (!st) return fail(st.error());
  } else if (Result<std::vector<std::byte>> bytes = encode_field_bytes(*field, o.value); !bytes) {
    return fail(bytes.error());  // also refuses a field too big to encode at once
  }

  Result<SourcePtr> opened = open_spec(o.spec, /*read_only=*/false);
  if (!opened) return fail(opened.error());
  Source& source = **opened;
  const SourceInfo& info = source.info();
  if (!info.writable) {
    return failf("'{}' is read-only{}", info.spec,
                 info.read_only_reason.empty() ? "" : ": " + info.read_only_reason);
  }
  const uint64_t first = field->bit_width ? field->bit_offset / 8 : field->offset;
  const uint64_t end = field->bit_width ? (field->bit_offset + field->bit_width + 7) / 8
                                        : field->offset + field->size;
  if (at > UINT64_MAX - std::max(end, layout->size)) return fail("--at offset overflows");
  // The whole struct must lie inside the object, as for `read --at`: a struct placed where
  // it does not fit is a wrong --at, even when the one field would.
  Status inside = check_inside(info, at, layout->size,
                               fmt::format("{} ({} bytes)", layout->type, layout->size));
  if (!inside) return fail(inside.error());

  Status st = write_field(source, at, *field, o.value);
  if (!st) return fail(st.error());

  // Show what the field holds now (read back: another writer may already have changed it).
  std::vector<std::byte> bytes(static_cast<size_t>(std::min(end - first, kMaxFieldValueBytes)));
  ReadOutcome r = source.read(at + first, bytes);
  std::string shown = o.value;
  if (r.complete()) {
    Field local = *field;
    local.offset -= first;
    local.bit_offset -= first * 8;
    Result<FieldValue> v = decode_field(local, bytes);
    if (v) shown = v->text;
  }
  return write_stdout(fmt::format("{} = {} (at 0x{:x})\n", field->path, shown, at + first))
             ? 0
             : kExitFailure;
}

void setup_write(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<WriteOptions>();
  CLI::App* sub = app.add_subcommand(
      "write", "Write one typed field of a struct in a live mapping (bitfields atomically)");
  sub->add_option("SPEC", opts->spec, spec_help())->required();
  add_layout_options(sub, opts->args, /*allow_json_file=*/true);
  sub->add_option("--at", opts->at, "Offset of the struct in the object (default 0)");
  sub->add_option("--field", opts->field, "Field path: a.b, arr[2], arr[1].x")->required();
  sub->add_option("VALUE", opts->value,
                  "Value: integer (dec/0x), float, true/false, enum constant, text")
      ->required();
  sub->callback([opts, &exit_code] { exit_code = run_write(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_write)
