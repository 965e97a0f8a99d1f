// A test-only in-memory Source for unit tests of the tracker, poller and editor: the bytes
// live in a vector the test changes directly (standing in for another process), with
// simulated unreadable holes, shrink/grow and removal. Tests on real shared memory live
// next to these (see *_test.cpp); this double is what lets a test make a hole appear on cue.
#pragma once

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "memview/source.h"

namespace memview::testing {

class MemorySource : public Source {
 public:
  explicit MemorySource(size_t size, uint64_t base = 0) : data_(size) {
    info_.spec = "test:memory";
    info_.kind = "test";
    info_.name = "memory";
    info_.base = base;
    info_.size = size;
    info_.writable = true;
    for (size_t i = 0; i < size; ++i) data_[i] = static_cast<std::byte>((i * 7 + 3) & 0xff);
  }

  const SourceInfo& info() const override { return info_; }

  ReadOutcome read(uint64_t address, std::span<std::byte> out) override {
    ++reads;
    ReadOutcome outcome = outside_range(info_, address, out.size());
    for (const ByteRange& h : holes_) {
      const uint64_t lo = std::max(h.address, address);
      const uint64_t hi = std::min(h.end(), address + out.size());
      if (lo < hi) outcome.unreadable.push_back({lo, hi - lo});
    }
    std::sort(outcome.unreadable.begin(), outcome.unreadable.end(),
              [](const ByteRange& a, const ByteRange& b) { return a.address < b.address; });
    // Merge overlaps so the list keeps the promise: sorted and non-overlapping.
    std::vector<ByteRange> merged;
    for (const ByteRange& r : outcome.unreadable) {
      if (!merged.empty() && r.address <= merged.back().end()) {
        merged.back().length = std::max(merged.back().end(), r.end()) - merged.back().address;
      } else {
        merged.push_back(r);
      }
    }
    outcome.unreadable = std::move(merged);
    if (!outcome.unreadable.empty() && outcome.message.empty()) outcome.message = "hole";
    uint64_t pos = address;
    auto copy = [&](uint64_t to) {
      if (pos < to) {
        std::memcpy(out.data() + (pos - address), data_.data() + (pos - info_.base), to - pos);
        bytes_read += to - pos;
      }
    };
    for (const ByteRange& bad : outcome.unreadable) {
      copy(bad.address);
      pos = bad.end();
    }
    copy(address + out.size());
    return outcome;
  }

  Status write(uint64_t address, std::span<const std::byte> data) override {
    if (Status s = check_write_range(info_, address, data.size()); !s) return s;
    for (const ByteRange& h : holes_) {
      if (h.address < address + data.size() && address < h.end()) {
        return make_error(Errc::io, "write into a hole");
      }
    }
    std::memcpy(data_.data() + (address - info_.base), data.data(), data.size());
    ++writes;
    return {};
  }

  Result<bool> compare_exchange(uint64_t address, unsigned width, uint64_t& expected,
                                uint64_t desired) override {
    if (!cas_supported) return Source::compare_exchange(address, width, expected, desired);
    if (Status s = check_write_range(info_, address, width); !s) return s.error();
    uint64_t current = 0;
    std::memcpy(&current, data_.data() + (address - info_.base), width);  // little-endian host
    ++cas_calls;
    if (current != expected) {
      expected = current;
      return false;
    }
    std::memcpy(data_.data() + (address - info_.base), &desired, width);
    ++writes;
    return true;
  }

  std::vector<SourceEvent> refresh() override {
    std::vector<SourceEvent> events;
    if (pending_size_ && *pending_size_ != info_.size) {
      const uint64_t old = info_.size;
      data_.resize(*pending_size_);
      info_.size = *pending_size_;
      events.push_back({SourceEvent::Kind::resized, old, info_.size,
                        fmt::format("resized from {} to {} bytes", old, info_.size)});
    }
    pending_size_.reset();
    if (pending_removed_) {
      pending_removed_ = false;
      events.push_back({SourceEvent::Kind::removed, info_.size, info_.size, "removed"});
    }
    return events;
  }

  // --- what the test does to the "other process" side ---
  std::byte& at(uint64_t address) { return data_[address - info_.base]; }
  void set(uint64_t address, std::initializer_list<unsigned> bytes) {
    for (unsigned b : bytes) at(address++) = static_cast<std::byte>(b);
  }
  void add_hole(ByteRange r) { holes_.push_back(r); }
  void clear_holes() { holes_.clear(); }
  // Takes effect at the next refresh(), like a truncate seen by the next poll.
  void resize_later(uint64_t size) { pending_size_ = size; }
  void remove_later() { pending_removed_ = true; }
  void set_writable(bool w) {
    info_.writable = w;
    info_.read_only_reason = w ? "" : "opened read-only for the test";
  }

  bool cas_supported = false;
  uint64_t bytes_read = 0;
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t cas_calls = 0;

 private:
  SourceInfo info_;
  std::vector<std::byte> data_;
  std::vector<ByteRange> holes_;
  std::optional<uint64_t> pending_size_;
  bool pending_removed_ = false;
};

}  // namespace memview::testing
