// Writing recordings: records collect in the open block, which is compressed and appended
// (or held in the ring) when it reaches its size or time limit.
#include <zstd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "memview/recording.h"
#include "recording_format.h"

namespace memview {

using recording::put_i64;
using recording::put_u32;
using recording::put_u64;

Result<std::unique_ptr<RecordingWriter>> RecordingWriter::create(
    const std::string& path, const RecordingHeader& header, const RecordingWriterOptions& options) {
  if (header.ranges.empty()) {
    return make_error(Errc::invalid_argument, "a recording needs at least one range");
  }
  if (header.ranges.size() > kMaxRecordedRanges || header.total_bytes() > kMaxRecordedBytes) {
    return make_error(Errc::invalid_argument, "the ranges are larger than one recording holds (" +
                                                  std::to_string(kMaxRecordedBytes) + " bytes, " +
                                                  std::to_string(kMaxRecordedRanges) + " ranges)");
  }
  std::unique_ptr<RecordingWriter> w(new RecordingWriter());
  if (!options.in_memory) w->file_ = std::fopen(path.c_str(), "wb");
  if (!options.in_memory && !w->file_) {
    return make_error(errno == EACCES ? Errc::permission : Errc::io,
                      "cannot create '" + path + "': " + std::strerror(errno));
  }
  w->header_ = header;
  w->options_ = options;
  const std::string json = recording::header_to_json(header);
  std::string head(recording::kFileMagic, sizeof recording::kFileMagic);
  put_u32(head, kRecordingVersion);
  put_u32(head, static_cast<uint32_t>(json.size()));
  put_u64(head, recording::hash64(json));
  head += json;
  if (options.in_memory) {
    w->file_bytes_ = head.size();
    w->head_ = std::move(head);
    return w;
  }
  Status written = w->write_raw(head.data(), head.size());
  if (!written) return written.error();
  return w;
}

RecordingWriter::~RecordingWriter() {
  if (file_) std::fclose(file_);
}

Status RecordingWriter::write_raw(const void* data, size_t size) {
  if (std::fwrite(data, 1, size, file_) != size || std::fflush(file_) != 0) {
    return make_error(Errc::io, std::string("cannot write the recording: ") + std::strerror(errno));
  }
  file_bytes_ += size;
  return {};
}

Status RecordingWriter::start(int64_t t_ns, const std::vector<std::vector<std::byte>>& state) {
  if (state.size() != header_.ranges.size()) {
    return make_error(Errc::invalid_argument, "the first state does not match the ranges");
  }
  for (size_t i = 0; i < state.size(); ++i) {
    if (state[i].size() != header_.ranges[i].length) {
      return make_error(Errc::invalid_argument, "the first state does not match the ranges");
    }
  }
  state_ = state;
  ++samples_;
  return begin_block(t_ns);
}

// A block starts with the full state: reading any time in it needs nothing before it.
Status RecordingWriter::begin_block(int64_t t_ns) {
  raw_.clear();
  raw_.push_back(static_cast<char>(recording::kTagKeyframe));
  put_i64(raw_, t_ns);
  for (const std::vector<std::byte>& r : state_) {
    raw_.append(reinterpret_cast<const char*>(r.data()), r.size());
  }
  block_open_ = true;
  block_first_ns_ = t_ns;
  block_last_ns_ = t_ns;
  block_samples_ = 1;
  return {};
}

Status RecordingWriter::add_sample(int64_t t_ns, std::span<const RecordedRun> runs) {
  if (finished_ || state_.empty()) {
    return make_error(Errc::invalid_argument, "the recording is not started or already finished");
  }
  ++samples_;
  if (runs.empty()) {
    if (block_open_) {
      block_last_ns_ = t_ns;
      ++block_samples_;
      // In memory the viewer reads closed blocks only: a quiet stretch must not hold the
      // last changes back. The next change starts a block with its keyframe.
      if (options_.in_memory && t_ns - block_first_ns_ >= options_.block_ns) return close_block();
    }
    return {};
  }
  for (const RecordedRun& run : runs) {
    if (run.range >= state_.size() || run.offset > state_[run.range].size() ||
        run.bytes.size() > state_[run.range].size() - run.offset) {
      return make_error(Errc::invalid_argument, "a changed run lies outside its range");
    }
    std::memcpy(state_[run.range].data() + run.offset, run.bytes.data(), run.bytes.size());
    ++runs_;
    changed_bytes_ += run.bytes.size();
  }
  const bool full =
      raw_.size() >= options_.block_bytes || t_ns - block_first_ns_ >= options_.block_ns;
  if (block_open_ && full) {
    Status closed = close_block();
    if (!closed) return closed;
  }
  if (!block_open_) return begin_block(t_ns);  // the keyframe holds this sample's runs
  raw_.push_back(static_cast<char>(recording::kTagSample));
  put_i64(raw_, t_ns);
  put_u32(raw_, static_cast<uint32_t>(runs.size()));
  for (const RecordedRun& run : runs) {
    put_u32(raw_, run.range);
    put_u32(raw_, static_cast<uint32_t>(run.offset));
    put_u32(raw_, static_cast<uint32_t>(run.bytes.size()));
    raw_.append(reinterpret_cast<const char*>(run.bytes.data()), run.bytes.size());
  }
  block_last_ns_ = t_ns;
  ++block_samples_;
  return {};
}

Status RecordingWriter::add_event(const RecordingEvent& event) {
  if (finished_ || state_.empty()) {
    return make_error(Errc::invalid_argument, "the recording is not started or already finished");
  }
  if (!block_open_) {
    Status begun = begin_block(event.t_ns);
    if (!begun) return begun;
    block_samples_ = 0;
  }
  raw_.push_back(static_cast<char>(recording::kTagEvent));
  put_i64(raw_, event.t_ns);
  raw_.push_back(static_cast<char>(event.kind));
  put_u32(raw_, static_cast<uint32_t>(event.text.size()));
  raw_ += event.text;
  if (event.t_ns > block_last_ns_) block_last_ns_ = event.t_ns;
  return {};
}

Status RecordingWriter::close_block() {
  block_open_ = false;
  std::string stored(ZSTD_compressBound(raw_.size()), '\0');
  const size_t n =
      ZSTD_compress(stored.data(), stored.size(), raw_.data(), raw_.size(), options_.zstd_level);
  if (ZSTD_isError(n) != 0U) {
    return make_error(Errc::io, std::string("zstd: ") + ZSTD_getErrorName(n));
  }
  stored.resize(n);
  std::string block(recording::kBlockMagic, sizeof recording::kBlockMagic);
  put_u32(block, static_cast<uint32_t>(stored.size()));
  put_u32(block, static_cast<uint32_t>(raw_.size()));
  put_u32(block, block_samples_);
  put_i64(block, block_first_ns_);
  put_i64(block, block_last_ns_);
  put_u64(block, recording::hash64(stored));
  block += stored;
  raw_total_ += raw_.size();
  stored_total_ += stored.size();
  raw_.clear();
  return emit(std::move(block), block_first_ns_, block_last_ns_);
}

Status RecordingWriter::emit(std::string block, int64_t first_ns, int64_t last_ns) {
  const bool ring = options_.in_memory || options_.ring_ns > 0 || options_.ring_bytes > 0;
  if (ring) {
    ring_held_ += block.size();
    ring_.push_back({std::make_shared<const std::string>(std::move(block)), first_ns, last_ns});
    trim_ring();
    return {};
  }
  index_.push_back({file_bytes_, first_ns, last_ns});
  return write_raw(block.data(), block.size());
}

void RecordingWriter::keep_from(int64_t t_ns) {
  keep_from_ = t_ns;
  trim_ring();
}

void RecordingWriter::trim_ring() {
  while (ring_.size() > 1) {
    const Held& oldest = ring_.front();
    bool drop = false;
    if (keep_from_) {
      drop = oldest.last_ns < *keep_from_;
    } else {
      const int64_t newest = ring_.back().last_ns;
      drop = (options_.ring_ns > 0 && newest - oldest.last_ns > options_.ring_ns) ||
             (options_.ring_bytes > 0 && ring_held_ > options_.ring_bytes);
    }
    if (!drop) break;
    ring_held_ -= oldest.bytes->size();
    ring_.pop_front();
  }
}

Status RecordingWriter::finish() {
  if (finished_) return {};
  finished_ = true;
  if (block_open_) {
    Status closed = close_block();
    if (!closed) return closed;
  }
  if (options_.in_memory) return {};
  while (!ring_.empty()) {
    Held& h = ring_.front();
    index_.push_back({file_bytes_, h.first_ns, h.last_ns});
    Status written = write_raw(h.bytes->data(), h.bytes->size());
    if (!written) return written;
    ring_.pop_front();
  }
  const uint64_t index_offset = file_bytes_;
  std::string index(recording::kIndexMagic, sizeof recording::kIndexMagic);
  put_u32(index, static_cast<uint32_t>(index_.size()));
  for (const Done& d : index_) {
    put_u64(index, d.offset);
    put_i64(index, d.first_ns);
    put_i64(index, d.last_ns);
  }
  put_u64(index, index_offset);
  index.append(recording::kEndMagic, sizeof recording::kEndMagic);
  Status written = write_raw(index.data(), index.size());
  if (!written) return written;
  const int closed = std::fclose(file_);
  file_ = nullptr;
  if (closed != 0) {
    return make_error(Errc::io, std::string("cannot close the recording: ") + std::strerror(errno));
  }
  return {};
}

RecordingImage RecordingWriter::image() const {
  RecordingImage out;
  out.head = head_;
  out.blocks.reserve(ring_.size());
  for (const Held& h : ring_) out.blocks.push_back(h.bytes);
  return out;
}

uint64_t RecordingImage::bytes() const {
  uint64_t n = head.size();
  for (const auto& b : blocks) n += b->size();
  return n;
}

Status RecordingImage::save(const std::string& path) const {
  const std::string part = path + ".part";
  std::FILE* f = std::fopen(part.c_str(), "wb");
  if (!f) {
    return make_error(errno == EACCES ? Errc::permission : Errc::io,
                      "cannot create '" + part + "': " + std::strerror(errno));
  }
  std::string index(recording::kIndexMagic, sizeof recording::kIndexMagic);
  put_u32(index, static_cast<uint32_t>(blocks.size()));
  uint64_t at = head.size();
  bool ok = std::fwrite(head.data(), 1, head.size(), f) == head.size();
  for (const auto& b : blocks) {
    if (!ok) break;
    // The block header holds its times (recording_format.h): the index repeats them.
    const auto* p = reinterpret_cast<const unsigned char*>(b->data());
    if (b->size() < recording::kBlockHeaderBytes) {
      ok = false;
      break;
    }
    put_u64(index, at);
    put_i64(index, static_cast<int64_t>(recording::get_le(p + 16, 8)));
    put_i64(index, static_cast<int64_t>(recording::get_le(p + 24, 8)));
    ok = std::fwrite(b->data(), 1, b->size(), f) == b->size();
    at += b->size();
  }
  put_u64(index, at);
  index.append(recording::kEndMagic, sizeof recording::kEndMagic);
  ok = ok && std::fwrite(index.data(), 1, index.size(), f) == index.size();
  const int err = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(part.c_str());
    return make_error(Errc::io, "cannot write '" + part + "': " + std::strerror(err));
  }
  if (std::rename(part.c_str(), path.c_str()) != 0) {
    const int rerr = errno;
    std::remove(part.c_str());
    return make_error(Errc::io,
                      "cannot rename '" + part + "' to '" + path + "': " + std::strerror(rerr));
  }
  return {};
}

}  // namespace memview
