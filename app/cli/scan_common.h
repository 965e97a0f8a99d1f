// Shared by `memview-cli scan` and `memview-cli find`: running a scan job until it ends or
// Ctrl-C cancels it (keeping what was found), and the summary line.
#pragma once

#include <cstdint>
#include <string>

#include "memview/scan.h"
#include "memview/worker.h"

namespace memview::cli {

// Waits for the worker; SIGINT/SIGTERM cancel it (the job then returns what it has).
// Returns the job's error when it failed.
Status wait_scan_worker(Worker& worker);

// "1234 candidates, 256.0 MiB scanned in 0.12 s (2.1 GiB/s); 4096 bytes unreadable: why"
std::string scan_summary(uint64_t count, const ScanStats& stats, std::string_view noun);

}  // namespace memview::cli
