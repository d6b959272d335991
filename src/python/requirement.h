// PEP 508 dependency specifiers ("requests[socks] >=2.31,<3 ; python_version >= '3.8'",
// "pkg @ https://host/pkg.whl"), the unit a requirements file is made of. A small
// recursive-descent parser following packaging's grammar, so errors can name the column.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "python/marker.h"
#include "python/result.h"
#include "python/specifier.h"

namespace pw::python {

struct Requirement {
  std::string name;                 // as written
  std::vector<std::string> extras;  // as written, in written order
  SpecifierSet specifier;
  std::string specifier_text;  // as written, without the parentheses: ">= 2.31, <3"
  std::string url;             // for "name @ url"; "" otherwise
  std::optional<Marker> marker;
  std::string marker_text;  // as written after ';', trimmed

  std::string normalized_name() const;
  // Canonical text: name[extras,sorted]<specifiers sorted> or name @ url, then " ; marker".
  std::string str() const;
};

// Parses one requirement; a Failure's offset points into `text`. Whitespace is spaces and tabs.
// A URL must have a scheme and a host (file: URLs "file://..."), as packaging checks.
Result<Requirement> parse_requirement(std::string_view text);

}  // namespace pw::python
