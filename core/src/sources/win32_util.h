// Small Win32 helpers shared by the Windows backends: UTF-8 <-> UTF-16, GetLastError ->
// Errc (the same categories the POSIX backends give for errno), an owner-only security
// descriptor for objects memview creates, and the list of names memview created or opened
// (Windows cannot enumerate every named mapping for an ordinary user, so discovery also
// offers the names this tool has seen).
#pragma once

#if defined(_WIN32)

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "memview/result.h"

namespace memview::detail {

std::wstring to_wide(std::string_view utf8);
std::string to_utf8(std::wstring_view wide);

// FormatMessage text for a Win32 error code, without the trailing newline.
std::string win_error_text(DWORD code);
// GetLastError value -> Errc and "what: system message".
Error win_error(DWORD code, const std::string& what);

// Security attributes whose DACL grants access to the current user only (no inheritance).
// Owns its buffers; attributes() stays valid while the object lives.
class OwnerOnlySecurity {
 public:
  static Result<std::unique_ptr<OwnerOnlySecurity>> make();
  SECURITY_ATTRIBUTES* attributes() { return &sa_; }

 private:
  OwnerOnlySecurity() = default;
  std::vector<unsigned char> token_user_;
  std::vector<unsigned char> acl_;
  SECURITY_DESCRIPTOR sd_{};
  SECURITY_ATTRIBUTES sa_{};
};

// Name of the account that owns a kernel object ("DOMAIN\user"), empty when unknown.
std::string object_owner(HANDLE object);

// Names memview has created or opened, most recent first (at most 64), kept in
// %LOCALAPPDATA%\memview\win32-mappings.txt. Best effort: failures are ignored.
void remember_mapping_name(const std::string& name, bool created_here);
struct RememberedName {
  std::string name;
  bool created_here = false;
};
std::vector<RememberedName> remembered_mapping_names();

}  // namespace memview::detail

#endif
