// Loads the XML reports pytest and coverage.py write (JUnit, Cobertura) with pugixml, safely:
// a document with a DOCTYPE is refused before anything in it is looked at, so no entity is ever
// declared or expanded (billion laughs, external entities), and malformed or truncated XML becomes
// a diagnostic naming the file and the line:col of the problem. Internal to src/reports.
//
// Big documents (a 100,000-test JUnit report, a 2,000-file coverage.xml) are read into, and their
// DOM built in, memory mapped with transparent huge pages: on virtual machines a page fault costs
// microseconds, and with 4 KiB pages faulting in the ~50 MB a big DOM needs took longer than
// parsing it. Very big ones can be parsed in two halves on two threads (XmlSplit). See
// bench/xml_reports.sh for the numbers.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "reports/findings.h"
#include "reports/text.h"
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

// A bump arena for pugixml's pages (see the allocator in xml_input.cpp).
struct Arena {
  HugeRegion region;
  size_t used = 0;
};

// How a big document may be cut in two and parsed on two threads (load_xml_file). The cut goes
// just before the first start tag of a record element after the middle of the text; the head
// (everything before the cut) and the tail (the rest, parsed as a fragment whose top-level
// nodes are the records that followed) are parsed at the same time, and the split is kept only
// if the tail ends with exactly the closing tags of the elements open at the cut. Anything else
// (a comment or CDATA at the cut, malformed XML, trailing content) falls back to one parse of the
// whole text, so results and diagnostics are those of an ordinary parse.
struct XmlSplit {
  struct Record {
    std::string_view tag;     // "testcase", "package", "class"
    std::string_view parent;  // the element it must be a child of: "testsuite", "packages", ...
  };
  std::vector<Record> records;  // preferred first
  // Optional work to overlap with the other half's parse, each on its half's thread: the head
  // with the element the cut was inside (`parent`, whose remaining children are in the tail),
  // the tail as a fragment. Their results count only when the load ends split (tail() != null);
  // after a fallback the caller reads the whole document instead.
  std::function<void(const pugi::xml_document& head, pugi::xml_node parent)> on_head;
  std::function<void(const pugi::xml_document& tail)> on_tail;
};

// Tuning for tests, which force splits on small documents at chosen points.
struct XmlSplitTuning {
  size_t min_size = size_t{4} << 20;  // smaller documents are parsed in one go
  double at = 0.5;                    // where to start looking for a cut, as a fraction of size
  // Split only when the machine seems to have a core to spare (load average below the number of
  // cores): with every core busy the halves wait for each other and a split parse was measured
  // 1.5x slower than one parse (2 cores, load 6), while on an idle machine it is up to 1.4x faster.
  bool only_when_idle = true;
  std::atomic<size_t> splits{0};  // loads that ended split (for tests to see it happen)
};
XmlSplitTuning& xml_split_tuning();

// A parsed document, the text pugixml parsed in place (its strings point into it) and, for big
// documents, the arenas its nodes live in. Not movable: pugixml's nodes point into it.
class XmlDocument {
 public:
  XmlDocument() = default;
  ~XmlDocument();
  XmlDocument(const XmlDocument&) = delete;
  XmlDocument& operator=(const XmlDocument&) = delete;

  // The whole document, or its head when the load split it.
  pugi::xml_document& doc() { return *doc_; }
  const pugi::xml_document& doc() const { return *doc_; }
  // When split: the tail, whose top-level nodes are the remaining children of split_parent().
  const pugi::xml_document* tail() const { return tail_ ? &*tail_ : nullptr; }
  pugi::xml_node split_parent() const { return split_parent_; }

  std::string source;  // the name diagnostics use

  // Internals, public for the loader and the allocator in xml_input.cpp.
  void reset();            // back to empty, freeing each DOM under its own arena
  std::string small_text;  // the text of a small document
  HugeRegion big_text;     // the text (or the head's) of a big one
  HugeRegion tail_text;    // the tail's text when split
  Arena arena;             // the DOM of a big document (or of its head)
  Arena tail_arena;        // the tail's DOM
  std::optional<pugi::xml_document> doc_{std::in_place};
  std::optional<pugi::xml_document> tail_;
  pugi::xml_node split_parent_;
};

// nullopt on success. The string form copies `text` once; the file form reads the file straight
// into the buffer that pugixml then parses in place.
std::optional<Diagnostic> load_xml(std::string_view text, XmlDocument& out);
std::optional<Diagnostic> load_xml_file(const std::filesystem::path& path, XmlDocument& out,
                                        const XmlSplit* split = nullptr);

// A report read from XML text, as both parsers do it: the document loaded, named by the options
// or `fallback`, and handed to `walk`; a document that does not load is the result's one error.
template <class Report, class Walk>
Parsed<Report> parse_xml_text(std::string_view xml, const ParseOptions& options,
                              std::string_view fallback, Walk walk) {
  XmlDocument doc;
  doc.source = source_name(options, fallback);
  if (auto err = load_xml(xml, doc)) {
    Parsed<Report> out;
    out.errors.push_back(*err);
    return out;
  }
  return walk(doc);
}

// The root element, or a diagnostic when it is not one of the expected names (e.g. a coverage.xml
// handed to the JUnit parser).
std::optional<Diagnostic> expect_root(const XmlDocument& doc,
                                      std::initializer_list<std::string_view> names,
                                      std::string_view what);

}  // namespace pw::reports::detail
