// A list that is slow to read (a walk of /proc, of /dev/shm and the System V segments) and is
// shown live: read on a worker again and again while wanted, never by the frame. The frame
// calls poll() each time it draws; it takes the list the last read published and never
// waits for one. Owned and used by one thread (the frame); the worker only publishes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "memview/worker.h"

namespace memview::gui {

template <typename T>
class BackgroundList {
 public:
  using Read = std::function<std::vector<T>()>;

  BackgroundList(std::string job_name, Read read)
      : job_name_(std::move(job_name)), read_(std::move(read)) {}

  // The list a finished read published, once; then, while `wanted`, starts the next read
  // when none runs and the last started `interval_ns` ago (or refresh() was called).
  std::optional<std::vector<T>> poll(bool wanted, int64_t now_ns, int64_t interval_ns) {
    std::optional<std::vector<T>> taken;
    if (worker_ && worker_->done()) {
      if (auto list = out_->latest()) taken = *list;
      worker_.reset();
    }
    if (!wanted || worker_) return taken;
    if (!stale_ && started_ns_ != 0 && now_ns - started_ns_ < interval_ns) return taken;
    stale_ = false;
    started_ns_ = now_ns;
    auto out = std::make_shared<Published<std::vector<T>>>();
    out_ = out;
    worker_ = Worker::start(job_name_, [out, read = read_](WorkerContext&) -> Status {
      out->publish(read());
      return {};
    });
    return taken;
  }

  // Read again at the next poll that wants the list, however recent the last read (a
  // request made while a read runs waits for it to end, then reads again).
  void refresh() { stale_ = true; }
  bool reading() const { return worker_ != nullptr; }

 private:
  std::string job_name_;
  Read read_;
  std::unique_ptr<Worker> worker_;
  std::shared_ptr<Published<std::vector<T>>> out_;
  int64_t started_ns_ = 0;
  bool stale_ = true;
};

}  // namespace memview::gui
