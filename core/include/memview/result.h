// Explicit results for the core's public API: a value or an Error with a message.
// No exception crosses the core's boundary; callers check ok() before value().
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace memview {

// What went wrong, coarsely, so front ends can react (exit codes, UI hints) without
// parsing messages. The message is always a complete, human-readable sentence fragment.
enum class Errc {
  invalid_argument,  // malformed spec, name, number, hex string, value out of type range
  not_found,         // object, file, segment, process or type does not exist
  permission,        // the OS refused access (EACCES/EPERM)
  out_of_range,      // offset/length outside the object
  exists,            // create of something that already exists
  removed,           // the object went away (unlinked, process exited, link dropped)
  changed,           // bytes changed under us (e.g. undo of an overwritten edit)
  unsupported,       // not possible for this kind of source or on this platform
  io,                // any other OS or protocol failure
};

const char* errc_name(Errc c);

struct Error {
  Errc code = Errc::io;
  std::string message;
};

inline Error make_error(Errc code, std::string message) {
  return Error{code, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace memview
