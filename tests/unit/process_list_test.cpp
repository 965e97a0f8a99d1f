// list_processes(): real processes from /proc. This process and a child with a known
// command line are listed with their names, owner and command; kernel threads and zombies
// (no command line) are not; a process another user owns is listed as not readable.
#include "memview/process_list.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace memview {
namespace {

std::optional<ProcessEntry> entry_of(const std::vector<ProcessEntry>& list, pid_t pid) {
  for (const ProcessEntry& p : list) {
    if (p.pid == static_cast<uint32_t>(pid)) return p;
  }
  return std::nullopt;
}

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// A child that runs `sleep 30` (exec'd: a command line of its own) until killed.
class SleepingChild {
 public:
  SleepingChild() {
    pid_ = fork();
    if (pid_ == 0) {
      execlp("sleep", "sleep", "30", static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~SleepingChild() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  SleepingChild(const SleepingChild&) = delete;
  SleepingChild& operator=(const SleepingChild&) = delete;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

TEST(ProcessList, ThisProcessAndAChildAreListedWithNameUserAndCommand) {
  SleepingChild child;
  ASSERT_GT(child.pid(), 0);
  // The child has exec'd once its command line says so (exec sets the name before the new
  // arguments are in place, and a process without them is left out like a kernel thread).
  const std::string cmdline = "/proc/" + std::to_string(child.pid()) + "/cmdline";
  for (int i = 0; i < 2000 && first_line(cmdline).rfind("sleep", 0) != 0; ++i) usleep(1000);
  const std::vector<ProcessEntry> list = list_processes();
  EXPECT_TRUE(std::is_sorted(list.begin(), list.end(),
                             [](const auto& a, const auto& b) { return a.pid < b.pid; }));
  const auto self = entry_of(list, getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_EQ(self->name, first_line("/proc/self/comm"));
  EXPECT_FALSE(self->user.empty());
  EXPECT_FALSE(self->command.empty());
  EXPECT_TRUE(self->readable) << "a process may read its own memory";
  const auto c = entry_of(list, child.pid());
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->name, "sleep");
  EXPECT_EQ(c->command, "sleep 30");
  EXPECT_EQ(c->user, self->user);
  EXPECT_TRUE(c->readable) << "a child of the same user";
}

TEST(ProcessList, ProcessesWithoutACommandLineAreLeftOut) {
  const std::vector<ProcessEntry> list = list_processes();
  DIR* proc = opendir("/proc");
  ASSERT_NE(proc, nullptr);
  int empty = 0;
  while (const dirent* e = readdir(proc)) {
    const std::string name = e->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in("/proc/" + name + "/cmdline", std::ios::binary);
    if (!in || in.peek() != std::char_traits<char>::eof()) continue;
    ++empty;  // a kernel thread or a zombie
    EXPECT_FALSE(entry_of(list, std::stoi(name)).has_value()) << "pid " << name;
  }
  closedir(proc);
  RecordProperty("processes_without_command_line", empty);
}

// Run as root, the check runs in a child that becomes `nobody`: root's own process (this
// one) is then another user's. Run as a user, any process of root's is.
TEST(ProcessList, AnotherUsersProcessIsNotReadable) {
  if (geteuid() != 0) {
    const std::vector<ProcessEntry> list = list_processes();
    const auto self = entry_of(list, getpid());
    ASSERT_TRUE(self.has_value());
    bool seen = false;
    for (const ProcessEntry& p : list) {
      if (p.user == "root" && self->user != "root") {
        seen = true;
        EXPECT_FALSE(p.readable) << "pid " << p.pid;
      }
    }
    if (!seen) GTEST_SKIP() << "no process of another user is visible";
    return;
  }
  const pid_t parent = getpid();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Exit codes: 0 as expected, 10+ a step that failed.
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(10);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);  // a changed uid leaves /proc/self owned by root
    const std::vector<ProcessEntry> list = list_processes();
    const auto root_one = entry_of(list, parent);
    const auto itself = entry_of(list, getpid());
    if (!root_one) _exit(11);
    if (root_one->readable) _exit(12);
    if (!itself) _exit(13);
    if (!itself->readable) _exit(14);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "11: root's process not listed, 12: listed readable, 13/14: itself not listed or "
         "not readable, 10: could not become nobody";
}

}  // namespace
}  // namespace memview
