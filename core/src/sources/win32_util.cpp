#if defined(_WIN32)

#include "sources/win32_util.h"

#include <aclapi.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

namespace memview::detail {

std::wstring to_wide(std::string_view utf8) {
  if (utf8.empty()) return {};
  const int n =
      MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  if (n <= 0) {
    // Not UTF-8: take the bytes as the ANSI code page does.
    std::wstring out;
    for (char c : utf8) out.push_back(static_cast<unsigned char>(c));
    return out;
  }
  std::wstring out(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), out.data(), n);
  return out;
}

std::string to_utf8(std::wstring_view wide) {
  if (wide.empty()) return {};
  const int n = WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), nullptr,
                                    0, nullptr, nullptr);
  if (n <= 0) return {};
  std::string out(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), out.data(), n,
                      nullptr, nullptr);
  return out;
}

std::string win_error_text(DWORD code) {
  wchar_t* buffer = nullptr;
  const DWORD n = FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, code, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), reinterpret_cast<wchar_t*>(&buffer),
      0, nullptr);
  std::string text;
  if (n > 0 && buffer) text = to_utf8(std::wstring_view(buffer, n));
  if (buffer) LocalFree(buffer);
  while (!text.empty() &&
         (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '.'))
    text.pop_back();
  if (text.empty()) text = "system error";
  return fmt::format("{} (Win32 error {})", text, code);
}

Error win_error(DWORD code, const std::string& what) {
  Errc errc = Errc::io;
  switch (code) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
      errc = Errc::not_found;
      break;
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_WRITE_PROTECT:
      errc = Errc::permission;
      break;
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS:
      errc = Errc::exists;
      break;
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME:
    case ERROR_FILENAME_EXCED_RANGE:
    case ERROR_INVALID_PARAMETER:
    case ERROR_INVALID_HANDLE:  // the name belongs to an object of another type
      errc = Errc::invalid_argument;
      break;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_COMMITMENT_LIMIT:
    case ERROR_DISK_FULL:
      errc = Errc::io;
      break;
    default:
      break;
  }
  return make_error(errc, fmt::format("{}: {}", what, win_error_text(code)));
}

Result<std::unique_ptr<OwnerOnlySecurity>> OwnerOnlySecurity::make() {
  std::unique_ptr<OwnerOnlySecurity> s(new OwnerOnlySecurity());
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
    return win_error(GetLastError(), "cannot read the current user's token");
  }
  DWORD needed = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &needed);
  s->token_user_.resize(needed ? needed : sizeof(TOKEN_USER));
  if (!GetTokenInformation(token, TokenUser, s->token_user_.data(),
                           static_cast<DWORD>(s->token_user_.size()), &needed)) {
    const DWORD err = GetLastError();
    CloseHandle(token);
    return win_error(err, "cannot read the current user's SID");
  }
  CloseHandle(token);
  PSID sid = reinterpret_cast<TOKEN_USER*>(s->token_user_.data())->User.Sid;
  const DWORD acl_size = sizeof(ACL) + sizeof(ACCESS_ALLOWED_ACE) + GetLengthSid(sid);
  s->acl_.resize(acl_size);
  auto* acl = reinterpret_cast<ACL*>(s->acl_.data());
  if (!InitializeAcl(acl, acl_size, ACL_REVISION) ||
      !AddAccessAllowedAce(acl, ACL_REVISION, GENERIC_ALL, sid) ||
      !InitializeSecurityDescriptor(&s->sd_, SECURITY_DESCRIPTOR_REVISION) ||
      !SetSecurityDescriptorDacl(&s->sd_, TRUE, acl, FALSE) ||
      !SetSecurityDescriptorOwner(&s->sd_, sid, FALSE)) {
    return win_error(GetLastError(), "cannot build an owner-only security descriptor");
  }
  s->sa_.nLength = sizeof(s->sa_);
  s->sa_.lpSecurityDescriptor = &s->sd_;
  s->sa_.bInheritHandle = FALSE;
  return s;
}

std::string object_owner(HANDLE object) {
  PSID owner = nullptr;
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (GetSecurityInfo(object, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &owner, nullptr,
                      nullptr, nullptr, &sd) != ERROR_SUCCESS) {
    return {};
  }
  wchar_t name[256];
  wchar_t domain[256];
  DWORD name_len = 256;
  DWORD domain_len = 256;
  SID_NAME_USE use;
  std::string out;
  if (owner && LookupAccountSidW(nullptr, owner, name, &name_len, domain, &domain_len, &use)) {
    out = domain_len ? to_utf8(domain) + "\\" + to_utf8(name) : to_utf8(name);
  }
  LocalFree(sd);
  return out;
}

namespace {

std::mutex g_names_mutex;

std::wstring names_file() {
  const wchar_t* base = _wgetenv(L"LOCALAPPDATA");
  if (!base || !*base) base = _wgetenv(L"TEMP");
  if (!base || !*base) return {};
  std::wstring dir = std::wstring(base) + L"\\memview";
  CreateDirectoryW(dir.c_str(), nullptr);  // fails harmlessly when it exists
  return dir + L"\\win32-mappings.txt";
}

std::vector<RememberedName> read_names(const std::wstring& file) {
  // A few hundred short lines at most: read no more than 1 MiB of it, whatever the file is.
  constexpr std::streamsize kMaxBytes = std::streamsize{1} << 20;
  std::vector<RememberedName> out;
  std::ifstream in(file.c_str(), std::ios::binary);
  std::string text(static_cast<size_t>(kMaxBytes), '\0');
  in.read(text.data(), kMaxBytes);
  text.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // "c NAME" (created here) or "o NAME" (opened)
    if (line.size() < 3 || line[1] != ' ') continue;
    out.push_back({line.substr(2), line[0] == 'c'});
  }
  return out;
}

}  // namespace

void remember_mapping_name(const std::string& name, bool created_here) {
  std::lock_guard lock(g_names_mutex);
  const std::wstring file = names_file();
  if (file.empty()) return;
  std::vector<RememberedName> names = read_names(file);
  bool was_created = created_here;
  std::erase_if(names, [&](const RememberedName& n) {
    if (n.name != name) return false;
    was_created = was_created || n.created_here;
    return true;
  });
  names.insert(names.begin(), {name, was_created});
  if (names.size() > 64) names.resize(64);
  // Write a temporary file and move it over the list, so a reader never sees half of it.
  const std::wstring tmp = file + L".tmp";
  {
    std::ofstream out(tmp.c_str(), std::ios::trunc);
    for (const RememberedName& n : names)
      out << (n.created_here ? 'c' : 'o') << ' ' << n.name << '\n';
    if (!out) return;
  }
  MoveFileExW(tmp.c_str(), file.c_str(), MOVEFILE_REPLACE_EXISTING);
}

std::vector<RememberedName> remembered_mapping_names() {
  std::lock_guard lock(g_names_mutex);
  const std::wstring file = names_file();
  if (file.empty()) return {};
  return read_names(file);
}

}  // namespace memview::detail

#endif
