// Comparing pugixml element and attribute names against the literal names of a report format, in
// the hot loops of the JUnit and Cobertura readers. Internal to src/reports.
#pragma once

#include <cstddef>
#include <utility>

namespace pw::reports::detail {

template <size_t N, size_t... I>
inline bool name_is_impl(const char* s, const char (&lit)[N], std::index_sequence<I...>) {
  return ((s[I] == lit[I]) && ...);
}

// strcmp(s, lit) == 0, unrolled at compile time: a chain of byte compares that stops at the first
// difference (so it never reads past the end of `s`) and includes the terminator (so a prefix
// does not match). On a 2,000-file coverage.xml this is ~1.5 million compares; the loop version
// cost 60 instructions each.
template <size_t N>
inline bool name_is(const char* s, const char (&lit)[N]) {
  return name_is_impl(s, lit, std::make_index_sequence<N>{});
}

}  // namespace pw::reports::detail
