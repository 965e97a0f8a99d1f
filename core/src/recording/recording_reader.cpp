// Reading recordings: the header and the block index at open, blocks decoded on demand.
#include <zstd.h>

#include <algorithm>
#include <fstream>
#include <limits>

#include "memview/file_read.h"
#include "memview/recording.h"
#include "recording_format.h"

namespace memview {

using recording::Cursor;
using recording::get_le;

struct Recording::Input {
  virtual ~Input() = default;
  virtual uint64_t size() const = 0;
  // Reads exactly n bytes at offset into out; false when the input is shorter.
  virtual bool read_at(uint64_t offset, size_t n, std::string& out) = 0;
};

namespace {

class MemoryInput final : public Recording::Input {
 public:
  explicit MemoryInput(std::string bytes) : bytes_(std::move(bytes)) {}
  uint64_t size() const override { return bytes_.size(); }
  bool read_at(uint64_t offset, size_t n, std::string& out) override {
    if (offset > bytes_.size() || n > bytes_.size() - offset) return false;
    out.assign(bytes_, offset, n);
    return true;
  }

 private:
  std::string bytes_;
};

class FileInput final : public Recording::Input {
 public:
  FileInput(std::ifstream stream, uint64_t size) : stream_(std::move(stream)), size_(size) {}
  uint64_t size() const override { return size_; }
  bool read_at(uint64_t offset, size_t n, std::string& out) override {
    if (offset > size_ || n > size_ - offset) return false;
    out.resize(n);
    stream_.clear();
    stream_.seekg(static_cast<std::streamoff>(offset));
    stream_.read(out.data(), static_cast<std::streamsize>(n));
    return static_cast<size_t>(stream_.gcount()) == n;
  }

 private:
  std::ifstream stream_;
  uint64_t size_;
};

// A recording in memory: the header and the blocks as separate strings, read as if they
// were one file.
class ImageInput final : public Recording::Input {
 public:
  explicit ImageInput(RecordingImage image) : image_(std::move(image)) {
    uint64_t at = image_.head.size();
    for (const auto& b : image_.blocks) {
      starts_.push_back(at);
      at += b->size();
    }
    size_ = at;
  }
  uint64_t size() const override { return size_; }
  bool read_at(uint64_t offset, size_t n, std::string& out) override {
    if (offset > size_ || n > size_ - offset) return false;
    out.clear();
    out.reserve(n);
    while (out.size() < n) {
      const uint64_t at = offset + out.size();
      // The segment holding `at`: the header, or the last block starting at or before it.
      const auto it = std::upper_bound(starts_.begin(), starts_.end(), at);
      const std::string& seg = it == starts_.begin()
                                   ? image_.head
                                   : *image_.blocks[static_cast<size_t>(it - starts_.begin()) - 1];
      const uint64_t seg_start = it == starts_.begin() ? 0 : *(it - 1);
      const size_t from = static_cast<size_t>(at - seg_start);
      const size_t take = std::min(n - out.size(), seg.size() - from);
      out.append(seg, from, take);
    }
    return true;
  }

 private:
  RecordingImage image_;
  std::vector<uint64_t> starts_;
  uint64_t size_ = 0;
};

Error corrupt(const std::string& why) {
  return make_error(Errc::invalid_argument, "the recording is corrupt: " + why);
}

bool starts_with(std::string_view bytes, const char* magic, size_t n) {
  return bytes.size() >= n && bytes.substr(0, n) == std::string_view(magic, n);
}

uint64_t le_at(std::string_view bytes, size_t pos, int n) {
  return get_le(reinterpret_cast<const unsigned char*>(bytes.data()) + pos, n);
}

// The fields of a block header (recording_format.h), unchecked.
struct BlockHeader {
  uint32_t stored = 0;
  uint32_t raw = 0;
  uint32_t samples = 0;
  int64_t first_ns = 0;
  int64_t last_ns = 0;
  uint64_t hash = 0;
};

std::optional<BlockHeader> parse_block_header(std::string_view b) {
  if (b.size() < recording::kBlockHeaderBytes ||
      !starts_with(b, recording::kBlockMagic, sizeof recording::kBlockMagic)) {
    return std::nullopt;
  }
  BlockHeader h;
  h.stored = static_cast<uint32_t>(le_at(b, 4, 4));
  h.raw = static_cast<uint32_t>(le_at(b, 8, 4));
  h.samples = static_cast<uint32_t>(le_at(b, 12, 4));
  h.first_ns = static_cast<int64_t>(le_at(b, 16, 8));
  h.last_ns = static_cast<int64_t>(le_at(b, 24, 8));
  h.hash = le_at(b, 32, 8);
  if (h.stored > recording::kMaxBlockBytes || h.raw > recording::kMaxBlockBytes ||
      h.last_ns < h.first_ns) {
    return std::nullopt;
  }
  return h;
}

// Appends the runs where `now` differs from `before` as changes.
template <class Sink>
void diff_runs(const std::vector<std::byte>& before, const std::vector<std::byte>& now,
               const Sink& sink) {
  size_t i = 0;
  const size_t n = std::min(before.size(), now.size());
  while (i < n) {
    if (before[i] == now[i]) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n && before[j] != now[j]) ++j;
    sink(i, j - i);
    i = j;
  }
}

}  // namespace

// A block's records, decoded: the keyframe, then the samples' runs (views into raw).
struct Recording::Decoded {
  std::string raw;
  int64_t key_ns = 0;
  std::vector<std::vector<std::byte>> key;
  struct Run {
    uint32_t range;
    uint64_t offset;
    size_t pos;
    size_t length;
  };
  struct Sample {
    int64_t t_ns;
    size_t first_run;
    size_t runs;
  };
  std::vector<Run> runs;
  std::vector<Sample> samples;
  std::vector<RecordingEvent> events;

  std::span<const std::byte> bytes(const Run& r) const {
    return {reinterpret_cast<const std::byte*>(raw.data()) + r.pos, r.length};
  }
};

Result<Recording> Recording::open(const std::string& path) {
  Result<uint64_t> size = check_regular_file(path, 0, "recording");
  if (!size) return size.error();
  std::ifstream stream(path, std::ios::binary);
  if (!stream) return make_error(Errc::permission, "cannot open '" + path + "' for reading");
  return load(std::make_shared<FileInput>(std::move(stream), *size));
}

Result<Recording> Recording::from_bytes(std::string bytes) {
  return load(std::make_shared<MemoryInput>(std::move(bytes)));
}

Result<Recording> Recording::from_image(RecordingImage image) {
  const size_t blocks = image.blocks.size();
  Result<Recording> r = load(std::make_shared<ImageInput>(std::move(image)));
  // An image never has an index: ending right after its last block is complete.
  if (r && r->blocks_.size() == blocks) {
    r->truncated_ = false;
    r->truncation_.clear();
  }
  return r;
}

Result<Recording> Recording::load(std::shared_ptr<Input> input) {
  Recording rec;
  rec.input_ = std::move(input);
  Input& in = *rec.input_;
  std::string head;
  if (!in.read_at(0, recording::kFileHeaderBytes, head) ||
      !starts_with(head, recording::kFileMagic, sizeof recording::kFileMagic)) {
    return make_error(Errc::invalid_argument,
                      "not a memview recording (it does not start with \"MVRECORD\")");
  }
  const auto version = static_cast<uint32_t>(le_at(head, 8, 4));
  if (version != kRecordingVersion) {
    return make_error(Errc::unsupported, "recording format version " + std::to_string(version) +
                                             " is not supported (this memview reads version " +
                                             std::to_string(kRecordingVersion) + ")");
  }
  const auto json_len = static_cast<uint32_t>(le_at(head, 12, 4));
  std::string json;
  if (json_len > recording::kMaxHeaderJson ||
      !in.read_at(recording::kFileHeaderBytes, json_len, json)) {
    return corrupt("the header is cut short");
  }
  if (recording::hash64(json) != le_at(head, 16, 8)) return corrupt("the header's checksum fails");
  Result<RecordingHeader> header = recording::header_from_json(json);
  if (!header) return header.error();
  rec.header_ = std::move(*header);

  // Blocks follow the header back to back: walk their headers (the index at the end only
  // confirms the walk reached the end of a finished file).
  uint64_t at = recording::kFileHeaderBytes + json_len;
  std::string bh;
  while (true) {
    if (at == in.size()) {
      rec.truncated_ = true;
      rec.truncation_ = "the recording ends without its index (the recorder did not finish)";
      break;
    }
    if (!in.read_at(at, recording::kBlockHeaderBytes, bh)) {
      if (in.read_at(at, 4, bh) && starts_with(bh, recording::kIndexMagic, 4)) {
        rec.truncated_ = true;
        rec.truncation_ = "the recording's index is cut short";
      } else {
        rec.truncated_ = true;
        rec.truncation_ = "the last block is cut short";
      }
      break;
    }
    if (starts_with(bh, recording::kIndexMagic, 4)) break;
    const std::optional<BlockHeader> h = parse_block_header(bh);
    if (!h) {
      if (rec.blocks_.empty()) return corrupt("a block header is malformed");
      rec.truncated_ = true;
      rec.truncation_ =
          "a block header after " + std::to_string(rec.blocks_.size()) + " blocks is malformed";
      break;
    }
    const uint64_t end = at + recording::kBlockHeaderBytes + h->stored;
    if (end > in.size()) {
      rec.truncated_ = true;
      rec.truncation_ = "the last block is cut short";
      break;
    }
    if (!rec.blocks_.empty() && h->first_ns < rec.blocks_.back().last_ns) {
      return corrupt("block times go backwards");
    }
    rec.blocks_.push_back({at, h->first_ns, h->last_ns, h->samples, h->stored, h->raw});
    at = end;
  }
  if (!rec.truncated_) {
    // The index: its entries must name exactly the blocks walked.
    std::string index;
    const uint64_t need =
        8 + recording::kIndexEntryBytes * rec.blocks_.size() + recording::kTrailerBytes;
    if (!in.read_at(at, need, index) || le_at(index, 4, 4) != rec.blocks_.size() ||
        at + need != in.size() || le_at(index, need - 16, 8) != at ||
        index.substr(need - 8) != std::string_view(recording::kEndMagic, 8)) {
      rec.truncated_ = true;
      rec.truncation_ = "the recording's index is damaged";
    }
  }
  return rec;
}

int64_t Recording::first_ns() const {
  return blocks_.empty() ? 0 : blocks_.front().first_ns;
}
int64_t Recording::last_ns() const {
  return blocks_.empty() ? 0 : blocks_.back().last_ns;
}

size_t Recording::block_for(int64_t t_ns) const {
  // The last block starting at or before t (the first block for earlier times).
  const auto it =
      std::upper_bound(blocks_.begin(), blocks_.end(), t_ns,
                       [](int64_t t, const RecordingBlockInfo& b) { return t < b.first_ns; });
  return it == blocks_.begin() ? 0 : static_cast<size_t>(it - blocks_.begin()) - 1;
}

Result<Recording::Decoded> Recording::decode(size_t block) const {
  const RecordingBlockInfo& info = blocks_[block];
  std::string bytes;
  if (!input_->read_at(info.offset, recording::kBlockHeaderBytes + info.stored_bytes, bytes)) {
    return corrupt("block " + std::to_string(block) + " cannot be read");
  }
  const std::string_view stored = std::string_view(bytes).substr(recording::kBlockHeaderBytes);
  if (recording::hash64(stored) != le_at(bytes, 32, 8)) {
    return corrupt("block " + std::to_string(block) + "'s checksum fails");
  }
  Decoded d;
  const unsigned long long content = ZSTD_getFrameContentSize(stored.data(), stored.size());
  if (content != info.raw_bytes) return corrupt("block " + std::to_string(block) + " is malformed");
  d.raw.resize(info.raw_bytes);
  const size_t n = ZSTD_decompress(d.raw.data(), d.raw.size(), stored.data(), stored.size());
  if (ZSTD_isError(n) != 0U || n != info.raw_bytes) {
    return corrupt("block " + std::to_string(block) + " does not decompress");
  }
  const Error bad = corrupt("block " + std::to_string(block) + "'s records are malformed");
  Cursor c(d.raw);
  uint8_t tag = 0;
  if (!c.u8(tag) || tag != recording::kTagKeyframe || !c.i64(d.key_ns)) return bad;
  for (const ByteRange& r : header_.ranges) {
    std::string_view b;
    if (!c.take(r.length, b)) return bad;
    const auto* p = reinterpret_cast<const std::byte*>(b.data());
    d.key.emplace_back(p, p + b.size());
  }
  int64_t last = d.key_ns;
  while (!c.done()) {
    int64_t t = 0;
    if (!c.u8(tag) || !c.i64(t) || t < last) return bad;
    if (tag == recording::kTagSample) {
      uint32_t runs = 0;
      if (!c.u32(runs) || runs > c.left() / 12) return bad;
      d.samples.push_back({t, d.runs.size(), runs});
      for (uint32_t i = 0; i < runs; ++i) {
        uint32_t range = 0;
        uint32_t offset = 0;
        uint32_t length = 0;
        std::string_view b;
        if (!c.u32(range) || !c.u32(offset) || !c.u32(length) || range >= header_.ranges.size() ||
            offset > header_.ranges[range].length ||
            length > header_.ranges[range].length - offset) {
          return bad;
        }
        const size_t pos = c.pos();
        if (!c.take(length, b)) return bad;
        d.runs.push_back({range, offset, pos, length});
      }
      last = t;
    } else if (tag == recording::kTagEvent) {
      uint8_t kind = 0;
      uint32_t length = 0;
      std::string_view text;
      if (!c.u8(kind) || !c.u32(length) || !c.take(length, text) || kind < 1 || kind > 4) {
        return bad;
      }
      d.events.push_back({t, static_cast<RecordingEventKind>(kind), std::string(text)});
    } else {
      return bad;
    }
  }
  return d;
}

Result<std::shared_ptr<const Recording::Decoded>> Recording::decode_cached(size_t block) const {
  if (cached_ && cached_block_ == block) return cached_;
  Result<Decoded> d = decode(block);
  if (!d) return d.error();
  cached_ = std::make_shared<const Decoded>(std::move(*d));
  cached_block_ = block;
  return cached_;
}

Result<RecordedState> Recording::state_at(int64_t t_ns) const {
  if (blocks_.empty()) return make_error(Errc::not_found, "the recording holds no samples");
  Result<std::shared_ptr<const Decoded>> decoded = decode_cached(block_for(t_ns));
  if (!decoded) return decoded.error();
  const Decoded* d = decoded->get();
  RecordedState state{d->key_ns, d->key};
  for (const Decoded::Sample& s : d->samples) {
    if (s.t_ns > t_ns) break;
    for (size_t i = s.first_run; i < s.first_run + s.runs; ++i) {
      const Decoded::Run& r = d->runs[i];
      const std::span<const std::byte> b = d->bytes(r);
      std::copy(b.begin(), b.end(),
                state.ranges[r.range].begin() + static_cast<ptrdiff_t>(r.offset));
    }
    state.t_ns = s.t_ns;
  }
  return state;
}

namespace {

// Reports the part of a run inside the filter (all of it without one).
bool report(const std::optional<Recording::Filter>& filter, const RecordedChange& change,
            const std::function<bool(const RecordedChange&)>& callback) {
  if (!filter) return callback(change);
  if (change.range != filter->range) return true;
  const uint64_t lo = std::max(change.offset, filter->offset);
  const uint64_t hi =
      std::min(change.offset + change.bytes.size(), filter->offset + filter->length);
  if (lo >= hi) return true;
  RecordedChange clipped = change;
  clipped.offset = lo;
  clipped.bytes = change.bytes.subspan(lo - change.offset, hi - lo);
  return callback(clipped);
}

void apply(std::vector<std::vector<std::byte>>& state, const RecordedChange& c) {
  std::copy(c.bytes.begin(), c.bytes.end(),
            state[c.range].begin() + static_cast<ptrdiff_t>(c.offset));
}

}  // namespace

Status Recording::for_each_change(
    int64_t t1, int64_t t2, std::optional<Filter> filter, bool with_first,
    const std::function<bool(const RecordedChange&)>& callback) const {
  if (blocks_.empty() || t2 < t1) return {};
  std::vector<std::vector<std::byte>> current;
  // Start in the block holding the time just before t1, so that a change folded into the
  // keyframe of a block starting exactly at t1 is still seen as a change.
  const size_t first = block_for(t1 == std::numeric_limits<int64_t>::min() ? t1 : t1 - 1);
  for (size_t b = first; b < blocks_.size() && blocks_[b].first_ns <= t2; ++b) {
    Result<Decoded> d = decode(b);
    if (!d) return d.error();
    size_t next_sample = 0;
    if (current.empty()) {
      // The state just before t1: the keyframe and the samples before t1.
      current = d->key;
      int64_t base_ns = d->key_ns;
      for (; next_sample < d->samples.size() && d->samples[next_sample].t_ns < t1; ++next_sample) {
        const Decoded::Sample& s = d->samples[next_sample];
        for (size_t i = s.first_run; i < s.first_run + s.runs; ++i) {
          apply(current, {s.t_ns, d->runs[i].range, d->runs[i].offset, d->bytes(d->runs[i])});
        }
        base_ns = s.t_ns;
      }
      if (with_first) {
        for (uint32_t r = 0; r < current.size(); ++r) {
          const std::span<const std::byte> all(current[r]);
          if (!report(filter, {base_ns, r, 0, all}, callback)) return {};
        }
      }
    } else if (d->key_ns >= t1) {
      // Changes between blocks are folded into the next keyframe: diff it.
      for (uint32_t r = 0; r < current.size(); ++r) {
        bool go_on = true;
        diff_runs(current[r], d->key[r], [&](size_t at, size_t n) {
          if (!go_on) return;
          const std::span<const std::byte> bytes(d->key[r].data() + at, n);
          go_on = report(filter, {d->key_ns, r, at, bytes}, callback);
        });
        if (!go_on) return {};
      }
      current = d->key;
    } else {
      current = d->key;
    }
    for (; next_sample < d->samples.size(); ++next_sample) {
      const Decoded::Sample& s = d->samples[next_sample];
      if (s.t_ns > t2) return {};
      for (size_t i = s.first_run; i < s.first_run + s.runs; ++i) {
        const RecordedChange c{s.t_ns, d->runs[i].range, d->runs[i].offset, d->bytes(d->runs[i])};
        apply(current, c);
        if (s.t_ns >= t1 && !report(filter, c, callback)) return {};
      }
    }
  }
  return {};
}

Result<std::vector<RecordingEvent>> Recording::events() const {
  std::vector<RecordingEvent> out;
  for (size_t b = 0; b < blocks_.size(); ++b) {
    Result<Decoded> d = decode(b);
    if (!d) return d.error();
    out.insert(out.end(), d->events.begin(), d->events.end());
  }
  return out;
}

Result<std::vector<SeriesPoint>> Recording::series(uint32_t range, uint64_t offset, ScalarType type,
                                                   Endian endian, int64_t t1, int64_t t2) const {
  const size_t width = scalar_size(type);
  if (range >= header_.ranges.size() || offset > header_.ranges[range].length ||
      width > header_.ranges[range].length - offset) {
    return make_error(Errc::out_of_range, "the field lies outside the recorded ranges");
  }
  std::vector<SeriesPoint> out;
  std::vector<std::byte> value(width);
  std::vector<std::byte> shown;
  std::optional<int64_t> pending;
  const auto flush = [&] {
    if (pending && value != shown) {
      out.push_back({*pending, decode_scalar(type, value, endian)});
      shown = value;
    }
    pending.reset();
  };
  Status s =
      for_each_change(t1, t2, Filter{range, offset, width}, true, [&](const RecordedChange& c) {
        if (pending && *pending != c.t_ns) flush();
        std::copy(c.bytes.begin(), c.bytes.end(),
                  value.begin() + static_cast<ptrdiff_t>(c.offset - offset));
        pending = c.t_ns;
        return true;
      });
  if (!s) return s.error();
  flush();
  return out;
}

Result<std::optional<int64_t>> Recording::next_change(const Filter& filter, int64_t t_ns) const {
  std::optional<int64_t> found;
  if (t_ns == std::numeric_limits<int64_t>::max()) return found;
  Status s = for_each_change(t_ns + 1, std::numeric_limits<int64_t>::max(), filter, false,
                             [&](const RecordedChange& c) {
                               found = c.t_ns;
                               return false;
                             });
  if (!s) return s.error();
  return found;
}

Result<std::optional<int64_t>> Recording::previous_change(const Filter& filter,
                                                          int64_t t_ns) const {
  std::optional<int64_t> found;
  if (blocks_.empty() || t_ns <= first_ns()) return found;
  // Block by block backwards: the first block (from the end) with a change before t holds
  // the answer. Each pass starts at the previous block's end so keyframe changes count.
  for (size_t b = block_for(t_ns - 1) + 1; b-- > 0;) {
    // (Saturating: a damaged file may hold any times.)
    const int64_t before = b == 0 ? blocks_[0].first_ns : blocks_[b - 1].last_ns;
    const int64_t from = before == std::numeric_limits<int64_t>::max() ? before : before + 1;
    Status s = for_each_change(from, t_ns - 1, filter, false, [&](const RecordedChange& c) {
      found = c.t_ns;
      return true;
    });
    if (!s) return s.error();
    if (found) return found;
  }
  return found;
}

std::optional<Recording::Filter> Recording::filter_for(uint64_t address, uint64_t length) const {
  for (uint32_t i = 0; i < header_.ranges.size(); ++i) {
    const ByteRange& r = header_.ranges[i];
    if (address >= r.address && address - r.address <= r.length &&
        length <= r.length - (address - r.address)) {
      return Filter{i, address - r.address, length};
    }
  }
  return std::nullopt;
}

}  // namespace memview
