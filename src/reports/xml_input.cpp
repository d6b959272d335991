// Safe pugixml loading for the XML report parsers (see xml_input.h for the why).
#include "reports/xml_input.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/text.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::reports::detail {

namespace {

// Documents at least this big get huge-page memory; smaller ones are not worth a mapping.
constexpr size_t kBigDocument = size_t{1} << 20;
constexpr size_t kHugePage = size_t{2} << 20;
// pugixml's DOM takes 1.7x the text for JUnit and 3.5x for Cobertura (measured on the benchmark
// files); reserving more costs only address space, and running out falls back to malloc.
constexpr size_t kArenaPerTextByte = 6;

// ---- pugixml's allocator ----
// pugixml has one global pair of allocation functions. Ours bump-allocates from the arena of the
// document being loaded or destroyed on this thread (t_arena_owner, set by ArenaScope) and passes
// everything else to malloc/free, so any other pugixml use in the process is unaffected.

thread_local XmlDocument* t_arena_owner = nullptr;

void* arena_allocate(size_t size) {
  XmlDocument* d = t_arena_owner;
  if (d && d->arena.data()) {
    size_t aligned = (size + 63) & ~size_t{63};
    if (aligned <= d->arena.size() - d->arena_used) {
      void* p = d->arena.data() + d->arena_used;
      d->arena_used += aligned;
      return p;
    }
  }
  return std::malloc(size);
}

void arena_deallocate(void* p) {
  XmlDocument* d = t_arena_owner;
  if (d && d->arena.owns(p)) return;  // released with the whole arena
  std::free(p);
}

void install_allocator() {
  static std::once_flag once;
  std::call_once(once, [] { pugi::set_memory_management_functions(arena_allocate, arena_deallocate); });
}

class ArenaScope {
 public:
  explicit ArenaScope(XmlDocument* d) : previous_(t_arena_owner) { t_arena_owner = d; }
  ~ArenaScope() { t_arena_owner = previous_; }
  ArenaScope(const ArenaScope&) = delete;
  ArenaScope& operator=(const ArenaScope&) = delete;

 private:
  XmlDocument* previous_;
};

// Space for `size` bytes of text (plus the arena for its DOM when big); returns where to put it.
char* prepare_text(XmlDocument& out, size_t size) {
  if (size >= kBigDocument && out.big_text.allocate(size + 1)) {
    out.arena.allocate(size * kArenaPerTextByte + kHugePage);  // may fail: malloc then
    return out.big_text.data();
  }
  out.small_text.resize(size);
  return out.small_text.data();
}

// parse_default minus two normalisations, plus parse_doctype:
//  - parse_doctype makes a DOCTYPE show up as a node, so one the prolog scan could not see (in a
//    UTF-16 document) is still caught. pugixml itself never expands entities other than the five
//    predefined ones and character references; refusing DOCTYPE keeps it that way even if the
//    flags or the library ever change.
//  - no parse_eol (CR LF -> LF) and no parse_wconv_attribute (tab/CR/LF in attribute values ->
//    space): pytest and coverage.py write LF and escape newlines in attributes (&#10;), the
//    readers cope with a stray CR, and the two cost 6% of the parse of a big report.
//  - comments and processing instructions are skipped (not in parse_default).
constexpr unsigned kParseFlags = (pugi::parse_default & ~(pugi::parse_eol | pugi::parse_wconv_attribute)) |
                                 pugi::parse_doctype;

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
  for (pugi::xml_node n = out.doc().first_child(); n; n = n.next_sibling()) {
    if (n.type() == pugi::node_doctype) {
      return doctype_error(out.source, original, static_cast<size_t>(n.offset_debug()));
    }
  }
  return std::nullopt;
}

}  // namespace

bool HugeRegion::allocate(size_t size) {
  release();
  // Over-map by one huge page so the usable part can start on a 2 MiB boundary, where the
  // kernel can back it with huge pages. MAP_NORESERVE: untouched address space costs nothing.
  size_t length = (size + 2 * kHugePage - 1) & ~(kHugePage - 1);
  void* p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return false;
  mapping_ = p;
  mapping_size_ = length;
  auto addr = reinterpret_cast<uintptr_t>(p);
  data_ = reinterpret_cast<char*>((addr + kHugePage - 1) & ~(kHugePage - 1));
  size_ = length - static_cast<size_t>(data_ - static_cast<char*>(p));
  ::madvise(data_, size_, MADV_HUGEPAGE);  // a hint: without THP it is ordinary memory
  return true;
}

void HugeRegion::release() {
  if (mapping_) ::munmap(mapping_, mapping_size_);
  mapping_ = nullptr;
  mapping_size_ = 0;
  data_ = nullptr;
  size_ = 0;
}

XmlDocument::~XmlDocument() {
  // The DOM must be freed while its arena is the current one (see arena_deallocate).
  ArenaScope scope(this);
  doc_.reset();
}

namespace {

std::optional<Diagnostic> parse_prepared(XmlDocument& out, char* text, size_t size,
                                         std::string_view original) {
  if (auto at = doctype_in_prolog(std::string_view(text, size))) {
    return doctype_error(out.source, std::string_view(text, size), *at);
  }
  pugi::xml_parse_result result;
  {
    ArenaScope scope(&out);
    result = out.doc().load_buffer_inplace(text, size, kParseFlags, pugi::encoding_auto);
  }
  // Positions are counted on `original` when given: the failed in-place parse rewrote `text`.
  return finish(out, original.empty() ? std::string_view(text, size) : original, result);
}

}  // namespace

std::optional<Diagnostic> load_xml(std::string_view text, XmlDocument& out) {
  install_allocator();
  if (out.source.empty()) out.source = "<xml>";
  char* buffer = prepare_text(out, text.size());
  if (!text.empty()) std::memcpy(buffer, text.data(), text.size());
  return parse_prepared(out, buffer, text.size(), text);
}

std::optional<Diagnostic> load_xml_file(const std::filesystem::path& path, XmlDocument& out) {
  install_allocator();
  if (out.source.empty()) out.source = path.string();
  // Read straight into the buffer pugixml will parse in place: one copy, from the page cache.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Diagnostic{out.source, 0, 0, "cannot open: " + errno_text(errno)};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    // A pipe or a special file (or a directory, which read_file_to reports): no size up front.
    ::close(fd);
    std::string text;
    if (auto err = read_file_to(path, text)) {
      err->file = out.source;
      return err;
    }
    return load_xml(text, out);
  }
  size_t size = static_cast<size_t>(st.st_size);
  char* buffer = prepare_text(out, size);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, buffer + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Diagnostic{out.source, 0, 0, "cannot read: " + errno_text(err)};
    }
    if (n == 0) break;  // the file shrank while we read it: parse what is there
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  auto problem = parse_prepared(out, buffer, done, {});
  if (problem && problem->line > 0) {
    // The failed in-place parse rewrote part of the buffer: count the position on a fresh copy.
    std::string original;
    if (!read_file_to(path, original)) {
      XmlDocument again;
      again.source = out.source;
      return load_xml(original, again);
    }
  }
  return problem;
}

std::optional<Diagnostic> expect_root(const XmlDocument& doc,
                                      std::initializer_list<std::string_view> names,
                                      std::string_view what) {
  pugi::xml_node root = doc.doc().document_element();
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
