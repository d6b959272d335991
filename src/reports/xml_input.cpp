// Safe pugixml loading for the XML report parsers (see xml_input.h for the why).
#include "reports/xml_input.h"

#include "reports/text.h"
#include "util/strings.h"

namespace pw::reports::detail {

namespace {

// parse_default leaves out comments and processing instructions; parse_doctype makes a DOCTYPE
// show up as a node, so one that the prolog scan could not see (a UTF-16 document) is still caught.
// pugixml itself never expands entities other than the five predefined ones and character
// references; refusing DOCTYPE keeps it that way even if the flags or library ever change.
constexpr unsigned kParseFlags = pugi::parse_default | pugi::parse_doctype;

// Offset of a "<!DOCTYPE" in the prolog (after a BOM, the XML declaration, other processing
// instructions, comments and whitespace), or nullopt. Looking only at the prolog keeps this O(size
// of the prolog), and a DOCTYPE anywhere else is not well-formed XML anyway.
std::optional<size_t> doctype_in_prolog(std::string_view s) {
  size_t i = s.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  for (;;) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
    std::string_view rest = s.substr(i);
    if (rest.starts_with("<?")) {
      size_t end = s.find("?>", i + 2);
      if (end == std::string_view::npos) return std::nullopt;  // pugixml reports the truncation
      i = end + 2;
    } else if (rest.starts_with("<!--")) {
      size_t end = s.find("-->", i + 4);
      if (end == std::string_view::npos) return std::nullopt;
      i = end + 3;
    } else if (rest.starts_with("<!DOCTYPE")) {
      return i;
    } else {
      return std::nullopt;
    }
  }
}

Diagnostic doctype_error(const std::string& source, std::string_view original, size_t offset) {
  LineCol lc = line_col_at(original, offset);
  return {source, lc.line, lc.col,
          "refusing an XML document with a DOCTYPE: DTDs can declare entities that expand without "
          "bound (\"billion laughs\") or read local files, and pytest and coverage.py never write "
          "one"};
}

// `original` is the text before pugixml touched it: in-place parsing rewrites the buffer, so
// positions must be counted on the untouched bytes.
Diagnostic parse_error(const std::string& source, std::string_view original,
                       const pugi::xml_parse_result& result) {
  if (result.status == pugi::status_no_document_element) {
    bool empty = trim(original).empty() || trim(original) == "\xEF\xBB\xBF";
    return {source, 0, 0,
            empty ? "empty file where an XML report was expected"
                  : "no root element: not an XML report (or only its prolog was written)"};
  }
  size_t offset = result.offset > 0 ? static_cast<size_t>(result.offset) : 0;
  LineCol lc = line_col_at(original, offset);
  std::string message = std::string("malformed XML: ") + result.description();
  // A document cut short (a killed pytest, a full disk) fails at an element or attribute that
  // never ends: nothing after the error position closes a tag. pugixml reports the position where
  // that element or attribute began, which is the more useful place to point at anyway.
  if (original.find('>', std::min(offset, original.size())) == std::string_view::npos) {
    message += " (the document ends before this element does: truncated?)";
  } else if (result.status == pugi::status_end_element_mismatch ||
             result.status == pugi::status_unrecognized_tag ||
             result.status == pugi::status_bad_start_element) {
    // Show what pugixml stumbled on: helps with hand-edited or concatenated reports.
    message += " near \"" + first_line(original.substr(offset), 40) + "\"";
  }
  return {source, lc.line, lc.col, message};
}

std::optional<Diagnostic> finish(XmlDocument& out, std::string_view original,
                                 const pugi::xml_parse_result& result) {
  if (!result) return parse_error(out.source, original, result);
  for (pugi::xml_node n = out.doc.first_child(); n; n = n.next_sibling()) {
    if (n.type() == pugi::node_doctype) {
      return doctype_error(out.source, original, static_cast<size_t>(n.offset_debug()));
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Diagnostic> load_xml(std::string_view text, XmlDocument& out) {
  if (out.source.empty()) out.source = "<xml>";
  if (auto at = doctype_in_prolog(text)) return doctype_error(out.source, text, *at);
  out.buffer.assign(text);
  auto result = out.doc.load_buffer_inplace(out.buffer.data(), out.buffer.size(), kParseFlags,
                                            pugi::encoding_auto);
  return finish(out, text, result);
}

std::optional<Diagnostic> load_xml_file(const std::filesystem::path& path, XmlDocument& out) {
  if (out.source.empty()) out.source = path.string();
  if (auto err = read_file_to(path, out.buffer)) {
    err->file = out.source;
    return err;
  }
  if (auto at = doctype_in_prolog(out.buffer)) return doctype_error(out.source, out.buffer, *at);
  auto result = out.doc.load_buffer_inplace(out.buffer.data(), out.buffer.size(), kParseFlags,
                                            pugi::encoding_auto);
  if (result) return finish(out, out.buffer, result);
  // The failed in-place parse rewrote part of the buffer: count the position on a fresh copy.
  std::string original;
  if (read_file_to(path, original)) original = out.buffer;
  return finish(out, original, result);
}

std::optional<Diagnostic> expect_root(const XmlDocument& doc,
                                      std::initializer_list<std::string_view> names,
                                      std::string_view what) {
  pugi::xml_node root = doc.doc.document_element();
  for (auto name : names) {
    if (name == root.name()) return std::nullopt;
  }
  std::string expected;
  for (auto name : names) expected += (expected.empty() ? "<" : " or <") + std::string(name) + ">";
  LineCol lc = {0, 0};
  return Diagnostic{doc.source, lc.line, lc.col,
                    "not " + std::string(what) + ": the root element is <" +
                        valid_utf8(root.name()) + ">, expected " + expected};
}

}  // namespace pw::reports::detail
