// Project names as PyPI compares them. Two spellings of a name ("Foo_Bar", "foo.bar", "FOO-bar")
// are the same project (PEP 503), so every map keyed by a project name in pipewright (allow lists,
// installed versions, duplicate detection) is keyed by normalize_name().
#pragma once

#include <string>
#include <string_view>

namespace pw::python {

// PEP 503: re.sub(r"[-_.]+", "-", name).lower(). Runs of separators collapse to one '-'.
std::string normalize_name(std::string_view name);

// PEP 508 name syntax: ASCII letters and digits, with '.', '_' and '-' allowed inside but not at
// either end ("a", "a.b-c_d", not "-a" or "a-").
bool is_valid_name(std::string_view name);

// True when `name` is already in normalize_name() form.
bool is_normalized_name(std::string_view name);

}  // namespace pw::python
