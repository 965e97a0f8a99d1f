// Snapshot files (docs/snapshot.md): magic, version, a JSON header, then one zstd frame with
// every region's bytes in header order and a content checksum. The reader streams: memory
// grows with the data actually decompressed, never with what a header claims.
#include <zstd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include <fmt/format.h>

#include "memview/file_read.h"
#include "memview/snapshot.h"
#include "snapshot/snapshot_header.h"

namespace memview {
namespace {

constexpr uint32_t kMaxSnapshotHeader = snapshot_detail::kMaxHeaderBytes;

constexpr size_t kSlice = size_t{1} << 20;
constexpr size_t kPrologue = sizeof(kSnapshotMagic) + 8;  // magic, version, header length

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffU));
}

uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8U) | static_cast<unsigned char>(p[i]);
  return v;
}

Error truncated() {
  return make_error(Errc::invalid_argument, "snapshot file is truncated (the data ends early)");
}

// Where the reader's bytes come from: memory or a FILE.
class Input {
 public:
  virtual ~Input() = default;
  // Up to n bytes; fewer only at the end of the input. Errc::io on a read error.
  virtual Result<size_t> read(char* dst, size_t n) = 0;
};

class MemoryInput : public Input {
 public:
  explicit MemoryInput(std::string_view bytes) : rest_(bytes) {}
  Result<size_t> read(char* dst, size_t n) override {
    n = std::min(n, rest_.size());
    std::memcpy(dst, rest_.data(), n);
    rest_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view rest_;
};

class FileInput : public Input {
 public:
  explicit FileInput(std::FILE* f) : f_(f) {}
  Result<size_t> read(char* dst, size_t n) override {
    const size_t got = std::fread(dst, 1, n, f_);
    if (got < n && std::ferror(f_) != 0) {
      return make_error(Errc::io, "cannot read the snapshot file");
    }
    return got;
  }

 private:
  std::FILE* f_;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;
struct DCtxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};
struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

Result<size_t> read_full(Input& in, char* dst, size_t n) {
  size_t done = 0;
  while (done < n) {
    Result<size_t> got = in.read(dst + done, n - done);
    if (!got) return got.error();
    if (*got == 0) break;
    done += *got;
  }
  return done;
}

// Hands decompressed bytes to the regions in order.
class RegionFiller {
 public:
  RegionFiller(Snapshot& snap, const std::vector<uint64_t>& lengths)
      : snap_(snap), lengths_(lengths) {}

  Status add(const char* data, size_t n) {
    while (n > 0) {
      while (index_ < lengths_.size() && snap_.regions[index_].length() == lengths_[index_]) {
        ++index_;
      }
      if (index_ == lengths_.size()) {
        return make_error(Errc::invalid_argument,
                          "corrupt snapshot: more data than its header declares");
      }
      std::vector<std::byte>& bytes = snap_.regions[index_].bytes;
      const size_t take =
          static_cast<size_t>(std::min<uint64_t>(n, lengths_[index_] - bytes.size()));
      const auto* p = reinterpret_cast<const std::byte*>(data);
      bytes.insert(bytes.end(), p, p + take);
      data += take;
      n -= take;
    }
    return {};
  }

  bool complete() const {
    for (size_t i = 0; i < lengths_.size(); ++i) {
      if (snap_.regions[i].length() != lengths_[i]) return false;
    }
    return true;
  }

 private:
  Snapshot& snap_;
  const std::vector<uint64_t>& lengths_;
  size_t index_ = 0;
};

Status decompress(Input& in, RegionFiller& filler) {
  std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx(ZSTD_createDCtx());
  if (!dctx) return make_error(Errc::io, "out of memory for the decompressor");
  std::vector<char> input(kSlice);
  std::vector<char> output(kSlice);
  ZSTD_inBuffer src{input.data(), 0, 0};
  size_t last = 1;      // zstd's hint: 0 once the frame is complete
  bool drained = true;  // the last call left no output behind (it did not fill the buffer)
  while (true) {
    if (src.pos == src.size && drained) {
      Result<size_t> got = in.read(input.data(), input.size());
      if (!got) return got.error();
      if (*got == 0) break;
      src = ZSTD_inBuffer{input.data(), *got, 0};
    }
    ZSTD_outBuffer dst{output.data(), output.size(), 0};
    last = ZSTD_decompressStream(dctx.get(), &dst, &src);
    if (ZSTD_isError(last) != 0) {
      return make_error(Errc::invalid_argument,
                        fmt::format("corrupt snapshot data: {}", ZSTD_getErrorName(last)));
    }
    drained = dst.pos < dst.size;
    Status ok = filler.add(output.data(), dst.pos);
    if (!ok) return ok;
    if (last == 0) {
      // Exactly one frame: anything after it is not ours.
      char extra = 0;
      Result<size_t> more = src.pos < src.size ? Result<size_t>(1) : in.read(&extra, 1);
      if (!more) return more.error();
      if (*more != 0) {
        return make_error(Errc::invalid_argument,
                          "corrupt snapshot: unexpected data after the end of the snapshot");
      }
      break;
    }
  }
  if (last != 0 || !filler.complete()) return truncated();
  return {};
}

Result<Snapshot> read_snapshot(Input& in, const SnapshotLimits& limits) {
  std::array<char, kPrologue> prologue{};
  Result<size_t> got = read_full(in, prologue.data(), prologue.size());
  if (!got) return got.error();
  const size_t magic_seen = std::min(*got, sizeof(kSnapshotMagic));
  if (std::memcmp(prologue.data(), kSnapshotMagic, magic_seen) != 0 || *got == 0) {
    return make_error(Errc::invalid_argument, "not a memview snapshot (no snapshot signature)");
  }
  if (*got < prologue.size()) return truncated();
  const uint32_t version = get_u32(prologue.data() + 8);
  if (version != kSnapshotVersion) {
    return make_error(
        Errc::unsupported,
        fmt::format("snapshot format version {} is not supported (this memview "
                    "reads version {}{})",
                    version, kSnapshotVersion,
                    version > kSnapshotVersion ? "; it was written by a newer one" : ""));
  }
  const uint32_t header_length = get_u32(prologue.data() + 12);
  if (header_length > kMaxSnapshotHeader) {
    return make_error(Errc::invalid_argument, "corrupt snapshot: header length out of range");
  }
  std::string header(header_length, '\0');
  got = read_full(in, header.data(), header.size());
  if (!got) return got.error();
  if (*got < header.size()) return truncated();
  Result<snapshot_detail::Header> parsed = snapshot_detail::parse_header(header, limits);
  if (!parsed) return parsed.error();
  RegionFiller filler(parsed->snap, parsed->lengths);
  Status ok = decompress(in, filler);
  if (!ok) return ok.error();
  return std::move(parsed->snap);
}

Status write_all(std::FILE* f, const void* data, size_t n) {
  if (std::fwrite(data, 1, n, f) != n) return make_error(Errc::io, "write failed");
  return {};
}

Status compress_regions(std::FILE* f, const Snapshot& snap) {
  std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx(ZSTD_createCCtx());
  if (!cctx) return make_error(Errc::io, "out of memory for the compressor");
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setPledgedSrcSize(cctx.get(), snap.total_bytes());
  std::vector<char> out(ZSTD_CStreamOutSize());
  auto pump = [&](ZSTD_inBuffer& in, ZSTD_EndDirective mode) -> Status {
    while (true) {
      ZSTD_outBuffer dst{out.data(), out.size(), 0};
      const size_t left = ZSTD_compressStream2(cctx.get(), &dst, &in, mode);
      if (ZSTD_isError(left) != 0) {
        return make_error(Errc::io, fmt::format("compression failed: {}", ZSTD_getErrorName(left)));
      }
      Status ok = write_all(f, out.data(), dst.pos);
      if (!ok) return ok;
      if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size) return {};
    }
  };
  for (const SnapshotRegion& r : snap.regions) {
    for (size_t off = 0; off < r.bytes.size(); off += kSlice) {
      ZSTD_inBuffer in{r.bytes.data() + off, std::min(kSlice, r.bytes.size() - off), 0};
      Status ok = pump(in, ZSTD_e_continue);
      if (!ok) return ok;
    }
  }
  ZSTD_inBuffer none{nullptr, 0, 0};
  return pump(none, ZSTD_e_end);
}

}  // namespace

bool looks_like_snapshot(std::string_view prefix) {
  return prefix.size() >= sizeof(kSnapshotMagic) &&
         std::memcmp(prefix.data(), kSnapshotMagic, sizeof(kSnapshotMagic)) == 0;
}

Status write_snapshot_file(const Snapshot& snap, const std::string& path) {
  if (path.empty()) return make_error(Errc::invalid_argument, "no file name for the snapshot");
  const std::string header = snapshot_detail::header_json(snap);
  if (header.size() > kMaxSnapshotHeader) {
    return make_error(Errc::invalid_argument, "too many regions for one snapshot file");
  }
  std::string prologue(kSnapshotMagic, sizeof(kSnapshotMagic));
  put_u32(prologue, kSnapshotVersion);
  put_u32(prologue, static_cast<uint32_t>(header.size()));
  const std::string tmp = path + ".partial";
  FilePtr f(std::fopen(tmp.c_str(), "wb"));
  if (!f) {
    return make_error(Errc::io, fmt::format("cannot write '{}': {}", tmp, std::strerror(errno)));
  }
  Status ok = write_all(f.get(), prologue.data(), prologue.size());
  if (ok) ok = write_all(f.get(), header.data(), header.size());
  if (ok) ok = compress_regions(f.get(), snap);
  if (ok && std::fflush(f.get()) != 0) ok = make_error(Errc::io, "write failed");
  std::error_code ec;
  if (!ok) {
    f.reset();
    std::filesystem::remove(tmp, ec);
    return make_error(ok.error().code,
                      fmt::format("cannot write '{}': {}", path, ok.error().message));
  }
  f.reset();
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return make_error(Errc::io, fmt::format("cannot replace '{}': {}", path, ec.message()));
  }
  return {};
}

Result<Snapshot> parse_snapshot(std::string_view bytes, SnapshotLimits limits) {
  MemoryInput in(bytes);
  return read_snapshot(in, limits);
}

Result<Snapshot> read_snapshot_file(const std::string& path, SnapshotLimits limits) {
  Result<uint64_t> size = check_regular_file(path, 0, "snapshot");
  if (!size) return size.error();
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    return make_error(errno == EACCES ? Errc::permission : Errc::io,
                      fmt::format("cannot open snapshot '{}': {}", path, std::strerror(errno)));
  }
  FileInput in(f.get());
  Result<Snapshot> snap = read_snapshot(in, limits);
  if (!snap) {
    return make_error(snap.error().code, fmt::format("'{}': {}", path, snap.error().message));
  }
  return snap;
}

}  // namespace memview
