#include "recorded_source.h"

#include <algorithm>
#include <cstring>

namespace memview::gui {

RecordedSource::RecordedSource(SourceInfo info, std::vector<ByteRange> ranges,
                               std::string read_only_reason)
    : info_(std::move(info)), ranges_(std::move(ranges)) {
  info_.writable = false;
  info_.read_only_reason = std::move(read_only_reason);
  info_.status.clear();
}

void RecordedSource::set_extent(uint64_t base, uint64_t size) {
  info_.base = base;
  info_.size = size;
}

namespace {

void add_unreadable(ReadOutcome& r, uint64_t address, uint64_t length) {
  if (length == 0) return;
  if (!r.unreadable.empty() && r.unreadable.back().end() == address) {
    r.unreadable.back().length += length;
  } else {
    r.unreadable.push_back({address, length});
  }
  if (r.message.empty()) r.message = "not recorded";
}

}  // namespace

ReadOutcome RecordedSource::read(uint64_t address, std::span<std::byte> out) {
  ReadOutcome r;
  uint64_t at = address;
  const uint64_t end = address + out.size();
  // The first range ending after `at`; ranges are sorted and disjoint.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), at,
                             [](uint64_t a, const ByteRange& br) { return a < br.end(); });
  while (at < end) {
    if (it == ranges_.end() || !state_) {
      add_unreadable(r, at, end - at);
      break;
    }
    const ByteRange& br = *it;
    if (br.address > at) {
      const uint64_t gap = std::min(br.address, end) - at;
      add_unreadable(r, at, gap);
      at += gap;
      continue;
    }
    const size_t index = static_cast<size_t>(it - ranges_.begin());
    const uint64_t n = std::min(br.end(), end) - at;
    if (index < state_->size() && (*state_)[index].size() == br.length) {
      std::memcpy(out.data() + (at - address), (*state_)[index].data() + (at - br.address),
                  static_cast<size_t>(n));
    } else {
      add_unreadable(r, at, n);
    }
    at += n;
    ++it;
  }
  return r;
}

Status RecordedSource::write(uint64_t /*address*/, std::span<const std::byte> /*data*/) {
  return make_error(Errc::permission, info_.read_only_reason);
}

}  // namespace memview::gui
