// Scan states on disk: a streamed writer and a reader that checks each length against the
// bytes left before allocating anything (see memview/scan_file.h for the format).
#include "memview/scan_file.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <xxhash.h>

#include "memview/file_read.h"
#include "scan/scan_block.h"
#include "scan/scan_kernels.h"
#include "scan/scan_spill.h"

namespace memview {
namespace {

constexpr char kMagic[8] = {'M', 'V', 'S', 'C', 'A', 'N', 'S', 'T'};
constexpr size_t kMaxSpec = 1 << 16;
constexpr uint64_t kMaxLanes = 16;

struct HashDeleter {
  void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};
using HashState = std::unique_ptr<XXH3_state_t, HashDeleter>;

HashState new_hash() {
  HashState h(XXH3_createState());
  if (h) XXH3_64bits_reset(h.get());
  return h;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// ---- writing ----

class Out {
 public:
  Out(std::FILE* f) : f_(f), hash_(new_hash()) {}  // NOLINT(google-explicit-constructor)
  void bytes(const void* p, size_t n) {
    if (n == 0 || !ok_) return;
    if (std::fwrite(p, 1, n, f_) != n) ok_ = false;
    XXH3_64bits_update(hash_.get(), p, n);
  }
  template <class T>
  void put(T v) {
    unsigned char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));  // the format is little-endian, as every supported host
    bytes(b, sizeof(T));
  }
  void finish() {
    const uint64_t h = XXH3_64bits_digest(hash_.get());
    bytes(&h, sizeof h);
  }
  bool ok() const { return ok_; }

 private:
  std::FILE* f_;
  HashState hash_;
  bool ok_ = true;
};

Status write_state(Out& out, const ScanState& s) {
  out.bytes(kMagic, sizeof kMagic);
  out.put<uint32_t>(kScanFileVersion);
  out.put<uint32_t>(0);
  out.put<uint32_t>(static_cast<uint32_t>(s.spec.size()));
  out.bytes(s.spec.data(), s.spec.size());
  out.put<uint64_t>(s.source_base);
  out.put<uint64_t>(s.source_size);
  out.put<uint8_t>(static_cast<uint8_t>(s.options.type));
  out.put<uint8_t>(s.options.endian == Endian::big ? 1 : 0);
  out.put<uint8_t>(s.options.every_byte ? 1 : 0);
  out.put<uint8_t>(static_cast<uint8_t>(s.options.tolerance.mode));
  out.put<double>(s.options.tolerance.epsilon);
  out.put<uint32_t>(s.narrowings);
  out.put<uint64_t>(s.stats.bytes_scanned);
  out.put<uint64_t>(s.stats.bytes_unreadable);
  out.put<uint64_t>(s.blocks.size());
  for (const ScanBlock& stored : s.blocks) {
    // A spilled block is read back one at a time: saving needs no more memory than the
    // state already holds.
    Result<std::shared_ptr<const ScanBlock>> held = scan_detail::resident(s, stored);
    if (!held) return held.error();
    const ScanBlock& b = **held;
    out.put<uint64_t>(b.address);
    out.put<uint64_t>(b.length);
    out.put<uint64_t>(b.extent);
    out.put<uint8_t>(b.dense() ? 1 : 0);
    out.put<uint8_t>(static_cast<uint8_t>(b.lanes.size()));
    if (b.dense()) out.bytes(b.snapshot.data(), b.snapshot.size());
    for (const ScanLane& lane : b.lanes) {
      out.put<uint8_t>(static_cast<uint8_t>(lane.type));
      out.put<uint32_t>(lane.step);
      out.put<uint32_t>(lane.origin);
      out.put<uint8_t>(lane.all ? 1 : 0);
      if (b.dense()) {
        out.put<uint64_t>(lane.bits.size());
        out.bytes(lane.bits.data(), lane.bits.size() * sizeof(uint64_t));
      } else {
        out.put<uint64_t>(lane.offsets.size());
        out.bytes(lane.offsets.data(), lane.offsets.size() * sizeof(uint32_t));
        out.bytes(lane.values.data(), lane.values.size());
      }
    }
  }
  out.finish();
  return {};
}

// ---- reading ----

// A source of bytes that knows how many are left, hashing what it hands out.
class In {
 public:
  virtual ~In() = default;
  In() : hash_(new_hash()) {}
  In(const In&) = delete;
  In& operator=(const In&) = delete;
  uint64_t left() const { return left_; }
  bool bytes(void* p, size_t n) {
    if (n > left_ || !raw(p, n)) return false;
    left_ -= n;
    XXH3_64bits_update(hash_.get(), p, n);
    return true;
  }
  template <class T>
  bool get(T& v) {
    return bytes(&v, sizeof(T));
  }
  uint64_t digest() const { return XXH3_64bits_digest(hash_.get()); }
  // Reads the trailing checksum without hashing it.
  bool trailer(uint64_t& v) {
    if (left_ != sizeof v || !raw(&v, sizeof v)) return false;
    left_ = 0;
    return true;
  }

 protected:
  virtual bool raw(void* p, size_t n) = 0;
  uint64_t left_ = 0;

 private:
  HashState hash_;
};

class MemoryIn final : public In {
 public:
  explicit MemoryIn(std::span<const std::byte> b) : b_(b) { left_ = b.size(); }

 private:
  bool raw(void* p, size_t n) override {
    if (n == 0) return true;  // p may be an empty vector's null data()
    std::memcpy(p, b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  std::span<const std::byte> b_;
  size_t pos_ = 0;
};

class FileIn final : public In {
 public:
  FileIn(std::FILE* f, uint64_t size) : f_(f) { left_ = size; }

 private:
  bool raw(void* p, size_t n) override { return std::fread(p, 1, n, f_) == n; }
  std::FILE* f_;
};

Error bad(const std::string& why) {
  return make_error(Errc::invalid_argument, "not a valid scan state: " + why);
}

Error truncated() {
  return bad("the file is truncated");
}

bool lane_type_allowed(ScanType t, ScalarType s) {
  for (ScalarType c : scan_detail::concrete_types(t)) {
    if (c == s) return true;
    const int ci = static_cast<int>(c);
    const bool signed_int = c < ScalarType::f32 && ci % 2 == 1;
    if (signed_int && static_cast<int>(s) == ci - 1) return true;
  }
  return false;
}

Status read_lane(In& in, const ScanState& s, ScanBlock& b, ScanLane& lane) {
  uint8_t type = 0;
  uint8_t all = 0;
  if (!in.get(type) || !in.get(lane.step) || !in.get(lane.origin) || !in.get(all))
    return truncated();
  if (type > static_cast<uint8_t>(ScalarType::f64)) return bad("unknown value type");
  lane.type = static_cast<ScalarType>(type);
  if (!lane_type_allowed(s.options.type, lane.type)) return bad("a lane's type is not scanned");
  const auto w = static_cast<uint32_t>(scalar_size(lane.type));
  const ScanLane expected = scan_detail::make_lane(b, lane.type, s.options.every_byte);
  if (lane.step != expected.step || lane.origin != expected.origin) return bad("bad alignment");
  if (all > 1) return bad("bad flag");
  lane.all = all == 1;
  uint64_t n = 0;
  if (!in.get(n)) return truncated();
  const size_t npos = scan_detail::lane_positions(b, lane);
  if (b.dense()) {
    if (lane.all ? n != 0 : n != scan_detail::words_for(npos)) return bad("bad bitmap size");
    if (n > in.left() / sizeof(uint64_t)) return truncated();
    lane.bits.resize(static_cast<size_t>(n));
    if (!in.bytes(lane.bits.data(), lane.bits.size() * sizeof(uint64_t))) return truncated();
    if (npos % 64 != 0 && !lane.bits.empty() && (lane.bits.back() >> (npos % 64)) != 0)
      return bad("bitmap bits past the block");
    return {};
  }
  if (lane.all || n > npos) return bad("too many candidates in a block");
  if (n > in.left() / (sizeof(uint32_t) + w)) return truncated();
  lane.offsets.resize(static_cast<size_t>(n));
  lane.values.resize(static_cast<size_t>(n) * w);
  if (!in.bytes(lane.offsets.data(), lane.offsets.size() * sizeof(uint32_t)) ||
      !in.bytes(lane.values.data(), lane.values.size()))
    return truncated();
  for (size_t i = 0; i < lane.offsets.size(); ++i) {
    const uint32_t off = lane.offsets[i];
    if ((i > 0 && off <= lane.offsets[i - 1]) || off < lane.origin ||
        (off - lane.origin) % lane.step != 0 || off >= b.length || off + w > b.extent)
      return bad("candidate offsets out of order or outside their block");
  }
  return {};
}

Status read_block(In& in, const ScanState& s, ScanBlock& b, uint64_t min_address) {
  uint8_t dense = 0;
  uint8_t lanes = 0;
  if (!in.get(b.address) || !in.get(b.length) || !in.get(b.extent) || !in.get(dense) ||
      !in.get(lanes))
    return truncated();
  if (b.address < min_address || b.length == 0 || b.length > kScanBlockBytes ||
      b.extent < b.length || b.extent - b.length > 7 || b.address + b.extent < b.address ||
      b.address < s.source_base || b.address + b.length > s.source_base + s.source_size)
    return bad("blocks overlap or lie outside the source");
  if (dense > 1 || lanes == 0 || lanes > kMaxLanes) return bad("bad block header");
  if (dense == 1) {
    if (b.extent > in.left()) return truncated();
    b.snapshot.resize(static_cast<size_t>(b.extent));
    if (!in.bytes(b.snapshot.data(), b.snapshot.size())) return truncated();
  }
  b.lanes.resize(lanes);
  for (size_t k = 0; k < b.lanes.size(); ++k) {
    if (Status st = read_lane(in, s, b, b.lanes[k]); !st) return st;
    for (size_t m = 0; m < k; ++m) {
      if (b.lanes[m].type == b.lanes[k].type) return bad("two lanes of one type in a block");
    }
  }
  return {};
}

Result<ScanState> read_state(In& in, uint64_t memory_cap) {
  char magic[8];
  uint32_t version = 0;
  uint32_t reserved = 0;
  if (!in.bytes(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof magic) != 0)
    return bad("it does not start with the scan state magic (MVSCANST)");
  if (!in.get(version) || !in.get(reserved)) return truncated();
  if (version != kScanFileVersion) {
    return bad(
        fmt::format("version {} (this memview reads version {})", version, kScanFileVersion));
  }
  ScanState s;
  uint32_t spec_len = 0;
  if (!in.get(spec_len)) return truncated();
  if (spec_len > kMaxSpec || spec_len > in.left()) return truncated();
  s.spec.resize(spec_len);
  uint8_t type = 0;
  uint8_t endian = 0;
  uint8_t every = 0;
  uint8_t tol = 0;
  if (!in.bytes(s.spec.data(), spec_len) || !in.get(s.source_base) || !in.get(s.source_size) ||
      !in.get(type) || !in.get(endian) || !in.get(every) || !in.get(tol) ||
      !in.get(s.options.tolerance.epsilon) || !in.get(s.narrowings) ||
      !in.get(s.stats.bytes_scanned) || !in.get(s.stats.bytes_unreadable))
    return truncated();
  if (type > static_cast<uint8_t>(ScanType::any_number) || endian > 1 || every > 1 || tol > 2)
    return bad("unknown type or option");
  if (s.source_base + s.source_size < s.source_base) return bad("source range overflows");
  s.options.type = static_cast<ScanType>(type);
  s.options.endian = endian == 1 ? Endian::big : Endian::little;
  s.options.every_byte = every == 1;
  s.options.tolerance.mode = static_cast<FloatTolerance::Mode>(tol);
  uint64_t blocks = 0;
  if (!in.get(blocks)) return truncated();
  if (blocks > in.left() / 34) return truncated();  // 34: the smallest block record
  s.blocks.resize(static_cast<size_t>(blocks));
  uint64_t min_address = s.source_base;
  scan_detail::SpillBudget budget(memory_cap, nullptr);
  for (ScanBlock& b : s.blocks) {
    if (Status st = read_block(in, s, b, min_address); !st) return st.error();
    min_address = b.address + b.length;
    if (Status kept = budget.keep(b); !kept) return kept.error();
  }
  s.spill = budget.spill();
  s.options.memory_cap = memory_cap;
  const uint64_t want = in.digest();
  uint64_t got = 0;
  if (!in.trailer(got)) return in.left() < sizeof got ? truncated() : bad("trailing bytes");
  if (got != want) return bad("the checksum does not match (the file is corrupt)");
  return s;
}

}  // namespace

Status save_scan_state(const ScanState& state, const std::string& path) {
  const std::string tmp = path + ".tmp";
  FilePtr f(std::fopen(tmp.c_str(), "wb"));
  if (!f) {
    return make_error(errno == EACCES ? Errc::permission : Errc::io,
                      fmt::format("cannot write '{}': {}", tmp, std::strerror(errno)));
  }
  Out out(f.get());
  Status written = write_state(out, state);
  const bool flushed = std::fflush(f.get()) == 0;
  f.reset();
  std::error_code ec;
  if (!written) {
    std::filesystem::remove(tmp, ec);
    return written;
  }
  if (!out.ok() || !flushed) {
    std::filesystem::remove(tmp, ec);
    return make_error(Errc::io, fmt::format("cannot write '{}' (disk full?)", path));
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return make_error(Errc::io, fmt::format("cannot write '{}': {}", path, ec.message()));
  }
  return {};
}

Result<ScanState> load_scan_state(const std::string& path) {
  return load_scan_state(path, 0);
}

Result<ScanState> load_scan_state(const std::string& path, uint64_t memory_cap) {
  Result<uint64_t> size = check_regular_file(path, 0, "scan state");
  if (!size) return size.error();
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    return make_error(errno == EACCES ? Errc::permission : Errc::not_found,
                      fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  }
  FileIn in(f.get(), *size);
  Result<ScanState> s = read_state(in, memory_cap);
  if (!s) return make_error(s.error().code, fmt::format("'{}': {}", path, s.error().message));
  return s;
}

Result<ScanState> parse_scan_state(std::span<const std::byte> bytes) {
  MemoryIn in(bytes);
  return read_state(in, 0);
}

}  // namespace memview
