#include "find_job.h"

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

std::unique_ptr<Worker> start_find(std::string spec, BytePattern pattern, size_t limit,
                                   const std::shared_ptr<Published<FindResult>>& out) {
  auto p = std::make_shared<BytePattern>(std::move(pattern));
  return Worker::start("find", [spec = std::move(spec), p, limit, out](WorkerContext& ctx) {
    OpenOptions oo;
    oo.read_only = true;
    Result<SourcePtr> source = open_source(spec, oo);
    if (!source) return Status(source.error());
    ctx.set_stage("searching");
    Result<FindResult> r = find_pattern(**source, *p, limit, &ctx);
    if (!r) return Status(r.error());
    out->publish(std::move(*r));
    return Status{};
  });
}

std::unique_ptr<Worker> start_find_regex(std::string spec, std::shared_ptr<const ByteRegex> regex,
                                         size_t limit,
                                         const std::shared_ptr<Published<FindResult>>& out) {
  return Worker::start(
      "find", [spec = std::move(spec), regex = std::move(regex), limit, out](WorkerContext& ctx) {
        OpenOptions oo;
        oo.read_only = true;
        Result<SourcePtr> source = open_source(spec, oo);
        if (!source) return Status(source.error());
        ctx.set_stage("searching");
        Result<FindResult> r = find_regex(**source, *regex, limit, &ctx);
        if (!r) return Status(r.error());
        out->publish(std::move(*r));
        return Status{};
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
