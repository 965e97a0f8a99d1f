// The processes running on the machine, for choosing a pid: source (the viewer's Open view
// and completion). A snapshot: a process may exit the moment after it was listed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace memview {

struct ProcessEntry {
  uint32_t pid = 0;
  std::string name;     // the executable's short name (Linux: /proc/PID/comm)
  std::string user;     // the owner's name, or the uid as text; empty when not known
  std::string command;  // the command line with spaces between arguments, cut at 256 bytes
  // This process may read the other's memory when the list was made (Linux: /proc/PID/mem
  // opens, the kernel's ptrace access check: another user's process, or a non-child under
  // Yama's ptrace_scope, is not; Windows: OpenProcess grants PROCESS_VM_READ).
  bool readable = false;
};

// Every process this user can see that has memory of its own to read (Linux: kernel threads
// and zombies, whose command line is empty, are left out), sorted by pid. Never fails: a
// process that exits while it is read is listed with what could be read, or left out.
std::vector<ProcessEntry> list_processes();

}  // namespace memview
