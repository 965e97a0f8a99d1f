// A pattern search (memview/find_pattern.h) on a worker that opens its own Source from the
// spec, like start_scan does for value scans; publishes the FindResult once, when it ends
// (cancelled: the matches found so far).
#pragma once

#include <memory>
#include <string>

#include "memview/find_pattern.h"
#include "memview/worker.h"

namespace memview::gui {

std::unique_ptr<Worker> start_find(std::string spec, BytePattern pattern, size_t limit,
                                   const std::shared_ptr<Published<FindResult>>& out);

}  // namespace memview::gui
