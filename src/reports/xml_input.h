// Loads the XML reports pytest and coverage.py write (JUnit, Cobertura) with pugixml, safely:
// a document with a DOCTYPE is refused before anything in it is looked at, so no entity is ever
// declared or expanded (billion laughs, external entities), and malformed or truncated XML becomes
// a diagnostic naming the file and the line:col of the problem. Internal to src/reports.
//
// Big documents (a 100,000-test JUnit report, a 2,000-file coverage.xml) are read into, and their
// DOM built in, memory mapped with transparent huge pages: on virtual machines a page fault costs
// microseconds, and with 4 KiB pages faulting in the ~50 MB a big DOM needs took longer than
// parsing it (see bench/xml_reports.sh).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <pugixml.hpp>

#include "util/error.h"

namespace pw::reports::detail {

// An anonymous mapping, 2 MiB-aligned and advised to use huge pages; empty when the mapping
// failed (callers then fall back to the ordinary heap).
class HugeRegion {
 public:
  HugeRegion() = default;
  ~HugeRegion() { release(); }
  HugeRegion(const HugeRegion&) = delete;
  HugeRegion& operator=(const HugeRegion&) = delete;

  bool allocate(size_t size);  // false when the system refused (the region stays empty)
  void release();
  char* data() const { return data_; }
  size_t size() const { return size_; }
  bool owns(const void* p) const {
    auto c = static_cast<const char*>(p);
    return data_ && c >= data_ && c < data_ + size_;
  }

 private:
  void* mapping_ = nullptr;
  size_t mapping_size_ = 0;
  char* data_ = nullptr;
  size_t size_ = 0;
};

// A parsed document, the text pugixml parsed in place (its strings point into it) and, for big
// documents, the arena its nodes live in. Not movable: pugixml's nodes point into it.
class XmlDocument {
 public:
  XmlDocument() = default;
  ~XmlDocument();
  XmlDocument(const XmlDocument&) = delete;
  XmlDocument& operator=(const XmlDocument&) = delete;

  pugi::xml_document& doc() { return *doc_; }
  const pugi::xml_document& doc() const { return *doc_; }

  std::string source;  // the name diagnostics use

  // Internals, public for the loader and the allocator in xml_input.cpp.
  std::string small_text;  // the text of a small document
  HugeRegion big_text;     // the text of a big one
  HugeRegion arena;        // pugixml's pages for a big one (bump-allocated, freed all at once)
  size_t arena_used = 0;
  std::optional<pugi::xml_document> doc_{std::in_place};
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
