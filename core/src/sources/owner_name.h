// User name for a uid (or the uid as text when it has no name).
#pragma once

#if !defined(_WIN32)
#include <pwd.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace memview::detail {

inline std::string owner_name(uid_t uid) {
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(4096);
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found) return found->pw_name;
  return std::to_string(uid);
}

}  // namespace memview::detail
#endif
