// Result<T>: what the python layer's parsers return instead of throwing. Bad input (a version
// a user typed, a line of a requirements file) is data, not an exceptional condition, so every
// parser here hands back either a value or a Failure carrying a message and the 0-based offset
// of the problem in the text it was given; callers turn that into a pw::Diagnostic with a column.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <variant>

namespace pw::python {

struct Failure {
  std::string message;
  size_t offset = 0;  // 0-based position in the parsed text where the problem starts
};

template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Result(Failure failure) : v_(std::move(failure)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Failure& failure() const { return std::get<1>(v_); }
  // The failure message, or "" when the result holds a value.
  std::string error() const { return ok() ? std::string() : failure().message; }

 private:
  std::variant<T, Failure> v_;
};

inline Failure fail(std::string message, size_t offset = 0) {
  return Failure{std::move(message), offset};
}

}  // namespace pw::python
