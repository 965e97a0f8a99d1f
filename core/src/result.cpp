#include "memview/result.h"

namespace memview {

const char* errc_name(Errc c) {
  switch (c) {
    case Errc::invalid_argument:
      return "invalid argument";
    case Errc::not_found:
      return "not found";
    case Errc::permission:
      return "permission denied";
    case Errc::out_of_range:
      return "out of range";
    case Errc::exists:
      return "already exists";
    case Errc::removed:
      return "removed";
    case Errc::changed:
      return "changed";
    case Errc::unsupported:
      return "unsupported";
    case Errc::io:
      return "i/o error";
  }
  return "error";
}

}  // namespace memview
