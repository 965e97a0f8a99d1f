// A small writer process for the multi-process tests. Deliberately independent of
// memview_core: it uses shm_open/mmap directly, like any other program sharing memory.
//
//   mp_peer counters NAME STRIDE
//       Maps the existing object NAME and, until SIGTERM/SIGINT, increments a 64-bit
//       counter at every multiple of STRIDE, round after round, at full speed (plain
//       load + store, not atomic RMW: only this process writes the counters). Prints
//       "ready" once running and "rounds N" at the end; every counter must then equal N.
//   mp_peer owner NAME SIZE
//       Creates NAME (O_EXCL, mode 0600) with SIZE bytes, prints "ready", then obeys
//       commands from stdin, one per line, answering "ok" (or "error ...") to each:
//         write OFFSET HEX   copy bytes into the mapping
//         truncate SIZE      ftruncate the object (only writes below SIZE stay valid)
//         unlink             shm_unlink the name (the mapping stays)
//         exit               leave
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

int die(const std::string& what) {
  std::fprintf(stderr, "mp_peer: %s: %s\n", what.c_str(), std::strerror(errno));
  return 1;
}

int run_counters(const char* name, uint64_t stride) {
  const int fd = shm_open(name, O_RDWR, 0);
  if (fd < 0) return die("shm_open");
  struct stat st {};
  if (fstat(fd, &st) != 0) return die("fstat");
  const size_t size = static_cast<size_t>(st.st_size);
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return die("mmap");
  auto* base = static_cast<unsigned char*>(p);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::printf("ready\n");
  std::fflush(stdout);
  uint64_t rounds = 0;
  while (!g_stop) {
    for (size_t off = 0; off + 8 <= size; off += stride) {
      // A relaxed load and a separate store: a poke that rewrote these bytes with stale
      // values would make the counter fall behind `rounds`, which the test detects.
      std::atomic_ref<uint64_t> counter(*reinterpret_cast<uint64_t*>(base + off));
      counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    ++rounds;
  }
  std::printf("rounds %llu\n", static_cast<unsigned long long>(rounds));
  return 0;
}

bool parse_hex(const std::string& hex, std::vector<unsigned char>& out) {
  if (hex.size() % 2 != 0) return false;
  for (size_t i = 0; i < hex.size(); i += 2) {
    char* end = nullptr;
    const std::string byte = hex.substr(i, 2);
    const long v = std::strtol(byte.c_str(), &end, 16);
    if (*end != '\0') return false;
    out.push_back(static_cast<unsigned char>(v));
  }
  return true;
}

int run_owner(const char* name, uint64_t size) {
  const int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return die("shm_open");
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) return die("ftruncate");
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return die("mmap");
  auto* base = static_cast<unsigned char*>(p);
  uint64_t valid = size;  // bytes below this are backed after a truncate
  std::printf("ready\n");
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    std::string reply = "ok";
    if (cmd == "write") {
      uint64_t off = 0;
      std::string hex;
      in >> off >> hex;
      std::vector<unsigned char> bytes;
      if (!parse_hex(hex, bytes) || off + bytes.size() > valid) {
        reply = "error bad write";
      } else {
        std::memcpy(base + off, bytes.data(), bytes.size());
      }
    } else if (cmd == "truncate") {
      uint64_t n = 0;
      in >> n;
      if (ftruncate(fd, static_cast<off_t>(n)) != 0) {
        reply = std::string("error ") + std::strerror(errno);
      } else {
        valid = n < valid ? n : valid;
      }
    } else if (cmd == "unlink") {
      if (shm_unlink(name) != 0) reply = std::string("error ") + std::strerror(errno);
    } else if (cmd == "exit") {
      std::printf("ok\n");
      return 0;
    } else {
      reply = "error unknown command";
    }
    std::printf("%s\n", reply.c_str());
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "counters" && argc == 4) {
    return run_counters(argv[2], std::strtoull(argv[3], nullptr, 0));
  }
  if (mode == "owner" && argc == 4) return run_owner(argv[2], std::strtoull(argv[3], nullptr, 0));
  std::fprintf(stderr, "usage: mp_peer counters NAME STRIDE | mp_peer owner NAME SIZE\n");
  return 2;
}
