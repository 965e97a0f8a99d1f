// Defaults shared by every backend.
#include "memview/source.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "byte_compare.h"

namespace memview {

const char* event_kind_name(SourceEvent::Kind k) {
  switch (k) {
    case SourceEvent::Kind::resized:
      return "resized";
    case SourceEvent::Kind::removed:
      return "removed";
    case SourceEvent::Kind::exited:
      return "exited";
    case SourceEvent::Kind::disconnected:
      return "disconnected";
  }
  return "event";
}

ReadOutcome outside_range(const SourceInfo& info, uint64_t address, uint64_t length) {
  ReadOutcome out;
  const uint64_t lo = info.base;
  const uint64_t hi = info.base + info.size;
  const uint64_t end = address + length;
  if (address < lo) out.unreadable.push_back({address, std::min(end, lo) - address});
  if (end > hi) {
    const uint64_t from = std::max(address, hi);
    if (from < end) out.unreadable.push_back({from, end - from});
  }
  if (!out.unreadable.empty()) {
    out.message = fmt::format("outside the object (0x{:x}..0x{:x})", lo, hi);
  }
  return out;
}

Status check_write_range(const SourceInfo& info, uint64_t address, uint64_t length) {
  if (!info.writable) {
    return make_error(Errc::permission,
                      "source is read-only" +
                          (info.read_only_reason.empty() ? "" : ": " + info.read_only_reason));
  }
  const uint64_t lo = info.base;
  const uint64_t hi = info.base + info.size;
  if (address < lo || address > hi || length > hi - address) {
    return make_error(Errc::out_of_range,
                      fmt::format("write of {} byte(s) at 0x{:x} is outside the object "
                                  "(0x{:x}..0x{:x})",
                                  length, address, lo, hi));
  }
  return {};
}

std::vector<ReadOutcome> Source::read_pieces(std::span<const ReadPiece> pieces) {
  std::vector<ReadOutcome> out;
  out.reserve(pieces.size());
  for (const ReadPiece& p : pieces) out.push_back(read(p.address, p.out));
  return out;
}

ReadOutcome Source::diff(uint64_t address, std::span<std::byte> cache, const DiffSink& sink) {
  // Read and compared a slice at a time: the scratch copy costs at most kSlice bytes, not
  // the size of the range (a watched 64 MiB window of a process stays ~1 byte per byte).
  constexpr size_t kSlice = size_t{1} << 20;
  thread_local std::vector<std::byte> scratch;
  ReadOutcome outcome;
  for (size_t base = 0; base < cache.size(); base += kSlice) {
    const size_t n = std::min(kSlice, cache.size() - base);
    scratch.resize(n);
    ReadOutcome part = read(address + base, scratch);
    std::byte* const mine = cache.data() + base;
    // Walk the readable parts only; unreadable bytes stay as they were in cache.
    size_t pos = 0;
    auto compare = [&](size_t from, size_t to) {
      size_t i = from;
      while (i < to) {
        // Skip agreeing bytes with vector compares (byte_compare.h), per byte only on a run.
        i += detail::equal_prefix(scratch.data() + i, mine + i, to - i);
        if (i >= to) break;
        size_t j = i + 1;
        while (j < to && scratch[j] != mine[j]) ++j;
        std::memcpy(mine + i, scratch.data() + i, j - i);
        if (sink) sink(base + i, j - i);
        i = j;
      }
    };
    for (const ByteRange& bad : part.unreadable) {
      compare(pos, static_cast<size_t>(bad.address - (address + base)));
      pos = static_cast<size_t>(bad.end() - (address + base));
      if (!outcome.unreadable.empty() && outcome.unreadable.back().end() == bad.address) {
        outcome.unreadable.back().length += bad.length;
      } else {
        outcome.unreadable.push_back(bad);
      }
    }
    compare(pos, n);
    if (outcome.message.empty()) outcome.message = std::move(part.message);
  }
  if (scratch.capacity() > kSlice) scratch = {};
  return outcome;
}

Result<bool> Source::compare_exchange(uint64_t, unsigned, uint64_t&, uint64_t) {
  return make_error(
      Errc::unsupported,
      fmt::format("atomic compare-and-swap is not supported by {} sources", info().kind));
}

}  // namespace memview
