// coverage.py's Cobertura XML -> CoverageReport (see cobertura.h). A 2,000-file report has
// hundreds of thousands of <line> elements, so each one's attributes are read in a single pass
// with hand-rolled number parsing.
#include "reports/cobertura.h"

#include <climits>
#include <cstring>
#include <unordered_map>

#include "reports/text.h"
#include "reports/xml_input.h"
#include "reports/xml_names.h"
#include "util/strings.h"

namespace pw::reports {

using detail::parse_double;
using detail::parse_int;

namespace {

// Non-negative decimal integer filling the whole string; false on anything else.
bool to_count(const char* s, long long& out) {
  if (*s < '0' || *s > '9') return false;
  long long v = 0;
  for (; *s >= '0' && *s <= '9'; ++s) {
    if (v > (LLONG_MAX - 9) / 10) return false;
    v = v * 10 + (*s - '0');
  }
  out = v;
  return *s == '\0';
}

// Digits at s, advancing s; false when there are none or too many.
bool digits(const char*& s, int& out) {
  if (*s < '0' || *s > '9') return false;
  long long v = 0;
  for (; *s >= '0' && *s <= '9'; ++s) {
    v = v * 10 + (*s - '0');
    if (v > INT_MAX) return false;
  }
  out = static_cast<int>(v);
  return true;
}

// "50% (1/2)" -> 1, 2.
bool condition_coverage(const char* s, int& covered, int& total) {
  const char* p = std::strchr(s, '(');
  if (!p) return false;
  ++p;
  int c = 0, n = 0;
  if (!digits(p, c) || *p++ != '/' || !digits(p, n) || *p != ')' || c > n) return false;
  covered = c;
  total = n;
  return true;
}

// Reads <class> elements into files. A split load (xml_input.h) runs one Reader per half, on
// the half's thread, and merges them in document order.
struct Reader {
  std::string source;
  std::vector<FileCoverage> files;
  std::unordered_map<std::string, size_t> index;  // filename -> files[i]
  bool repaired_utf8 = false;
  int bad_lines = 0;
  Diagnostic first_bad;

  FileCoverage& file_for(std::string filename, const char* package) {
    auto [it, inserted] = index.try_emplace(filename, files.size());
    if (inserted) {
      FileCoverage f;
      f.filename = std::move(filename);
      f.package = detail::valid_utf8(package, &repaired_utf8);
      files.push_back(std::move(f));
    }
    // Java-style producers split one file over several <class> elements: they merge here.
    return files[it->second];
  }

  void packages(pugi::xml_node packages_element) {
    for (pugi::xml_node pkg = packages_element.child("package"); pkg;
         pkg = pkg.next_sibling("package")) {
      package(pkg);
    }
  }

  void package(pugi::xml_node pkg) {
    const char* name = pkg.attribute("name").value();
    for (pugi::xml_node cls = pkg.child("classes").child("class"); cls;
         cls = cls.next_sibling("class")) {
      klass(cls, name);
    }
  }

  void klass(pugi::xml_node cls, const char* package) {
    std::string filename = detail::valid_utf8(cls.attribute("filename").value(), &repaired_utf8);
    if (filename.empty()) {
      filename = detail::valid_utf8(cls.attribute("name").value(), &repaired_utf8);
    }
    FileCoverage& file = file_for(std::move(filename), package);
    pugi::xml_node lines = cls.child("lines");
    for (pugi::xml_node ln = lines.first_child(); ln; ln = ln.next_sibling()) {
      if (!detail::name_is(ln.name(), "line")) continue;
      LineCoverage lc;
      long long number = -1, hits = -1;
      const char* missing = nullptr;
      // One pass over the attributes, dispatching on the first letter: lookups by name would scan
      // the list once per attribute wanted.
      for (pugi::xml_attribute a = ln.first_attribute(); a; a = a.next_attribute()) {
        const char* n = a.name();
        switch (n[0]) {
          case 'n':
            if (detail::name_is(n, "number") && !to_count(a.value(), number)) number = -1;
            break;
          case 'h':
            if (detail::name_is(n, "hits") && !to_count(a.value(), hits)) hits = -1;
            break;
          case 'c':
            if (detail::name_is(n, "condition-coverage")) {
              condition_coverage(a.value(), lc.branches_covered, lc.branches_total);
            }
            break;
          case 'm':
            if (detail::name_is(n, "missing-branches")) missing = a.value();
            break;
          default:
            break;
        }
      }
      if (number <= 0 || number > INT_MAX || hits < 0) {
        if (bad_lines++ == 0) {
          first_bad = {
              source, 0, 0,
              "skipped <line> elements without a valid number and hits, first in " + file.filename};
        }
        continue;
      }
      lc.number = static_cast<int>(number);
      lc.hits = hits;
      ++file.lines_valid;
      if (hits > 0) ++file.lines_covered;
      file.branches_valid += lc.branches_total;
      file.branches_covered += lc.branches_covered;
      file.lines.push_back(lc);
      if (missing && *missing) file.missing_branches.push_back({lc.number, missing});
    }
  }

  // Appends `later`'s files (read from the text after this reader's), merging any file both saw.
  void append(Reader&& later) {
    repaired_utf8 = repaired_utf8 || later.repaired_utf8;
    if (later.bad_lines > 0 && bad_lines == 0) first_bad = later.first_bad;
    bad_lines += later.bad_lines;
    for (auto& f : later.files) {
      auto [it, inserted] = index.try_emplace(f.filename, files.size());
      if (inserted) {
        files.push_back(std::move(f));
        continue;
      }
      FileCoverage& mine = files[it->second];
      mine.lines.insert(mine.lines.end(), f.lines.begin(), f.lines.end());
      mine.missing_branches.insert(mine.missing_branches.end(), f.missing_branches.begin(),
                                   f.missing_branches.end());
      mine.lines_valid += f.lines_valid;
      mine.lines_covered += f.lines_covered;
      mine.branches_valid += f.branches_valid;
      mine.branches_covered += f.branches_covered;
    }
  }
};

// Reads the records of a split load's tail: <class> elements (the cut was in a <classes>, whose
// package the head knows) or whole <package> elements (the cut was in <packages>).
constexpr const char* kPackageFromHead = "";

void read_tail(Reader& reader, const pugi::xml_document& tail) {
  for (pugi::xml_node n = tail.first_child(); n; n = n.next_sibling()) {
    if (detail::name_is(n.name(), "class")) {
      reader.klass(n, kPackageFromHead);
    } else if (detail::name_is(n.name(), "package")) {
      reader.package(n);
    }
  }
}

Parsed<CoverageReport> parse_loaded(detail::XmlDocument& xml, Reader* head, Reader* tail) {
  Parsed<CoverageReport> out;
  if (auto err = detail::expect_root(xml, {"coverage"}, "a Cobertura coverage report")) {
    out.errors.push_back(*err);
    return out;
  }
  pugi::xml_node root = xml.doc().document_element();
  CoverageReport& r = out.value;
  r.version = detail::valid_utf8(root.attribute("version").value());
  for (pugi::xml_node s = root.child("sources").child("source"); s; s = s.next_sibling("source")) {
    r.sources.push_back(detail::valid_utf8(trim(s.child_value())));
  }
  Reader whole{xml.source};
  Reader& reader = head ? *head : whole;
  if (xml.tail() && head && tail) {
    // The tail's leading classes belong to the package the cut was in.
    pugi::xml_node cut_in = xml.split_parent();
    if (detail::name_is(cut_in.name(), "classes")) {
      std::string package = detail::valid_utf8(cut_in.parent().attribute("name").value());
      for (auto& f : tail->files) {
        if (f.package.empty()) f.package = package;
      }
    }
    reader.append(std::move(*tail));
  } else {
    reader.packages(root.child("packages"));
  }
  r.files = std::move(reader.files);

  long long lv = 0, lc = 0, bv = 0, bc = 0;
  for (const auto& f : r.files) {
    lv += f.lines_valid;
    lc += f.lines_covered;
    bv += f.branches_valid;
    bc += f.branches_covered;
  }
  auto count_attr = [&](const char* name, long long fallback) {
    return parse_int(root.attribute(name).value()).value_or(fallback);
  };
  r.lines_valid = count_attr("lines-valid", lv);
  r.lines_covered = count_attr("lines-covered", lc);
  r.branches_valid = count_attr("branches-valid", bv);
  r.branches_covered = count_attr("branches-covered", bc);
  r.line_rate = parse_double(root.attribute("line-rate").value())
                    .value_or(r.lines_valid ? double(r.lines_covered) / r.lines_valid : 1.0);
  r.branch_rate =
      parse_double(root.attribute("branch-rate").value())
          .value_or(r.branches_valid ? double(r.branches_covered) / r.branches_valid : 1.0);
  r.has_branch_data = r.branches_valid > 0;

  if (reader.bad_lines > 0) {
    reader.first_bad.message += " (" + std::to_string(reader.bad_lines) + " in all)";
    out.warnings.push_back(reader.first_bad);
  }
  if (reader.repaired_utf8) {
    out.warnings.push_back({xml.source, 0, 0, "invalid UTF-8 in file names, replaced by U+FFFD"});
  }
  return out;
}

double coverage_percent(long long lines, long long lines_hit, long long branches,
                        long long branches_hit) {
  long long total = lines + branches;
  if (total == 0) return 100.0;
  return 100.0 * double(lines_hit + branches_hit) / double(total);
}

}  // namespace

std::vector<int> FileCoverage::missing_lines() const {
  std::vector<int> out;
  for (const auto& l : lines) {
    if (l.hits == 0) out.push_back(l.number);
  }
  return out;
}

double FileCoverage::percent() const {
  return coverage_percent(lines_valid, lines_covered, branches_valid, branches_covered);
}

double CoverageReport::percent() const {
  return coverage_percent(lines_valid, lines_covered, branches_valid, branches_covered);
}

const FileCoverage* CoverageReport::find(std::string_view filename) const {
  for (const auto& f : files) {
    if (f.filename == filename) return &f;
  }
  return nullptr;
}

Parsed<CoverageReport> parse_cobertura(std::string_view xml, const ParseOptions& options) {
  return detail::parse_xml_text<CoverageReport>(
      xml, options, "<coverage xml>",
      [](detail::XmlDocument& doc) { return parse_loaded(doc, nullptr, nullptr); });
}

Parsed<CoverageReport> parse_cobertura_file(const std::filesystem::path& path,
                                            const ParseOptions& options) {
  detail::XmlDocument doc;
  doc.source = detail::source_name(options, path.string());
  // A big report is read in two halves on two threads, each half's classes as soon as it is
  // parsed (see XmlSplit); the results count only if the load stayed split.
  Reader head{doc.source}, tail{doc.source};
  detail::XmlSplit split;
  split.records = {{"package", "packages"}, {"class", "classes"}};
  split.on_head = [&](const pugi::xml_document& d, pugi::xml_node) {
    head.packages(d.document_element().child("packages"));
  };
  split.on_tail = [&](const pugi::xml_document& d) { read_tail(tail, d); };
  if (auto err = detail::load_xml_file(path, doc, &split)) {
    Parsed<CoverageReport> out;
    out.errors.push_back(*err);
    return out;
  }
  if (doc.tail()) return parse_loaded(doc, &head, &tail);
  return parse_loaded(doc, nullptr, nullptr);
}

}  // namespace pw::reports
