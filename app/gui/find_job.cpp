#include "find_job.h"

#include <functional>
#include <system_error>
#include <thread>
#include <utility>

#include "memview/source_spec.h"

namespace memview::gui {

std::unique_ptr<Worker> start_indexed_scan(ScanRequest request,
                                           const std::shared_ptr<Published<IndexedScan>>& out) {
  auto req = std::make_shared<ScanRequest>(std::move(request));
  return Worker::start("scan", [req, out](WorkerContext& ctx) -> Status {
    Result<ScanState> state = run_scan(*req, ctx);
    if (!state) return state.error();
    ctx.set_stage("indexing the candidates");
    auto index = std::make_shared<CandidateIndex>();
    index->build(std::make_shared<const ScanState>(std::move(*state)));
    out->publish(IndexedScan{std::move(index)});
    return {};
  });
}

namespace {

// A find on a worker: opens its own read-only Source from `spec`, runs `search` on it and
// publishes what it found.
using SearchFn = std::function<Result<FindResult>(Source&, WorkerContext&)>;
std::unique_ptr<Worker> start_search(std::string spec,
                                     const std::shared_ptr<Published<FindResult>>& out,
                                     SearchFn search) {
  return Worker::start(
      "find", [spec = std::move(spec), out, search = std::move(search)](WorkerContext& ctx) {
        OpenOptions oo;
        oo.read_only = true;
        Result<SourcePtr> source = open_source(spec, oo);
        if (!source) return Status(source.error());
        ctx.set_stage("searching");
        Result<FindResult> r = search(**source, ctx);
        if (!r) return Status(r.error());
        out->publish(std::move(*r));
        return Status{};
      });
}

}  // namespace

std::unique_ptr<Worker> start_find(std::string spec, BytePattern pattern, size_t limit,
                                   const std::shared_ptr<Published<FindResult>>& out) {
  auto p = std::make_shared<BytePattern>(std::move(pattern));
  return start_search(std::move(spec), out, [p, limit](Source& source, WorkerContext& ctx) {
    return find_pattern(source, *p, limit, &ctx);
  });
}

std::unique_ptr<Worker> start_find_regex(std::string spec, std::shared_ptr<const ByteRegex> regex,
                                         size_t limit,
                                         const std::shared_ptr<Published<FindResult>>& out) {
  return start_search(std::move(spec), out,
                      [regex = std::move(regex), limit](Source& source, WorkerContext& ctx) {
                        return find_regex(source, *regex, limit, &ctx);
                      });
}

void release_off_frame(std::vector<std::shared_ptr<const void>> items) {
  std::erase_if(items, [](const std::shared_ptr<const void>& p) { return !p; });
  if (items.empty()) return;
  try {
    std::thread([items = std::move(items)]() mutable { items.clear(); }).detach();
  } catch (const std::system_error&) {
    // No thread to spare: the items are freed here, on this frame, instead.
  }
}

}  // namespace memview::gui
