// Small text helpers shared by every layer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pw {

std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
std::vector<std::string> split_lines(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
bool contains(std::string_view haystack, std::string_view needle);

// Edit distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word`, or "" when none is close enough to be a plausible typo.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// Replaces invalid UTF-8 sequences with U+FFFD and control characters other than tab with a
// visible escape, so that tool output cannot break the terminal or a JSON document.
std::string sanitize_for_display(std::string_view s);

// XML 1.0 text or attribute value: & < > " ' escaped, and only characters XML allows (invalid
// UTF-8 and control characters other than tab, LF and CR become U+FFFD), so that one odd value
// cannot make a whole document unreadable (the dependency report for Jenkins, S3's request bodies).
std::string xml_escape(std::string_view s);

// Shell-style glob: '*' matches within a path segment, '**' across segments, '?' one character,
// '[...]' a class. Used for `when.branch` and `when.changes`.
bool glob_match(std::string_view pattern, std::string_view text);

// In double quotes with '"', '\\', newline and tab escaped as \", \\, \n and \t: a JSON string
// and a YAML double-quoted scalar alike (other control characters are kept as they are).
std::string double_quoted(std::string_view s);

// Quotes a string for a POSIX shell (single quotes).
std::string shell_quote(std::string_view s);

// Percent-encodes every byte outside RFC 3986's unreserved set (A-Z a-z 0-9 - _ . ~), as upper-case
// hex; '/' is kept too when keep_slash. For URL parts, purls and SigV4's canonical request.
std::string percent_encode(std::string_view text, bool keep_slash = false);

}  // namespace pw
