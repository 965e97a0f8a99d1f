// The --exec action of `record`: runs a shell command for each trigger mark, with the event
// as one JSON object on its stdin and its fields in the environment
// (MEMVIEW_MARK_T_S, MEMVIEW_MARK_TEXT, MEMVIEW_MARK_INDEX, MEMVIEW_RECORDING).
//
// The commands run one after another on a thread of their own, so a slow command delays
// only the next command, never the sampler or the status line. At most kMaxQueued marks
// wait; marks arriving while the queue is full are counted as skipped.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "memview/recording.h"

namespace memview::cli {

class MarkExec {
 public:
  static constexpr size_t kMaxQueued = 256;
  MarkExec(std::string command, std::string recording_path);
  ~MarkExec();  // drops the queued commands and stops waiting for the running one
  MarkExec(const MarkExec&) = delete;
  MarkExec& operator=(const MarkExec&) = delete;

  // Queues a run for this mark (its index counts from 1).
  void post(const RecordingEvent& mark, uint64_t index);
  // Waits until every queued command has finished or give_up() turns true (checked every
  // 100 ms).
  void drain(const std::function<bool()>& give_up);
  uint64_t ran() const;
  uint64_t skipped() const;

 private:
  struct Job {
    std::string json;
    std::string t_s;
    std::string text;
    std::string index;
  };
  void loop();
  void run_one(const Job& job) const;

  std::string command_;
  std::string recording_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Job> queue_;
  bool running_ = false;
  bool quit_ = false;  // the destructor runs: drop the queue, stop waiting
  uint64_t ran_ = 0;
  uint64_t skipped_ = 0;
  std::thread thread_;
};

}  // namespace memview::cli
