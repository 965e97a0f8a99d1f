// Listing the named sections (file mappings) of the object manager's directories,
// \Sessions\N\BaseNamedObjects (this session's "Local\" names) and \BaseNamedObjects
// ("Global\" names), with NtOpenDirectoryObject/NtQueryDirectoryObject from ntdll.
// Where the system does not allow it (access denied, an ntdll without these entry points)
// the list is simply empty.
#pragma once

#if defined(_WIN32)

#include <string>
#include <vector>

namespace memview::detail {

struct NamedSection {
  std::string name;  // as OpenFileMapping takes it: "Name" (this session) or "Global\Name"
};

std::vector<NamedSection> list_named_sections();

}  // namespace memview::detail

#endif
