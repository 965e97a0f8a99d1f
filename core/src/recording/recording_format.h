// The byte layout of recordings (docs/recording.md), shared by the writer and the reader:
// little-endian integers, magics, record tags, the header's JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "memview/recording.h"
#include "memview/result.h"

namespace memview::recording {

inline constexpr char kFileMagic[8] = {'M', 'V', 'R', 'E', 'C', 'O', 'R', 'D'};
inline constexpr char kBlockMagic[4] = {'M', 'V', 'B', 'K'};
inline constexpr char kIndexMagic[4] = {'M', 'V', 'I', 'X'};
inline constexpr char kEndMagic[8] = {'M', 'V', 'R', 'E', 'C', 'E', 'N', 'D'};

// File header: magic, u32 version, u32 JSON length, u64 XXH64 of the JSON, the JSON.
inline constexpr size_t kFileHeaderBytes = 24;
inline constexpr uint32_t kMaxHeaderJson = 64u << 20;
// Block header: magic, u32 stored (compressed) length, u32 raw length, u32 samples,
// i64 first time, i64 last time, u64 XXH64 of the stored bytes.
inline constexpr size_t kBlockHeaderBytes = 40;
inline constexpr uint32_t kMaxBlockBytes = 256u << 20;
// Index entry: u64 offset, i64 first time, i64 last time. Trailer: u64 index offset, magic.
inline constexpr size_t kIndexEntryBytes = 24;
inline constexpr size_t kTrailerBytes = 16;

// Record tags inside a block's raw bytes.
enum Tag : uint8_t {
  kTagKeyframe = 1,  // i64 t, then every range's bytes in header order
  kTagSample = 2,    // i64 t, u32 runs, then per run: u32 range, u32 offset, u32 length, bytes
  kTagEvent = 3,     // i64 t, u8 kind, u32 length, text
};

inline void put_u32(std::string& out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.append(b, 4);
}
inline void put_u64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.append(b, 8);
}
inline void put_i64(std::string& out, int64_t v) {
  put_u64(out, static_cast<uint64_t>(v));
}

inline uint64_t get_le(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Reads little-endian fields from a byte string with bounds checks.
class Cursor {
 public:
  explicit Cursor(std::string_view bytes) : bytes_(bytes) {}
  bool done() const { return pos_ >= bytes_.size(); }
  size_t left() const { return bytes_.size() - pos_; }
  size_t pos() const { return pos_; }
  bool u8(uint8_t& v) {
    if (left() < 1) return false;
    v = static_cast<uint8_t>(bytes_[pos_++]);
    return true;
  }
  bool u32(uint32_t& v) {
    if (left() < 4) return false;
    v = static_cast<uint32_t>(get_le(data(), 4));
    pos_ += 4;
    return true;
  }
  bool i64(int64_t& v) {
    if (left() < 8) return false;
    v = static_cast<int64_t>(get_le(data(), 8));
    pos_ += 8;
    return true;
  }
  // A view of the next n bytes.
  bool take(size_t n, std::string_view& out) {
    if (left() < n) return false;
    out = bytes_.substr(pos_, n);
    pos_ += n;
    return true;
  }

 private:
  const unsigned char* data() const {
    return reinterpret_cast<const unsigned char*>(bytes_.data()) + pos_;
  }
  std::string_view bytes_;
  size_t pos_ = 0;
};

uint64_t hash64(std::string_view bytes);
std::string header_to_json(const RecordingHeader& header);
Result<RecordingHeader> header_from_json(std::string_view json);

}  // namespace memview::recording
