// The value scan engine against a brute-force reference on random data (every type x
// condition x alignment x byte order, then narrowing after random changes), its storage
// bounds, its state file, and pattern search. Sources are real files (file: specs).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "memview/find_pattern.h"
#include "memview/scan.h"
#include "memview/scan_file.h"
#include "memview/scan_worker.h"
#include "memview/source_spec.h"
#include "test_names.h"

namespace memview {
namespace {

std::string temp_file_path(const std::string& stem) {
  return (std::filesystem::temp_directory_path() / test_support::unique_name(stem)).string();
}

// Rewrites the file in place (no truncation: the source keeps its mapping and size).
void write_file(const std::string& path, const std::vector<std::byte>& data) {
  const bool exists = std::filesystem::exists(path);
  std::fstream out(path, exists ? std::ios::binary | std::ios::in | std::ios::out
                                : std::ios::binary | std::ios::out);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

struct TempFile {
  std::string path;
  explicit TempFile(const std::vector<std::byte>& data) : path(temp_file_path("scan")) {
    write_file(path, data);
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  SourcePtr open() const {
    OpenOptions o;
    o.read_only = true;
    Result<SourcePtr> s = open_source("file:" + path, o);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::move(*s) : nullptr;
  }
};

// ---- the reference: one position at a time, values as wide integers or doubles ----

bool is_float(ScalarType t) {
  return t == ScalarType::f32 || t == ScalarType::f64;
}
bool is_signed(ScalarType t) {
  return t == ScalarType::i8 || t == ScalarType::i16 || t == ScalarType::i32 ||
         t == ScalarType::i64;
}

struct Num {
  __int128 i = 0;
  double d = 0;
};

Num decode(ScalarType t, const std::byte* p, Endian e) {
  const size_t w = scalar_size(t);
  uint64_t raw = 0;
  for (size_t k = 0; k < w; ++k) {
    const auto b = static_cast<uint64_t>(p[e == Endian::little ? k : w - 1 - k]);
    raw |= b << (8 * k);
  }
  Num n;
  if (t == ScalarType::f32) {
    float f = 0;
    const auto r = static_cast<uint32_t>(raw);
    std::memcpy(&f, &r, 4);
    n.d = f;
  } else if (t == ScalarType::f64) {
    std::memcpy(&n.d, &raw, 8);
  } else if (is_signed(t) && w < 8 && ((raw >> (8 * w - 1)) & 1)) {
    n.i = static_cast<__int128>(raw) - (static_cast<__int128>(1) << (8 * w));
  } else if (is_signed(t) && w == 8) {
    n.i = static_cast<int64_t>(raw);
  } else {
    n.i = raw;
  }
  return n;
}

struct RefCase {
  ScalarType type;
  ScanOp op;
  Num a, b;  // operands
  Endian endian;
  bool every_byte;
};

bool ref_match(const RefCase& c, Num v, Num old) {
  if (is_float(c.type)) {
    switch (c.op) {
      case ScanOp::eq:
        return v.d == c.a.d;
      case ScanOp::ne:
        return !std::isnan(v.d) && v.d != c.a.d;
      case ScanOp::lt:
        return v.d < c.a.d;
      case ScanOp::gt:
        return v.d > c.a.d;
      case ScanOp::range:
        return v.d >= std::min(c.a.d, c.b.d) && v.d <= std::max(c.a.d, c.b.d);
      case ScanOp::unknown:
        return true;
      case ScanOp::increased:
        return v.d > old.d;
      case ScanOp::decreased:
        return v.d < old.d;
      default:
        return false;
    }
  }
  const __int128 mod = static_cast<__int128>(1) << (8 * scalar_size(c.type));
  auto wrap_eq = [&](__int128 x, __int128 y) { return ((x - y) % mod + mod) % mod == 0; };
  switch (c.op) {
    case ScanOp::eq:
      return v.i == c.a.i;
    case ScanOp::ne:
      return v.i != c.a.i;
    case ScanOp::lt:
      return v.i < c.a.i;
    case ScanOp::gt:
      return v.i > c.a.i;
    case ScanOp::range:
      return v.i >= std::min(c.a.i, c.b.i) && v.i <= std::max(c.a.i, c.b.i);
    case ScanOp::unknown:
      return true;
    case ScanOp::changed:
      return v.i != old.i;
    case ScanOp::unchanged:
      return v.i == old.i;
    case ScanOp::increased:
      return v.i > old.i;
    case ScanOp::decreased:
      return v.i < old.i;
    case ScanOp::increased_by:
      return wrap_eq(v.i, old.i + c.a.i);
    case ScanOp::decreased_by:
      return wrap_eq(v.i, old.i - c.a.i);
  }
  return false;
}

std::string num_text(ScalarType t, Num n) {
  if (is_float(t)) return fmt::format("{}", t == ScalarType::f32 ? static_cast<float>(n.d) : n.d);
  const auto lo = static_cast<uint64_t>(n.i);
  if (n.i < 0) return fmt::format("-{}", static_cast<uint64_t>(-n.i));
  return fmt::format("{}", lo);
}

std::set<uint64_t> candidates_of(const ScanState& s) {
  std::set<uint64_t> out;
  s.visit([&](const Candidate& c) {
    out.insert(c.address);
    return true;
  });
  return out;
}

std::vector<std::byte> random_bytes(std::mt19937_64& rng, size_t n) {
  std::vector<std::byte> v(n);
  // Few distinct byte values, so equal values, increases and decreases are all common.
  std::uniform_int_distribution<int> small(0, 3);
  std::uniform_int_distribution<int> any(0, 255);
  const bool narrow_values = rng() % 2 == 0;
  for (auto& b : v) b = static_cast<std::byte>(narrow_values ? small(rng) : any(rng));
  return v;
}

constexpr ScalarType kTypes[] = {ScalarType::u8,  ScalarType::i8,  ScalarType::u16, ScalarType::i16,
                                 ScalarType::u32, ScalarType::i32, ScalarType::u64, ScalarType::i64,
                                 ScalarType::f32, ScalarType::f64};

ScanType scan_type_of(ScalarType t) {
  return *scan_type_from_name(scalar_name(t));
}

TEST(ScanProperty, FirstScanAndNarrowingMatchBruteForce) {
  std::mt19937_64 rng(12345);
  int cases = 0;
  for (int round = 0; round < 24; ++round) {
    const size_t size = 1000 + rng() % 3000;
    std::vector<std::byte> data = random_bytes(rng, size);
    TempFile file(data);
    SourcePtr src = file.open();
    ASSERT_TRUE(src);
    for (ScalarType t : kTypes) {
      const size_t w = scalar_size(t);
      for (bool every : {false, true}) {
        for (Endian e : {Endian::little, Endian::big}) {
          const size_t step = every ? 1 : w;
          // Operands taken from the data, so there are matches to find.
          auto sample = [&]() {
            const size_t p = (rng() % ((size - w) / step)) * step;
            return decode(t, data.data() + p, e);
          };
          for (ScanOp op :
               {ScanOp::eq, ScanOp::ne, ScanOp::lt, ScanOp::gt, ScanOp::range, ScanOp::unknown}) {
            RefCase c{t, op, sample(), sample(), e, every};
            if (is_float(t) && (std::isnan(c.a.d) || std::isnan(c.b.d) || std::isinf(c.a.d) ||
                                std::isinf(c.b.d))) {
              continue;
            }
            ScanOptions opts;
            opts.type = scan_type_of(t);
            opts.endian = e;
            opts.every_byte = every;
            opts.tolerance.mode = FloatTolerance::Mode::exact;
            ScanCondition cond{op, op == ScanOp::unknown ? "" : num_text(t, c.a),
                               op == ScanOp::range ? num_text(t, c.b) : ""};
            if (is_float(t) && op != ScanOp::unknown) {
              // The texts round-trip: the reference compares with the parsed values.
              c.a.d = std::strtod(cond.a.c_str(), nullptr);
              if (!cond.b.empty()) c.b.d = std::strtod(cond.b.c_str(), nullptr);
              if (t == ScalarType::f32) {
                c.a.d = static_cast<float>(c.a.d);
                c.b.d = static_cast<float>(c.b.d);
              }
            }
            Result<ScanState> got = first_scan(*src, opts, cond);
            ASSERT_TRUE(got.ok()) << got.error().message;
            std::set<uint64_t> want;
            std::map<uint64_t, Num> old;
            for (size_t p = 0; p + w <= size; p += step) {
              const Num v = decode(t, data.data() + p, e);
              if (ref_match(c, v, v)) {
                want.insert(p);
                old[p] = v;
              }
            }
            ASSERT_EQ(candidates_of(*got), want)
                << scalar_name(t) << " " << scan_op_name(op) << " " << cond.a << " every=" << every
                << " be=" << (e == Endian::big);
            ASSERT_EQ(got->count(), want.size());
            ++cases;
            if (op != ScanOp::unknown && op != ScanOp::ne) continue;
            // Narrowing: change some bytes, then every narrowing condition.
            std::vector<std::byte> changed = data;
            for (int k = 0; k < 40; ++k) {
              changed[rng() % size] = static_cast<std::byte>(rng() % 4);
            }
            write_file(file.path, changed);
            for (ScanOp nop :
                 {ScanOp::changed, ScanOp::unchanged, ScanOp::increased, ScanOp::decreased,
                  ScanOp::increased_by, ScanOp::decreased_by, ScanOp::eq}) {
              if (is_float(t) && (nop == ScanOp::changed || nop == ScanOp::unchanged ||
                                  nop == ScanOp::increased_by || nop == ScanOp::decreased_by)) {
                continue;  // float bit-equality and by-n are covered by their own tests
              }
              RefCase nc{t, nop, Num{}, Num{}, e, every};
              ScanCondition ncond{nop, "", ""};
              if (nop == ScanOp::increased_by || nop == ScanOp::decreased_by) {
                nc.a.i = 1;
                ncond.a = "1";
              } else if (nop == ScanOp::eq) {
                const size_t p = (rng() % ((size - w) / step)) * step;
                nc.a = decode(t, changed.data() + p, e);
                if (is_float(t) && std::isnan(nc.a.d)) continue;
                ncond.a = num_text(t, nc.a);
                if (is_float(t)) {
                  nc.a.d = std::strtod(ncond.a.c_str(), nullptr);
                  if (t == ScalarType::f32) nc.a.d = static_cast<float>(nc.a.d);
                }
              }
              write_file(file.path, data);
              Result<ScanState> before = first_scan(*src, opts, cond);
              write_file(file.path, changed);
              ASSERT_TRUE(before.ok());
              Result<ScanState> narrowed = narrow(*src, std::move(*before), ncond);
              ASSERT_TRUE(narrowed.ok()) << narrowed.error().message;
              std::set<uint64_t> nwant;
              for (const auto& [p, o] : old) {
                if (ref_match(nc, decode(t, changed.data() + p, e), o)) nwant.insert(p);
              }
              ASSERT_EQ(candidates_of(*narrowed), nwant)
                  << scalar_name(t) << " " << scan_op_name(op) << " then " << scan_op_name(nop)
                  << " every=" << every << " be=" << (e == Endian::big);
              ++cases;
            }
            write_file(file.path, data);
          }
        }
      }
    }
  }
  EXPECT_GT(cases, 2000);
}

TEST(Scan, FloatsAreNotMatchedAsRoundedIntegersAndRoundingFollowsTheDigitsTyped) {
  std::vector<std::byte> data(64);
  const float values[] = {3.14159f, 3.0f, 2.999f, 3.146f};
  std::memcpy(data.data(), values, sizeof values);
  const int32_t three = 3;
  std::memcpy(data.data() + 32, &three, 4);
  TempFile file(data);
  SourcePtr src = file.open();
  ScanOptions o;
  o.type = ScanType::f32;
  Result<ScanState> r = first_scan(*src, o, {ScanOp::eq, "3.14", ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(candidates_of(*r), (std::set<uint64_t>{0}));  // 3.146 is not 3.14 to two digits
  r = first_scan(*src, o, {ScanOp::eq, "3", ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(candidates_of(*r), (std::set<uint64_t>{0, 4, 8, 12}));  // [2.5, 3.5]
  o.tolerance.mode = FloatTolerance::Mode::exact;
  r = first_scan(*src, o, {ScanOp::eq, "3", ""});
  EXPECT_EQ(candidates_of(*r), (std::set<uint64_t>{4}));  // the int 3 at 32 is no float 3
  o.type = ScanType::i32;
  Result<ScanState> bad = first_scan(*src, o, {ScanOp::eq, "3.5", ""});
  EXPECT_FALSE(bad.ok());
}

TEST(Scan, AnyIntTriesEveryWidthAndUnsignedWhenOnlyThatFits) {
  std::vector<std::byte> data(64);
  data[3] = std::byte{200};  // u8 200 at 3
  const uint16_t v16 = 200;
  std::memcpy(data.data() + 10, &v16, 2);  // i16 200 at 10 (and u8 200 at 10)
  const int64_t v64 = 200;
  std::memcpy(data.data() + 24, &v64, 8);
  TempFile file(data);
  SourcePtr src = file.open();
  ScanOptions o;
  o.type = ScanType::any_int;
  Result<ScanState> r = first_scan(*src, o, {ScanOp::eq, "200", ""});
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::multiset<std::pair<uint64_t, std::string>> got;
  r->visit([&](const Candidate& c) {
    got.insert({c.address, scalar_name(c.type)});
    return true;
  });
  const std::multiset<std::pair<uint64_t, std::string>> want{
      {3, "u8"}, {10, "u8"}, {10, "i16"}, {24, "u8"}, {24, "i16"}, {24, "i32"}, {24, "i64"}};
  EXPECT_EQ(got, want);
  // Narrowing keeps each candidate's own type.
  uint8_t one = 201;
  std::vector<std::byte> changed = data;
  std::memcpy(changed.data() + 3, &one, 1);
  write_file(file.path, changed);
  Result<ScanState> n = narrow(*src, std::move(*r), {ScanOp::increased, "", ""});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(candidates_of(*n), (std::set<uint64_t>{3}));
}

TEST(Scan, UnknownValueStaysNearOneBytePerScannedByte) {
  std::mt19937_64 rng(7);
  std::vector<std::byte> data = random_bytes(rng, (kScanBlockBytes * 2) + 12345);
  TempFile file(data);
  SourcePtr src = file.open();
  ScanOptions o;
  o.type = ScanType::i32;
  Result<ScanState> s = first_scan(*src, o, {ScanOp::unknown, "", ""});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->count(), data.size() / 4);
  EXPECT_LE(static_cast<double>(s->memory_bytes()), 1.01 * static_cast<double>(data.size()));
  Result<ScanState> n = narrow(*src, std::move(*s), {ScanOp::unchanged, "", ""});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->count(), data.size() / 4);
  EXPECT_LE(static_cast<double>(n->memory_bytes()), 1.1 * static_cast<double>(data.size()));
  // Several reader threads find what one finds, in the same order.
  o.threads = 1;
  Result<ScanState> one = first_scan(*src, o, {ScanOp::lt, "-2000000000", ""});
  o.threads = 4;
  Result<ScanState> four = first_scan(*src, o, {ScanOp::lt, "-2000000000", ""});
  ASSERT_TRUE(one.ok() && four.ok());
  EXPECT_GT(one->count(), 0u);
  EXPECT_EQ(candidates_of(*one), candidates_of(*four));
  EXPECT_EQ(one->stats.bytes_scanned, four->stats.bytes_scanned);
  ASSERT_EQ(one->blocks.size(), four->blocks.size());
  for (size_t i = 0; i < one->blocks.size(); ++i) {
    EXPECT_EQ(one->blocks[i].address, four->blocks[i].address);
  }
  const std::set<uint64_t> before = candidates_of(*one);
  Result<ScanState> one_n = narrow(*src, std::move(*one), {ScanOp::unchanged, "", ""});
  Result<ScanState> four_n = narrow(*src, std::move(*four), {ScanOp::unchanged, "", ""});
  ASSERT_TRUE(one_n.ok() && four_n.ok());
  EXPECT_EQ(candidates_of(*one_n), before);
  EXPECT_EQ(candidates_of(*four_n), before);
  // A value across a block boundary is found when every byte is scanned.
  const int32_t planted = 0x5eed1234;
  std::memcpy(data.data() + kScanBlockBytes - 2, &planted, 4);
  write_file(file.path, data);
  o.every_byte = true;
  Result<ScanState> b = first_scan(*src, o, {ScanOp::eq, "0x5eed1234", ""});
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(candidates_of(*b).contains(kScanBlockBytes - 2));
}

TEST(ScanFile, RoundTripsAndRefusesTruncatedForeignAndCorruptFiles) {
  std::mt19937_64 rng(3);
  std::vector<std::byte> data = random_bytes(rng, 100000);
  TempFile file(data);
  SourcePtr src = file.open();
  ScanOptions o;
  o.type = ScanType::u16;
  for (const ScanCondition& cond :
       {ScanCondition{ScanOp::eq, "2", ""}, ScanCondition{ScanOp::unknown, "", ""}}) {
    Result<ScanState> s = first_scan(*src, o, cond);
    ASSERT_TRUE(s.ok());
    const std::string path = temp_file_path("state");
    ASSERT_TRUE(save_scan_state(*s, path).ok());
    Result<ScanState> back = load_scan_state(path);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(candidates_of(*back), candidates_of(*s));
    EXPECT_EQ(back->spec, s->spec);
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    std::filesystem::remove(path);
    auto parse = [](const std::vector<char>& b) {
      return parse_scan_state({reinterpret_cast<const std::byte*>(b.data()), b.size()});
    };
    ASSERT_TRUE(parse(bytes).ok());
    for (size_t cut : {size_t{0}, size_t{7}, size_t{40}, bytes.size() / 2, bytes.size() - 1}) {
      Result<ScanState> t = parse(std::vector<char>(bytes.begin(), bytes.begin() + cut));
      ASSERT_FALSE(t.ok());
      EXPECT_NE(t.error().message.find("not a valid scan state"), std::string::npos);
    }
    std::vector<char> corrupt = bytes;
    corrupt[corrupt.size() / 2] ^= 0x40;
    EXPECT_FALSE(parse(corrupt).ok());
    std::vector<char> foreign(bytes.size(), 'x');
    EXPECT_NE(parse(foreign).error().message.find("magic"), std::string::npos);
  }
}

TEST(Scan, StateOfAnotherSourceOrSizeIsRefused) {
  std::vector<std::byte> data(4096);
  TempFile a(data);
  TempFile b(data);
  SourcePtr sa = a.open();
  SourcePtr sb = b.open();
  Result<ScanState> s = first_scan(*sa, {}, {ScanOp::unknown, "", ""});
  ASSERT_TRUE(s.ok());
  Result<ScanState> other = narrow(*sb, *s, {ScanOp::changed, "", ""});
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("belongs to"), std::string::npos);
  data.resize(8192);
  write_file(a.path, data);
  SourcePtr grown = a.open();
  Result<ScanState> resized = narrow(*grown, *s, {ScanOp::changed, "", ""});
  ASSERT_FALSE(resized.ok());
  EXPECT_NE(resized.error().message.find("start a new scan"), std::string::npos);
}

TEST(Scan, CompareWithTheFirstScan) {
  std::vector<std::byte> data(256);
  TempFile file(data);
  SourcePtr src = file.open();
  ScanOptions o;
  o.type = ScanType::u32;
  Result<ScanState> first = first_scan(*src, o, {ScanOp::unknown, "", ""});
  ASSERT_TRUE(first.ok());
  const ScanState first_copy = *first;
  data[8] = std::byte{5};  // changes, then changes back: unchanged against the first scan
  data[16] = std::byte{5};
  write_file(file.path, data);
  Result<ScanState> n1 = narrow(*src, std::move(*first), {ScanOp::changed, "", ""});
  ASSERT_TRUE(n1.ok());
  EXPECT_EQ(candidates_of(*n1), (std::set<uint64_t>{8, 16}));
  data[8] = std::byte{0};
  write_file(file.path, data);
  Result<ScanState> n2 = narrow(*src, *n1, {ScanOp::unchanged, "", ""}, nullptr, &first_copy);
  ASSERT_TRUE(n2.ok());
  EXPECT_EQ(candidates_of(*n2), (std::set<uint64_t>{8}));
  ScanHistory h;
  h.reset(std::make_shared<const ScanState>(first_copy));
  h.push(std::make_shared<const ScanState>(std::move(*n1)));
  h.push(std::make_shared<const ScanState>(std::move(*n2)));
  h.undo();
  EXPECT_EQ(candidates_of(*h.current()), (std::set<uint64_t>{8, 16}));
  h.undo();
  h.undo();
  EXPECT_EQ(h.depth(), 1u);
}

TEST(Scan, WorkerReportsProgressAndKeepsResultsWhenCancelled) {
  std::vector<std::byte> data(kScanBlockBytes * 3);
  TempFile file(data);
  auto out = std::make_shared<Published<ScanState>>();
  ScanRequest req;
  req.spec = "file:" + file.path;
  req.options.type = ScanType::u8;
  req.condition = {ScanOp::eq, "0", ""};
  std::unique_ptr<Worker> w = start_scan(req, out);
  w->join();
  ASSERT_EQ(w->state(), WorkerState::finished);
  EXPECT_EQ(w->progress().done, data.size());
  EXPECT_EQ(out->latest()->count(), data.size());
  out = std::make_shared<Published<ScanState>>();
  w = start_scan(req, out);
  w->cancel();
  w->join();
  ASSERT_TRUE(out->latest());
  EXPECT_LE(out->latest()->count(), data.size());
  if (out->latest()->stats.cancelled) {
    EXPECT_EQ(w->state(), WorkerState::cancelled);
  }
}

TEST(Scan, AProcessThatExitsLeavesUnreadableBytesNotACrash) {
  void* mem = mmap(nullptr, kScanBlockBytes * 2, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mem, MAP_FAILED);
  std::memset(mem, 7, kScanBlockBytes * 2);
  const pid_t child = fork();
  if (child == 0) {
    for (;;) pause();
  }
  Result<SourcePtr> src = open_source(fmt::format("pid:{}", child));
  ASSERT_TRUE(src.ok()) << src.error().message;
  // Only the child's copy of `mem`: a whole sanitized process also maps terabytes of
  // readable shadow memory.
  const std::vector<ByteRange> ranges{{reinterpret_cast<uint64_t>(mem), kScanBlockBytes * 2}};
  ScanOptions o;
  o.type = ScanType::u8;
  Result<ScanState> before = first_scan(**src, o, {ScanOp::eq, "7", ""}, nullptr, ranges);
  ASSERT_TRUE(before.ok());
  EXPECT_GE(before->count(), kScanBlockBytes * 2);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  munmap(mem, kScanBlockBytes * 2);
  Result<ScanState> after = first_scan(**src, o, {ScanOp::eq, "7", ""}, nullptr, ranges);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->count(), 0u);
  EXPECT_GE(after->stats.bytes_unreadable, kScanBlockBytes * 2);
  EXPECT_NE(after->stats.unreadable_message.find("exited"), std::string::npos)
      << after->stats.unreadable_message;
  Result<ScanState> narrowed = narrow(**src, std::move(*before), {ScanOp::changed, "", ""});
  ASSERT_TRUE(narrowed.ok());
  EXPECT_EQ(narrowed->count(), 0u);
  EXPECT_GT(narrowed->stats.bytes_unreadable, 0u);
}

TEST(Scan, BadInputIsOneClearError) {
  std::vector<std::byte> data(64);
  TempFile file(data);
  SourcePtr src = file.open();
  ScanOptions o;
  o.type = ScanType::u8;
  EXPECT_NE(first_scan(*src, o, {ScanOp::eq, "300", ""}).error().message.find("does not fit"),
            std::string::npos);
  EXPECT_FALSE(first_scan(*src, o, {ScanOp::eq, "", ""}).ok());
  EXPECT_FALSE(first_scan(*src, o, {ScanOp::changed, "", ""}).ok());
  EXPECT_FALSE(first_scan(*src, o, {ScanOp::range, "1", ""}).ok());
  o.type = ScanType::any_int;
  EXPECT_FALSE(first_scan(*src, o, {ScanOp::unknown, "", ""}).ok());
  EXPECT_FALSE(scan_type_from_name("i33").has_value());
}

TEST(FindPattern, HexWildcardsAndTextInEveryEncoding) {
  std::vector<std::byte> data(5000);
  auto put = [&](size_t at, std::string_view s) {
    std::memcpy(data.data() + at, s.data(), s.size());
  };
  put(100, "\xde\xad\x01\xef");
  put(2000, "\xde\xad\x77\xef");
  put(3000, "\xde\xad\x77\xee");
  put(400, "Hello");
  put(600, "hELLO");
  put(800, std::string_view("H\0e\0l\0l\0o\0", 10));
  TempFile file(data);
  SourcePtr src = file.open();
  Result<BytePattern> p = parse_hex_pattern("de ad ?? ef");
  ASSERT_TRUE(p.ok());
  Result<FindResult> r = find_pattern(*src, *p, 10);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->addresses, (std::vector<uint64_t>{100, 2000}));
  p = parse_hex_pattern("dead??e?");
  EXPECT_EQ(find_pattern(*src, *p, 10)->addresses, (std::vector<uint64_t>{100, 2000, 3000}));
  p = text_pattern("hello", TextEncoding::utf8, true);
  EXPECT_EQ(find_pattern(*src, *p, 10)->addresses, (std::vector<uint64_t>{400, 600}));
  p = text_pattern("Hello", TextEncoding::utf8, false);
  EXPECT_EQ(find_pattern(*src, *p, 10)->addresses, (std::vector<uint64_t>{400}));
  p = text_pattern("HELLO", TextEncoding::utf16le, true);
  EXPECT_EQ(find_pattern(*src, *p, 10)->addresses, (std::vector<uint64_t>{800}));
  EXPECT_FALSE(parse_hex_pattern("").ok());
  EXPECT_FALSE(parse_hex_pattern("de a").ok());
  EXPECT_FALSE(parse_hex_pattern("?? ??").ok());
  EXPECT_FALSE(parse_hex_pattern("zz").ok());
  EXPECT_FALSE(text_pattern("", TextEncoding::utf8, false).ok());
  EXPECT_FALSE(text_pattern("\xff", TextEncoding::utf16le, false).ok());
}

}  // namespace
}  // namespace memview
