// Loads the XML reports pytest and coverage.py write (JUnit, Cobertura) with pugixml, safely:
// a document with a DOCTYPE is refused before anything in it is looked at, so no entity is ever
// declared or expanded (billion laughs, external entities), and malformed or truncated XML becomes
// a diagnostic naming the file and the line:col of the problem. Internal to src/reports.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <pugixml.hpp>

#include "util/error.h"

namespace pw::reports::detail {

// A parsed document and the buffer pugixml parsed in place (its strings point into it).
struct XmlDocument {
  std::string buffer;
  pugi::xml_document doc;
  std::string source;  // the name diagnostics use
};

// nullopt on success. The string form copies `text` once; the file form reads the file straight
// into the buffer that pugixml then parses in place.
std::optional<Diagnostic> load_xml(std::string_view text, XmlDocument& out);
std::optional<Diagnostic> load_xml_file(const std::filesystem::path& path, XmlDocument& out);

// The root element, or a diagnostic when it is not one of the expected names (e.g. a coverage.xml
// handed to the JUnit parser).
std::optional<Diagnostic> expect_root(const XmlDocument& doc,
                                      std::initializer_list<std::string_view> names,
                                      std::string_view what);

}  // namespace pw::reports::detail
