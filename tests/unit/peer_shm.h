// A POSIX shared memory object created and mapped with plain shm_open/mmap, the way another
// process would: the test writes through this mapping while memview opens the object by
// name through its own backend (memview::open_source("shm:NAME")).
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <string>

namespace memview::testing {

class PeerShm {
 public:
  explicit PeerShm(size_t size) : name_(make_name()), size_(size) {
    fd_ = shm_open(name_.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd_ < 0) return;
    if (ftruncate(fd_, static_cast<off_t>(size)) != 0) return;
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p != MAP_FAILED) map_ = static_cast<std::byte*>(p);
  }
  ~PeerShm() {
    if (map_) munmap(map_, size_);
    if (fd_ >= 0) close(fd_);
    if (!unlinked_) shm_unlink(name_.c_str());
  }
  PeerShm(const PeerShm&) = delete;
  PeerShm& operator=(const PeerShm&) = delete;

  bool ok() const { return map_ != nullptr; }
  const std::string& name() const { return name_; }  // with the leading '/'
  std::string spec() const { return "shm:" + name_.substr(1); }
  // The peer's view of the bytes (valid for the size given at construction; after a
  // truncate only the part below the new size may be touched).
  std::byte* bytes() { return map_; }
  bool truncate(size_t size) { return ftruncate(fd_, static_cast<off_t>(size)) == 0; }
  bool unlink() {
    unlinked_ = shm_unlink(name_.c_str()) == 0;
    return unlinked_;
  }

 private:
  static std::string make_name() {
    static std::atomic<int> counter{0};
    return "/memview-unit-track-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  }
  std::string name_;
  size_t size_ = 0;
  int fd_ = -1;
  std::byte* map_ = nullptr;
  bool unlinked_ = false;
};

}  // namespace memview::testing
