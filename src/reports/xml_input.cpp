// Safe pugixml loading for the XML report parsers (see xml_input.h for the why).
#include "reports/xml_input.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <future>
#include <mutex>
#include <system_error>
#include <thread>

#include "reports/text.h"
#include "util/fs.h"
#include "util/strings.h"
#include "util/thread_pool.h"

namespace pw::reports::detail {

namespace {

// Documents at least this big get huge-page memory; smaller ones are not worth a mapping.
constexpr size_t kBigDocument = size_t{1} << 20;
constexpr size_t kHugePage = size_t{2} << 20;
// pugixml's DOM takes 1.7x the text for JUnit and 3.5x for Cobertura (measured on the benchmark
// files); reserving more costs only address space, and running out falls back to malloc.
constexpr size_t kArenaPerTextByte = 6;

// ---- pugixml's allocator ----
// pugixml has one global pair of allocation functions. Ours bump-allocates from the arena that
// ArenaScope made current on this thread (the document being loaded or destroyed there) and
// passes everything else to malloc/free, so any other pugixml use in the process is unaffected.

thread_local Arena* t_arena = nullptr;

void* arena_allocate(size_t size) {
  Arena* a = t_arena;
  if (a && a->region.data()) {
    size_t aligned = (size + 63) & ~size_t{63};
    if (aligned <= a->region.size() - a->used) {
      void* p = a->region.data() + a->used;
      a->used += aligned;
      return p;
    }
  }
  return std::malloc(size);
}

void arena_deallocate(void* p) {
  Arena* a = t_arena;
  if (a && a->region.owns(p)) return;  // released with the whole arena
  std::free(p);
}

void install_allocator() {
  static std::once_flag once;
  std::call_once(once,
                 [] { pugi::set_memory_management_functions(arena_allocate, arena_deallocate); });
}

class ArenaScope {
 public:
  explicit ArenaScope(Arena* a) : previous_(t_arena) { t_arena = a; }
  ~ArenaScope() { t_arena = previous_; }
  ArenaScope(const ArenaScope&) = delete;
  ArenaScope& operator=(const ArenaScope&) = delete;

 private:
  Arena* previous_;
};

// Space for `size` bytes of text (plus the arena for its DOM when big); returns where to put it.
char* prepare_text(XmlDocument& out, size_t size) {
  if (size >= kBigDocument && out.big_text.allocate(size + 1)) {
    out.arena.region.allocate(size * kArenaPerTextByte + kHugePage);  // may fail: malloc then
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
constexpr unsigned kParseFlags =
    (pugi::parse_default & ~(pugi::parse_eol | pugi::parse_wconv_attribute)) | pugi::parse_doctype;

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

XmlDocument::~XmlDocument() { reset(); }

void XmlDocument::reset() {
  // Each DOM must be freed while its own arena is the current one (see arena_deallocate).
  {
    ArenaScope scope(&tail_arena);
    tail_.reset();
  }
  {
    ArenaScope scope(&arena);
    doc_.reset();
  }
  split_parent_ = {};
  small_text.clear();
  big_text.release();
  tail_text.release();
  arena.region.release();
  arena.used = 0;
  tail_arena.region.release();
  tail_arena.used = 0;
}

XmlSplitTuning& xml_split_tuning() {
  static XmlSplitTuning tuning;
  return tuning;
}

namespace {

std::optional<Diagnostic> parse_prepared(XmlDocument& out, char* text, size_t size,
                                         std::string_view original) {
  if (auto at = doctype_in_prolog(std::string_view(text, size))) {
    return doctype_error(out.source, std::string_view(text, size), *at);
  }
  pugi::xml_parse_result result;
  {
    ArenaScope scope(&out.arena);
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

namespace {

// Reads exactly `size` bytes at `offset` unless the file is shorter; returns the count read, or
// -1 with errno set.
ssize_t read_at(int fd, char* buffer, size_t size, size_t offset) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, buffer + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;  // the file shrank while we read it: parse what is there
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

// Appended to the head so that pugixml puts it where the cut was: its parent is then the
// innermost element open at the cut, and that element's ancestors the rest.
constexpr std::string_view kMarker = "<pw-split-marker/>";

bool is_name_end(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/';
}

// Where to cut: the first start tag of a record, preferred records first, in the window read
// around the middle. npos when there is none.
struct Cut {
  size_t offset = std::string_view::npos;
  std::string_view parent;
};

Cut find_cut(std::string_view window, size_t window_offset, const XmlSplit& split) {
  for (const auto& r : split.records) {
    std::string open = "<" + std::string(r.tag);
    for (size_t at = window.find(open); at != std::string_view::npos;
         at = window.find(open, at + 1)) {
      if (at + open.size() < window.size() && is_name_end(window[at + open.size()])) {
        return {window_offset + at, r.parent};
      }
    }
  }
  return {};
}

// After a split parse: does `tail` (the text from the tail's first unmatched end tag to the end
// of the file) close exactly the elements open at the cut, innermost first, and nothing else?
bool closes_exactly(std::string_view tail, pugi::xml_node innermost) {
  size_t i = 0;
  auto skip_space = [&] {
    while (i < tail.size() &&
           (tail[i] == ' ' || tail[i] == '\t' || tail[i] == '\r' || tail[i] == '\n'))
      ++i;
  };
  for (pugi::xml_node open = innermost; open && open.type() == pugi::node_element;
       open = open.parent()) {
    skip_space();
    std::string_view name = open.name();
    if (tail.substr(i, 2) != "</" || tail.substr(i + 2, name.size()) != name) return false;
    i += 2 + name.size();
    skip_space();
    if (i >= tail.size() || tail[i] != '>') return false;
    ++i;
  }
  skip_space();
  return i == tail.size();
}

enum class SplitOutcome { split, fallback };

// See XmlSplitTuning::only_when_idle.
bool core_to_spare() {
  unsigned cores = std::thread::hardware_concurrency();
  if (cores < 2) return false;
  double load = 0;
  if (::getloadavg(&load, 1) != 1) return true;  // unknown: assume an ordinary machine
  return load < static_cast<double>(cores);
}

// The two-thread parse (see XmlSplit). `fd` is open on a regular file of `size` bytes.
SplitOutcome load_split(int fd, size_t size, XmlDocument& out, const XmlSplit& split) {
  const XmlSplitTuning& tuning = xml_split_tuning();
  size_t start = static_cast<size_t>(static_cast<double>(size) * tuning.at);
  if (start >= size) return SplitOutcome::fallback;
  std::string window(std::min<size_t>(256 << 10, size - start), '\0');
  ssize_t got = read_at(fd, window.data(), window.size(), start);
  if (got <= 0) return SplitOutcome::fallback;
  window.resize(static_cast<size_t>(got));
  Cut cut = find_cut(window, start, split);
  if (cut.offset == std::string_view::npos || cut.offset == 0) return SplitOutcome::fallback;
  const size_t head_size = cut.offset;
  const size_t tail_size = size - head_size;

  if (!out.big_text.allocate(head_size + kMarker.size() + 1) ||
      !out.tail_text.allocate(tail_size + 1)) {
    return SplitOutcome::fallback;
  }
  out.arena.region.allocate(head_size * kArenaPerTextByte + kHugePage);
  out.tail_arena.region.allocate(tail_size * kArenaPerTextByte + kHugePage);
  out.tail_.emplace();

  // The tail's thread: read, parse as a fragment, hand to on_tail. It touches only tail_* and
  // its locals; the head below touches only the head's members.
  bool tail_ok = false;
  ptrdiff_t tail_stop = 0;  // where the tail's parse stopped: its first unmatched end tag
  auto tail_work = [&] {
    ArenaScope scope(&out.tail_arena);
    char* text = out.tail_text.data();
    ssize_t n = read_at(fd, text, tail_size, head_size);
    if (n != static_cast<ssize_t>(tail_size)) return;
    auto result = out.tail_->load_buffer_inplace(
        text, tail_size, kParseFlags | pugi::parse_fragment, pugi::encoding_utf8);
    if (result.status != pugi::status_end_element_mismatch) return;
    // A fragment may hold what only a document's top level may (a DOCTYPE, an XML declaration),
    // which inside the element the cut was in would be an error: leave those to the one parse.
    for (pugi::xml_node n = out.tail_->first_child(); n; n = n.next_sibling()) {
      if (n.type() == pugi::node_doctype || n.type() == pugi::node_declaration) return;
    }
    tail_stop = result.offset;
    tail_ok = true;
    if (split.on_tail) split.on_tail(*out.tail_);  // what it throws reaches tail_done below
  };
  bool head_ok = false;
  {
    ThreadPool pool(1);
    if (pool.size() == 0) return SplitOutcome::fallback;  // no thread to be had: one parse
    std::future<void> tail_done = pool.submit(tail_work);
    // The head, on this thread, while the tail's thread works. (The pool joins on every exit.)
    ArenaScope scope(&out.arena);
    char* text = out.big_text.data();
    ssize_t n = read_at(fd, text, head_size, 0);
    if (n == static_cast<ssize_t>(head_size) &&
        !doctype_in_prolog(
            std::string_view(text, head_size))) {  // a DOCTYPE: let the one-parse path refuse it
      std::memcpy(text + head_size, kMarker.data(), kMarker.size());
      auto result = out.doc().load_buffer_inplace(text, head_size + kMarker.size(), kParseFlags,
                                                  pugi::encoding_utf8);
      // Elements open at the cut stay unclosed: that is the only error a clean cut leaves.
      if (result.status == pugi::status_end_element_mismatch &&
          static_cast<size_t>(result.offset) >= head_size) {
        pugi::xml_node last = out.doc();
        while (last.last_child()) last = last.last_child();
        pugi::xml_node parent = last.parent();
        // The readers look at the first root element only (pugixml accepts more): a cut in a
        // second one would hand the tail's records to the first.
        pugi::xml_node top = parent;
        while (top.parent() && top.parent().type() == pugi::node_element) top = top.parent();
        if (last.type() == pugi::node_element &&
            std::string_view(last.name()) == kMarker.substr(1, kMarker.size() - 3) &&
            parent.type() == pugi::node_element && std::string_view(parent.name()) == cut.parent &&
            top == out.doc().document_element()) {
          parent.remove_child(last);
          out.split_parent_ = parent;
          head_ok = true;
          for (pugi::xml_node c = out.doc().first_child(); c; c = c.next_sibling()) {
            if (c.type() == pugi::node_doctype) head_ok = false;
          }
          if (head_ok && split.on_head) {
            try {
              split.on_head(out.doc(), parent);
            } catch (const std::exception&) {
              head_ok = false;  // (bad_alloc, a reader's error) the one parse below says it again
            }
          }
        }
      }
    }
    try {
      tail_done.get();
    } catch (const std::exception&) {
      tail_ok = false;  // as for the head: the one parse below meets it again and reports it
    }
  }  // joined
  if (!head_ok || !tail_ok || tail_stop < 2) return SplitOutcome::fallback;

  // The tail's own text from its stop on was rewritten by the in-place parse: read it again.
  // pugixml stops on the name after "</"; a clean tail is a few closing tags, so a long one
  // means the cut was not clean (more content after the parent closed).
  size_t closing_at = head_size + static_cast<size_t>(tail_stop) - 2;
  if (size - closing_at > 4096) return SplitOutcome::fallback;
  std::string closing(size - closing_at, '\0');
  if (read_at(fd, closing.data(), closing.size(), closing_at) !=
          static_cast<ssize_t>(closing.size()) ||
      !closes_exactly(closing, out.split_parent_)) {
    return SplitOutcome::fallback;
  }
  return SplitOutcome::split;
}

}  // namespace

std::optional<Diagnostic> load_xml_file(const std::filesystem::path& path, XmlDocument& out,
                                        const XmlSplit* split) {
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
  const XmlSplitTuning& tuning = xml_split_tuning();
  if (split && size >= tuning.min_size && !split->records.empty() &&
      (!tuning.only_when_idle || core_to_spare())) {
    if (load_split(fd, size, out, *split) == SplitOutcome::split) {
      ::close(fd);
      ++xml_split_tuning().splits;
      return std::nullopt;
    }
    std::string source = std::move(out.source);
    out.reset();
    out.doc_.emplace();
    out.source = std::move(source);
  }
  char* buffer = prepare_text(out, size);
  ssize_t done = read_at(fd, buffer, size, 0);
  int read_errno = errno;
  ::close(fd);
  if (done < 0) return Diagnostic{out.source, 0, 0, "cannot read: " + errno_text(read_errno)};
  auto problem = parse_prepared(out, buffer, static_cast<size_t>(done), {});
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
