// Scans on a worker thread, and the undo history of a scan session.
#include "memview/scan_worker.h"

#include <utility>

#include "memview/source_spec.h"

namespace memview {

Result<ScanState> run_scan(ScanRequest& req, WorkerContext& ctx) {
  OpenOptions oo;
  oo.read_only = true;
  Result<SourcePtr> source = open_source(req.spec, oo);
  if (!source) return source.error();
  if (!req.previous && req.previous_shared) {
    ctx.set_stage("copying the candidates");
    req.previous = *req.previous_shared;
    req.previous_shared.reset();
  }
  if (req.previous) {
    ctx.set_stage("narrowing");
    ScanState prev = std::move(*req.previous);
    req.previous.reset();
    if (req.options.memory_cap != 0) prev.options.memory_cap = req.options.memory_cap;
    return narrow(**source, std::move(prev), req.condition, &ctx, req.first.get());
  }
  ctx.set_stage("scanning");
  return first_scan(**source, req.options, req.condition, &ctx, req.ranges);
}

std::unique_ptr<Worker> start_scan(ScanRequest request,
                                   const std::shared_ptr<Published<ScanState>>& out) {
  auto req = std::make_shared<ScanRequest>(std::move(request));
  return Worker::start("scan", [req, out](WorkerContext& ctx) -> Status {
    Result<ScanState> state = run_scan(*req, ctx);
    if (!state) return state.error();
    out->publish(std::move(*state));
    return {};
  });
}

void ScanHistory::reset(std::shared_ptr<const ScanState> first) {
  states_.clear();
  if (first) states_.push_back(std::move(first));
}

void ScanHistory::push(std::shared_ptr<const ScanState> narrowed) {
  if (narrowed) states_.push_back(std::move(narrowed));
}

void ScanHistory::undo() {
  if (can_undo()) states_.pop_back();
}

std::shared_ptr<const ScanState> ScanHistory::first() const {
  return states_.empty() ? nullptr : states_.front();
}

std::shared_ptr<const ScanState> ScanHistory::current() const {
  return states_.empty() ? nullptr : states_.back();
}

}  // namespace memview
