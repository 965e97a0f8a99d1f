// Fuzzes the recording reader. Two ways in, chosen by the first byte:
//  - the input as a file, with its header and block checksums recomputed first (otherwise
//    nearly every mutation stops at a checksum and the parser behind it is never reached);
//  - a valid recording written from the input (runs, events, block sizes), then truncated
//    or with one byte changed where the input says, checksums fixed up or not.
// Whatever the bytes, the reader must return a value or an Error: no crash, no hang, no leak.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "memview/recording.h"
#include "recording/recording_format.h"

namespace {

using memview::Recording;

uint64_t le(const std::string& s, size_t pos, int n) {
  return memview::recording::get_le(reinterpret_cast<const unsigned char*>(s.data()) + pos, n);
}

void put_le(std::string& s, size_t pos, uint64_t v) {
  for (int i = 0; i < 8; ++i) s[pos + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Recomputes the header's and each block's XXH64 where the structure allows.
void fix_checksums(std::string& s) {
  namespace r = memview::recording;
  if (s.size() < r::kFileHeaderBytes) return;
  const uint64_t json_len = le(s, 12, 4);
  if (json_len > s.size() - r::kFileHeaderBytes) return;
  put_le(s, 16, r::hash64(std::string_view(s).substr(r::kFileHeaderBytes, json_len)));
  uint64_t at = r::kFileHeaderBytes + json_len;
  while (at + r::kBlockHeaderBytes <= s.size() && s.compare(at, 4, "MVBK") == 0) {
    const uint64_t stored = le(s, at + 4, 4);
    if (stored > s.size() - at - r::kBlockHeaderBytes) return;
    put_le(s, at + 32, r::hash64(std::string_view(s).substr(at + r::kBlockHeaderBytes, stored)));
    at += r::kBlockHeaderBytes + stored;
  }
}

void exercise(const std::string& bytes) {
  memview::Result<Recording> rec = Recording::from_bytes(bytes);
  if (!rec) return;
  const int64_t first = rec->first_ns();
  const int64_t last = rec->last_ns();
  const auto middle =
      static_cast<int64_t>((static_cast<__int128>(first) + static_cast<__int128>(last)) / 2);
  for (int64_t t : {std::numeric_limits<int64_t>::min(), first, middle, last,
                    std::numeric_limits<int64_t>::max()}) {
    (void)rec->state_at(t);
  }
  size_t n = 0;
  (void)rec->for_each_change(first, last, std::nullopt, true,
                             [&](const memview::RecordedChange&) { return ++n < 100000; });
  (void)rec->events();
  const memview::ByteRange& r0 = rec->header().ranges.front();
  const uint64_t width = std::min<uint64_t>(r0.length, 4);
  const Recording::Filter f{0, 0, width};
  (void)rec->next_change(f, first);
  (void)rec->previous_change(f, last);
  if (width == 4) {
    (void)rec->series(0, 0, memview::ScalarType::u32, memview::Endian::little, first, last);
  }
}

std::string temp_path() {
  return (std::filesystem::temp_directory_path() /
          ("memview-fuzz-recording-" + std::to_string(getpid()) + ".mvrec"))
      .string();
}

// A small valid recording written from the input's bytes.
std::string written_from(const uint8_t* data, size_t size) {
  memview::RecordingHeader h;
  h.spec = "shm:/fuzz";
  h.ranges = {{0, 32}, {0x100, 16}};
  h.rate_hz = 1000;
  memview::RecordingWriterOptions o;
  o.block_bytes = 16 + (size > 0 ? data[0] : 0);
  if (size > 1 && (data[1] & 1) != 0) o.ring_ns = 50;
  o.block_ns = 20;
  const std::string path = temp_path();
  auto w = memview::RecordingWriter::create(path, h, o);
  if (!w) return {};
  std::vector<std::vector<std::byte>> state = {std::vector<std::byte>(32),
                                               std::vector<std::byte>(16)};
  (void)(*w)->start(0, state);
  int64_t t = 0;
  for (size_t i = 2; i + 3 < size && i < 2 + 4 * 256; i += 4) {
    t += 1 + data[i] % 16;
    const uint32_t range = data[i + 1] & 1;
    const uint64_t len = 1 + data[i + 1] % 4;
    const uint64_t off = data[i + 2] % (state[range].size() - len + 1);
    for (uint64_t k = 0; k < len; ++k)
      state[range][off + k] = static_cast<std::byte>(data[i + 3] + k);
    const memview::RecordedRun run{range, off,
                                   std::span<const std::byte>(state[range].data() + off, len)};
    if (data[i] == 0xff) {
      (void)(*w)->add_event({t, memview::RecordingEventKind::mark, "m"});
    } else {
      (void)(*w)->add_sample(t, std::span<const memview::RecordedRun>(&run, 1));
    }
  }
  (void)(*w)->finish();
  w->reset();
  std::ifstream in(path, std::ios::binary);
  std::string out{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::filesystem::remove(path);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if ((data[0] & 1) == 0) {
    std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    fix_checksums(bytes);
    exercise(bytes);
    return 0;
  }
  if (size < 8) return 0;
  std::string bytes = written_from(data + 4, size - 4);
  if (bytes.empty()) return 0;
  const uint64_t where = memview::recording::get_le(data + 1, 2) % bytes.size();
  switch ((data[0] >> 1) % 4) {
    case 0:
      bytes.resize(where);  // truncated
      break;
    case 1:
      bytes[where] = static_cast<char>(data[3]);  // one byte changed, checksums catch it
      break;
    case 2:
      bytes[where] = static_cast<char>(data[3]);  // one byte changed behind good checksums
      fix_checksums(bytes);
      break;
    default:
      break;  // as written: must read back
  }
  exercise(bytes);
  return 0;
}
