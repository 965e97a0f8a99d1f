#include "find_job.h"

#include <utility>

#include "memview/source_spec.h"

namespace memview::gui {

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

}  // namespace memview::gui
