// Numbers read from text that a user, a file or a server wrote: settings, HTTP headers, XML,
// dates, percent escapes. std::stoi and friends throw std::invalid_argument/out_of_range, which
// used to escape threads (a HEAD answer with an overflowing Content-Length ended the process)
// or hide under catch (...). These parse with std::from_chars, never throw for bad text, and
// say what was wrong with the value; the caller adds where it came from.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace pw {

// A parsed value, or why the text is not one ("'12x' is not a whole number").
template <class T>
class Parsed {
 public:
  static Parsed of(T v) {
    Parsed p;
    p.value_ = v;
    return p;
  }
  static Parsed fail(std::string why) {
    Parsed p;
    p.error_ = std::move(why);
    return p;
  }
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  T operator*() const { return *value_; }
  std::optional<T> opt() const { return value_; }
  T value_or(T fallback) const { return value_.value_or(fallback); }
  const std::string& error() const { return error_; }
  // The value, or throws pw::Error("<where>: <error>").
  T value_or_throw(std::string_view where) const;

 private:
  std::optional<T> value_;
  std::string error_;
};

// The text as an error message shows it: sanitised, elided past 40 bytes, quoted.
std::string quote_value(std::string_view text);

// A whole number in [min, max]. Surrounding spaces and a leading '+' are allowed; base 16 takes
// hex digits without a prefix.
Parsed<long long> parse_int(std::string_view text,
                            long long min = std::numeric_limits<long long>::min(),
                            long long max = std::numeric_limits<long long>::max(), int base = 10);
Parsed<unsigned long long> parse_uint(
    std::string_view text, unsigned long long max = std::numeric_limits<unsigned long long>::max(),
    int base = 10);
// A finite decimal number ("12", "-0.5", "1e3"); NaN and infinities are refused.
Parsed<double> parse_double(std::string_view text);
// A percentage from 0 to 100, with or without a trailing '%' ("85", "85.5%").
Parsed<double> parse_percent(std::string_view text);
// A size in bytes: "5242880", "512k", "8MB", "16MiB", "1.5 GiB" (K, M, G, T and their B/iB
// spellings all count in 1024s, as the upload settings always did).
Parsed<std::uint64_t> parse_size(std::string_view text);

// A double truncated toward zero as a long long; nullopt when it is not finite or out of range
// (a plain cast of 1e99 is undefined behaviour: a JSON number from a tool or a damaged record
// can be anything).
std::optional<long long> truncate_to_integer(double v);

}  // namespace pw
