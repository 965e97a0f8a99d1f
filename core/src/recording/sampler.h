// One sample of a set of ranges from a Source, compared in place with the previous sample:
// the plain mode uses the source's fused read+diff; the seqlock and stable-read modes copy
// first, check the copy, and only then compare it with the previous sample.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memview/recording.h"
#include "memview/result.h"
#include "memview/source.h"

namespace memview::recording {

class Sampler {
 public:
  enum class Mode { plain, seqlock, stable };
  Sampler(Source& source, std::vector<ByteRange> ranges, Mode mode,
          std::optional<ByteRange> seqlock, unsigned max_retries);

  enum class Outcome { sampled, torn, unreadable };
  // Takes one sample. sampled: runs() holds the runs that changed (views into state());
  // torn: still inconsistent after max_retries (nothing changed); unreadable: message().
  Outcome take();

  const std::vector<RecordedRun>& runs() const { return runs_; }
  const std::vector<std::vector<std::byte>>& state() const { return cache_; }
  const std::string& message() const { return message_; }
  uint64_t retries() const { return retries_; }

 private:
  Outcome take_plain();
  Outcome take_checked();
  bool read_all(std::vector<std::vector<std::byte>>& into);
  std::optional<uint64_t> read_counter();
  void compare(size_t range, const std::vector<std::byte>& now);

  Source& source_;
  std::vector<ByteRange> ranges_;
  Mode mode_;
  std::optional<ByteRange> seqlock_;
  unsigned max_retries_;
  std::vector<std::vector<std::byte>> cache_;
  std::vector<std::vector<std::byte>> copy_;
  std::vector<std::vector<std::byte>> second_;
  std::vector<RecordedRun> runs_;
  std::string message_;
  uint64_t retries_ = 0;
};

}  // namespace memview::recording
