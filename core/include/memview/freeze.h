// Freezing a value: a worker keeps writing it at an interval, through the Editor's write
// path (exact bytes, refused when the source is read-only or the range is outside it), and
// counts the "fights": writes by someone else seen between two of its own.
//
// Modes (PINCE's three): exact holds the value; allow_increase lets another process raise
// it (the raised value is then held) and writes back only decreases; allow_decrease the
// reverse. A change the mode allows is counted as `allowed`, not as a fight.
//
// The freeze never writes once its source went read-only, shrank below the end of the
// value, was removed (its name unlinked, its process exited, its link dropped) or could not
// be read: it stops for good with the reason (FreezeStatus::stopped, and the worker fails
// with it). A check runs before every write, right after a refresh of the source, so the
// window in which a removal can go unseen is one refresh-to-store (microseconds).
//
// Thread-safety: the Freezer belongs to one thread (the worker's); start_freeze shares only
// the Published<FreezeStatus> with its caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "memview/editor.h"
#include "memview/result.h"
#include "memview/source.h"
#include "memview/value_codec.h"
#include "memview/worker.h"

namespace memview {

enum class FreezeMode { exact, allow_increase, allow_decrease };
const char* freeze_mode_name(FreezeMode m);  // "exact", "allow increase", "allow decrease"
// The mode freeze_mode_name() names; nullopt for any other text.
std::optional<FreezeMode> freeze_mode_from_name(std::string_view name);

inline constexpr int64_t kFreezeMinIntervalNs = 1'000'000;        // 1 ms
inline constexpr int64_t kFreezeMaxIntervalNs = 10'000'000'000;   // 10 s
inline constexpr int64_t kFreezeDefaultIntervalNs = 100'000'000;  // 100 ms
int64_t clamp_freeze_interval_ns(int64_t ns);

struct FreezeRequest {
  std::string spec;  // the source to open (read-write), as the tab opened it
  uint64_t address = 0;
  ScalarType type = ScalarType::u32;
  Endian endian = Endian::little;
  std::vector<std::byte> value;  // scalar_size(type) bytes to hold, in the source's order
  FreezeMode mode = FreezeMode::exact;
  int64_t interval_ns = kFreezeDefaultIntervalNs;  // clamped to [1 ms, 10 s]
};

struct FreezeStatus {
  uint64_t checks = 0;          // times the value was read
  uint64_t writes = 0;          // writes made
  uint64_t fights = 0;          // someone else's write seen and overwritten
  uint64_t allowed = 0;         // someone else's change the mode let stand
  std::vector<std::byte> held;  // what is held now (moves in the allow modes)
  std::string stopped;          // empty while it runs; why it stopped for good
};

// One freeze over a Source the caller owns (the worker's own). step() does one round:
// refresh, check, read, write when needed.
class Freezer {
 public:
  Freezer(Source& source, FreezeRequest request);
  // ok: the value is held (or was left as the mode allows). An error: the freeze stopped
  // for good (status().stopped says why) and nothing was written.
  Status step();
  const FreezeStatus& status() const { return status_; }

 private:
  Status stop(Error e);
  Status check_source();

  Source& source_;
  Editor editor_;
  FreezeRequest req_;
  FreezeStatus status_;
  std::vector<std::byte> left_;  // what the value was after our last round (empty: none)
};

// Validates the request (size of value, interval), then starts a worker named "freeze"
// that opens its own Source from request.spec and runs a Freezer every interval until
// cancelled or stopped. `out` receives the status after every round.
Result<std::unique_ptr<Worker>> start_freeze(FreezeRequest request,
                                             const std::shared_ptr<Published<FreezeStatus>>& out);

// -1, 0, 1 as a < b, a == b, a > b, comparing the two values as `type`; 2 when they are
// unordered (a float NaN).
int compare_scalar(ScalarType type, Endian endian, std::span<const std::byte> a,
                   std::span<const std::byte> b);

}  // namespace memview
