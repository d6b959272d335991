#include "util/numbers.h"

#include <charconv>
#include <cmath>

#include "util/error.h"
#include "util/strings.h"

namespace pw {

template <class T>
T Parsed<T>::value_or_throw(std::string_view where) const {
  if (!value_) throw Error(std::string(where) + ": " + error_);
  return *value_;
}
template class Parsed<long long>;
template class Parsed<unsigned long long>;
template class Parsed<double>;
template class Parsed<unsigned long>;

std::string quote_value(std::string_view text) {
  std::string shown = sanitize_for_display(text.substr(0, 40));
  if (text.size() > 40) shown += "...";
  return "'" + shown + "'";
}

namespace {

std::string_view strip(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

template <class T>
std::string range_text(T min, T max) {
  bool has_min = min != std::numeric_limits<T>::min(),
       has_max = max != std::numeric_limits<T>::max();
  if (has_min && has_max)
    return " (allowed: " + std::to_string(min) + " to " + std::to_string(max) + ")";
  if (has_min) return " (allowed: at least " + std::to_string(min) + ")";
  if (has_max) return " (allowed: at most " + std::to_string(max) + ")";
  return "";
}

template <class T>
Parsed<T> integer(std::string_view original, T min, T max, int base) {
  std::string_view s = strip(original);
  if (s.empty()) return Parsed<T>::fail("empty text where a whole number was expected");
  if (s.front() == '+') s.remove_prefix(1);
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if ((ec != std::errc() && ec != std::errc::result_out_of_range) || p != s.data() + s.size())
    return Parsed<T>::fail(quote_value(original) + " is not a whole number" +
                           (base == 16 ? std::string(" (hexadecimal)") : std::string()));
  if (ec == std::errc::result_out_of_range || v < min || v > max)
    return Parsed<T>::fail(quote_value(original) + " is out of range" + range_text(min, max));
  return Parsed<T>::of(v);
}

}  // namespace

Parsed<long long> parse_int(std::string_view text, long long min, long long max, int base) {
  return integer<long long>(text, min, max, base);
}

Parsed<unsigned long long> parse_uint(std::string_view text, unsigned long long max, int base) {
  return integer<unsigned long long>(text, 0, max, base);
}

Parsed<double> parse_double(std::string_view original) {
  std::string_view s = strip(original);
  if (s.empty()) return Parsed<double>::fail("empty text where a number was expected");
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range && p == s.data() + s.size())
    return Parsed<double>::fail(quote_value(original) + " is out of range");
  if (ec != std::errc() || p != s.data() + s.size())
    return Parsed<double>::fail(quote_value(original) + " is not a number");
  if (!std::isfinite(v))
    return Parsed<double>::fail(quote_value(original) + " is not a finite number");
  return Parsed<double>::of(v);
}

Parsed<double> parse_percent(std::string_view original) {
  std::string_view s = strip(original);
  if (!s.empty() && s.back() == '%') s = strip(s.substr(0, s.size() - 1));
  auto v = parse_double(s);
  if (!v) {
    if (s.empty()) return Parsed<double>::fail("empty text where a percentage was expected");
    return Parsed<double>::fail(quote_value(original) + " is not a percentage");
  }
  if (*v < 0 || *v > 100)
    return Parsed<double>::fail(quote_value(original) + " is out of range (allowed: 0 to 100)");
  return v;
}

Parsed<std::uint64_t> parse_size(std::string_view original) {
  std::string_view s = strip(original);
  if (s.empty()) return Parsed<std::uint64_t>::fail("empty text where a size was expected");
  size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
  std::string unit = to_lower(strip(s.substr(i)));
  auto bad = [&] {
    return Parsed<std::uint64_t>::fail(quote_value(original) +
                                       " is not a size (write bytes, or a number with K, M, G or "
                                       "T: 512k, 8MB, 16MiB)");
  };
  if (i == 0) return bad();
  long double mult = 1;
  if (unit.empty() || unit == "b")
    mult = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib")
    mult = 1024.0L;
  else if (unit == "m" || unit == "mb" || unit == "mib")
    mult = 1024.0L * 1024;
  else if (unit == "g" || unit == "gb" || unit == "gib")
    mult = 1024.0L * 1024 * 1024;
  else if (unit == "t" || unit == "tb" || unit == "tib")
    mult = 1024.0L * 1024 * 1024 * 1024;
  else
    return bad();
  std::string_view digits = s.substr(0, i);
  if (digits.find('.') == std::string_view::npos) {
    auto n = parse_uint(digits);
    if (!n) return Parsed<std::uint64_t>::fail(quote_value(original) + " is out of range");
    long double bytes = static_cast<long double>(*n) * mult;
    if (bytes > static_cast<long double>(std::numeric_limits<std::uint64_t>::max()))
      return Parsed<std::uint64_t>::fail(quote_value(original) + " is out of range");
    return Parsed<std::uint64_t>::of(*n * static_cast<std::uint64_t>(mult));
  }
  auto d = parse_double(digits);
  if (!d) return bad();
  long double bytes = static_cast<long double>(*d) * mult;
  if (bytes >= 18446744073709551615.0L)
    return Parsed<std::uint64_t>::fail(quote_value(original) + " is out of range");
  return Parsed<std::uint64_t>::of(static_cast<std::uint64_t>(bytes));
}

std::optional<long long> truncate_to_integer(double v) {
  // 2^63 is exactly representable; every double below it (and at or above -2^63) fits.
  constexpr double limit = 9223372036854775808.0;
  if (!std::isfinite(v) || v >= limit || v < -limit) return std::nullopt;
  return static_cast<long long>(v);
}

}  // namespace pw
