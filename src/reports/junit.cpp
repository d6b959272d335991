// pytest's JUnit XML -> totals and failing tests (see junit.h). Tuned for reports with 100,000s of
// test cases: passing cases are only counted, never copied; strings are made for failures only.
#include "reports/junit.h"

#include <cstring>

#include "reports/text.h"
#include "reports/xml_input.h"
#include "reports/xml_names.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::reports {

using detail::parse_double;
using detail::parse_int;
using detail::valid_utf8;

namespace {

struct TracebackEntry {
  std::string_view path;
  int line = 0;
};

// "tests/test_x.py:12: AssertionError", "tests/test_x.py:21: " and "tests/test_x.py:12: in f"
// (pytest's long and short tracebacks), or `  File "tests/test_x.py", line 12, in f` (--tb=native).
std::optional<TracebackEntry> traceback_entry(std::string_view line) {
  if (line.empty()) return std::nullopt;
  if (line.starts_with("  File \"")) {
    size_t end = line.find("\", line ", 8);
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view num = line.substr(end + 8);
    num = num.substr(0, num.find(','));
    auto n = parse_int(num);
    if (!n) return std::nullopt;
    return TracebackEntry{line.substr(8, end - 8), static_cast<int>(*n)};
  }
  // Source lines are indented, the failing one starts with '>', pytest's explanation lines with
  // "E " and frame separators with '_': none of them is a location.
  if (line[0] == ' ' || line[0] == '\t' || line[0] == '>' || line[0] == '_') return std::nullopt;
  if (line.size() > 1 && line[0] == 'E' && line[1] == ' ') return std::nullopt;
  // path:digits: followed by a space or the end of the line.
  for (size_t colon = line.find(':'); colon != std::string_view::npos;
       colon = line.find(':', colon + 1)) {
    size_t d = colon + 1;
    while (d < line.size() && line[d] >= '0' && line[d] <= '9') ++d;
    if (d == colon + 1 || d >= line.size() || line[d] != ':') continue;
    if (d + 1 < line.size() && line[d + 1] != ' ') continue;
    std::string_view path = line.substr(0, colon);
    if (path.find(": ") != std::string_view::npos) return std::nullopt;
    auto n = parse_int(line.substr(colon + 1, d - colon - 1));
    if (!n) return std::nullopt;
    return TracebackEntry{path, static_cast<int>(*n)};
  }
  return std::nullopt;
}

template <size_t N>
inline bool is_named(pugi::xml_node n, const char (&name)[N]) {
  return detail::name_is(n.name(), name);
}

struct Walker {
  const ParseOptions& options;
  JUnitReport& report;
  bool repaired_utf8 = false;
  bool need_case_times = true;
  double case_time_sum = 0;
  // The previous <testcase> when it had a failure, to recognise pytest's second element for a
  // test that failed and then errored in teardown.
  pugi::xml_node prev_case;
  bool prev_failed = false;
  // For the walker of a split load's tail: its first case, and whether that one only holds an
  // error in teardown (possibly the second element of the case before the cut).
  pugi::xml_node first_case;
  bool first_teardown_only = false;
  bool sum_times_only = false;  // just add up the cases' times (see finish)

  std::string text(const char* s) { return valid_utf8(s, &repaired_utf8); }
  // Multi-line text with CR LF made LF (the parse leaves line ends alone; see xml_input.cpp).
  std::string lines(const char* s) {
    std::string out = text(s);
    if (out.find('\r') != std::string::npos) {
      size_t w = 0;
      for (size_t r = 0; r < out.size(); ++r) {
        if (out[r] == '\r' && r + 1 < out.size() && out[r + 1] == '\n') continue;
        out[w++] = out[r];
      }
      out.resize(w);
    }
    return out;
  }

  void suite(pugi::xml_node node) {
    for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
      const char* n = c.name();
      if (detail::name_is(n, "testcase")) {
        testcase(c);
      } else if (detail::name_is(n, "testsuite")) {
        suite(c);
      }
    }
  }

  // The attributes a test case's bookkeeping needs, read in one pass over the list.
  struct CaseAttributes {
    const char* classname = "";
    const char* name = "";
    const char* time = "";
  };

  static CaseAttributes attributes(pugi::xml_node tc) {
    CaseAttributes out;
    for (pugi::xml_attribute a = tc.first_attribute(); a; a = a.next_attribute()) {
      const char* n = a.name();
      switch (n[0]) {
        case 'c':
          if (detail::name_is(n, "classname")) out.classname = a.value();
          break;
        case 'n':
          if (detail::name_is(n, "name")) out.name = a.value();
          break;
        case 't':
          if (detail::name_is(n, "time")) out.time = a.value();
          break;
        default:
          break;
      }
    }
    return out;
  }

  void testcase(pugi::xml_node tc) {
    if (sum_times_only) {
      case_time_sum += parse_double(attributes(tc).time).value_or(0);
      return;
    }
    bool first = !first_case;
    if (first) first_case = tc;
    TestTotals& t = report.totals;
    pugi::xml_node child = tc.first_child();
    if (!child) {
      // A passing test, the overwhelming majority: count it and touch nothing else, unless the
      // suites carry no time and the cases' times must be summed.
      ++t.tests;
      ++t.passed;
      if (need_case_times) case_time_sum += parse_double(attributes(tc).time).value_or(0);
      prev_failed = false;
      return;
    }
    pugi::xml_node failure, error, skipped;
    for (pugi::xml_node c = child; c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      if (is_named(c, "failure")) {
        if (!failure) failure = c;
      } else if (is_named(c, "error")) {
        if (!error) error = c;
      } else if (is_named(c, "skipped")) {
        skipped = c;
      }
    }
    CaseAttributes attrs = attributes(tc);
    double time = 0;
    if (need_case_times || failure || error) time = parse_double(attrs.time).value_or(0);
    if (need_case_times) case_time_sum += time;

    bool teardown_error =
        error && std::strncmp(error.attribute("message").value(), "failed on teardown", 18) == 0;
    if (first) first_teardown_only = teardown_error && !failure;
    bool second_element = false;
    if (teardown_error && !failure && prev_failed) {
      CaseAttributes prev = attributes(prev_case);
      second_element = std::strcmp(prev.classname, attrs.classname) == 0 &&
                       std::strcmp(prev.name, attrs.name) == 0;
    }
    if (!second_element) ++t.tests;
    if (failure) ++t.failed;
    if (error) ++t.errors;
    if (skipped && !failure && !(error && !teardown_error))
      ++(std::strcmp(skipped.attribute("type").value(), "pytest.xfail") == 0 ? t.xfailed
                                                                             : t.skipped);
    // Passed: the test itself ran and did not fail or skip; an error in its teardown is counted
    // as an error besides, as pytest's summary does ("5 passed, 1 error").
    if (!failure && !skipped && (!error || (teardown_error && !second_element))) ++t.passed;

    if (failure) add_failure(tc, failure, FailureKind::failure, attrs.classname, attrs.name, time);
    if (error) add_failure(tc, error, FailureKind::error, attrs.classname, attrs.name, time);
    prev_case = tc;
    prev_failed = static_cast<bool>(failure);
  }

  void add_failure(pugi::xml_node tc, pugi::xml_node el, FailureKind kind, const char* classname,
                   const char* name, double time) {
    FailedTest& f = report.failures.emplace_back();
    f.classname = text(classname);
    f.name = text(name);
    f.kind = kind;
    f.type = text(el.attribute("type").value());
    f.message = lines(el.attribute("message").value());
    f.details = lines(el.child_value());
    f.time_s = time;

    std::string attr_file = relative_path(text(tc.attribute("file").value()), options.root);
    auto attr_line = parse_int(tc.attribute("line").value());
    f.nodeid = pytest_nodeid(f.classname, f.name, attr_file);
    std::string test_file = f.nodeid.substr(0, f.nodeid.find("::"));

    // Deepest traceback entry in the test's own file, else the deepest of any file.
    std::string in_test_file, any_file;
    int in_test_line = 0, any_line = 0;
    std::string_view details = f.details;
    size_t start = 0;
    while (start < details.size()) {
      size_t end = details.find('\n', start);
      if (end == std::string_view::npos) end = details.size();
      if (auto e = traceback_entry(details.substr(start, end - start))) {
        std::string path = relative_path(e->path, options.root);
        if (path == test_file) {
          in_test_file = path;
          in_test_line = e->line;
        }
        any_file = std::move(path);
        any_line = e->line;
      }
      start = end + 1;
    }
    if (!in_test_file.empty()) {
      f.file = in_test_file;
      f.line = in_test_line;
    } else if (!attr_file.empty()) {
      f.file = attr_file;
      // pytest writes item.location's line, which is 0-based.
      f.line = attr_line ? static_cast<int>(*attr_line) + 1 : 0;
    } else {
      f.file = any_file;
      f.line = any_line;
    }
  }
};

// The suites' own time: the root's time attribute, else the sum of its <testsuite> children's.
std::optional<double> suite_time(pugi::xml_node root) {
  if (auto t = parse_double(root.attribute("time").value())) return t;
  std::optional<double> sum;
  if (is_named(root, "testsuites")) {
    for (pugi::xml_node s = root.child("testsuite"); s; s = s.next_sibling("testsuite")) {
      if (auto t = parse_double(s.attribute("time").value())) sum = sum.value_or(0) + *t;
    }
  }
  return sum;
}

// `head` walked the whole document, or the head of a split one; `tail`, when given, walked the
// tail (without looking at case times, which it could not know it needed).
Parsed<JUnitReport> finish(detail::XmlDocument& xml, Walker& head, Walker* tail,
                           std::optional<double> suites) {
  Parsed<JUnitReport> out;
  JUnitReport& r = out.value;
  r = std::move(head.report);
  double case_times = head.case_time_sum;
  bool repaired = head.repaired_utf8;
  if (tail) {
    TestTotals& t = r.totals;
    const TestTotals& u = tail->report.totals;
    t.tests += u.tests;
    t.passed += u.passed;
    t.failed += u.failed;
    t.errors += u.errors;
    t.skipped += u.skipped;
    t.xfailed += u.xfailed;
    // The tail's walker could not see the case before the cut: if its first case was pytest's
    // second element for a test that failed and then errored in teardown, it counted one test
    // and one pass too many.
    if (tail->first_teardown_only && head.prev_failed) {
      auto a = Walker::attributes(head.prev_case);
      auto b = Walker::attributes(tail->first_case);
      if (std::strcmp(a.classname, b.classname) == 0 && std::strcmp(a.name, b.name) == 0) {
        --t.tests;
        --t.passed;
      }
    }
    r.failures.insert(r.failures.end(), std::make_move_iterator(tail->report.failures.begin()),
                      std::make_move_iterator(tail->report.failures.end()));
    repaired = repaired || tail->repaired_utf8;
    if (!suites) {
      // Rare (pytest always writes suite times): sum the tail's case times now.
      Walker times{head.options, tail->report};
      times.sum_times_only = true;
      times.suite(*xml.tail());
      case_times += times.case_time_sum;
    }
  }
  r.totals.duration_s = suites ? *suites : case_times;
  if (repaired) {
    out.warnings.push_back(
        {xml.source, 0, 0, "invalid UTF-8 in test names or messages, replaced by U+FFFD"});
  }
  return out;
}

Parsed<JUnitReport> parse_loaded(detail::XmlDocument& xml, const ParseOptions& options) {
  if (auto err = detail::expect_root(xml, {"testsuites", "testsuite"}, "a JUnit report")) {
    Parsed<JUnitReport> out;
    out.errors.push_back(*err);
    return out;
  }
  pugi::xml_node root = xml.doc().document_element();
  JUnitReport report;
  Walker w{options, report};
  std::optional<double> suites = suite_time(root);
  w.need_case_times = !suites;
  w.suite(root);
  // A split load is walked by parse_junit_file as it loads; this is for completeness.
  if (const pugi::xml_document* tail = xml.tail()) w.suite(*tail);
  return finish(xml, w, nullptr, suites);
}

}  // namespace

std::string pytest_nodeid(std::string_view classname, std::string_view name,
                          std::string_view file) {
  if (classname.empty()) return std::string(name);
  std::string module_path;   // "tests/test_calc.py"
  std::string_view classes;  // "TestClassify" or "TestOuter.TestInner"
  if (!file.empty()) {
    std::string_view f = file;
    if (f.ends_with(".py")) f.remove_suffix(3);
    std::string dotted(f);
    for (auto& c : dotted) {
      if (c == '/') c = '.';
    }
    module_path = std::string(file);
    if (classname == dotted) {
      classes = {};
    } else if (classname.starts_with(dotted) && classname.size() > dotted.size() &&
               classname[dotted.size()] == '.') {
      classes = classname.substr(dotted.size() + 1);
    } else {
      module_path.clear();  // classname from elsewhere: fall back to the heuristic
    }
  }
  if (module_path.empty()) {
    // Classes are the trailing segments that start with an upper-case letter; at least one
    // segment stays the module.
    std::vector<std::string_view> segs;
    for (size_t b = 0;;) {
      size_t dot = classname.find('.', b);
      segs.push_back(classname.substr(b, dot == std::string_view::npos ? dot : dot - b));
      if (dot == std::string_view::npos) break;
      b = dot + 1;
    }
    size_t k = segs.size();
    while (k > 1 && !segs[k - 1].empty() && segs[k - 1][0] >= 'A' && segs[k - 1][0] <= 'Z') --k;
    for (size_t i = 0; i < k; ++i) {
      if (i) module_path += '/';
      module_path += segs[i];
    }
    module_path += ".py";
    size_t class_start = 0;
    for (size_t i = 0; i < k; ++i) class_start += segs[i].size() + 1;
    classes = class_start < classname.size() ? classname.substr(class_start) : std::string_view{};
  }
  std::string id = module_path;
  size_t start = 0;
  while (start < classes.size()) {
    size_t dot = classes.find('.', start);
    if (dot == std::string_view::npos) dot = classes.size();
    id += "::";
    id += classes.substr(start, dot - start);
    start = dot + 1;
  }
  id += "::";
  id += name;
  return id;
}

Parsed<JUnitReport> parse_junit(std::string_view xml, const ParseOptions& options) {
  return detail::parse_xml_text<JUnitReport>(
      xml, options, "<junit xml>",
      [&](detail::XmlDocument& doc) { return parse_loaded(doc, options); });
}

Parsed<JUnitReport> parse_junit_file(const std::filesystem::path& path,
                                     const ParseOptions& options) {
  detail::XmlDocument doc;
  doc.source = detail::source_name(options, path.string());
  // A big report is parsed in two halves on two threads, cut before a <testcase>, and each half
  // walked on its thread as soon as it is parsed (XmlSplit). The walks count only if the load
  // stayed split; otherwise the whole document is walked below.
  JUnitReport head_report, tail_report;
  Walker head{options, head_report}, tail{options, tail_report};
  std::optional<double> suites;
  bool head_walked = false;
  detail::XmlSplit split;
  split.records = {{"testcase", "testsuite"}};
  split.on_head = [&](const pugi::xml_document& d, pugi::xml_node) {
    pugi::xml_node root = d.document_element();
    if (!is_named(root, "testsuites") && !is_named(root, "testsuite")) return;
    suites = suite_time(root);
    head.need_case_times = !suites;
    head.suite(root);
    head_walked = true;
  };
  tail.need_case_times = false;
  split.on_tail = [&](const pugi::xml_document& d) { tail.suite(d); };
  if (auto err = detail::load_xml_file(path, doc, &split)) {
    Parsed<JUnitReport> out;
    out.errors.push_back(*err);
    return out;
  }
  if (doc.tail() && head_walked) return finish(doc, head, &tail, suites);
  return parse_loaded(doc, options);
}

std::map<std::string, int> pytest_summary_counts(const std::vector<std::string>& output) {
  for (auto it = output.rbegin(); it != output.rend(); ++it) {
    std::string_view line = trim(*it);
    // "=== 3 passed, 1 xfailed in 0.12s ===" (colours already stripped by the log).
    if (!line.starts_with("=") || !line.ends_with("=")) continue;
    line = trim(line.substr(line.find_first_not_of('='),
                            line.find_last_not_of('=') - line.find_first_not_of('=') + 1));
    auto in = line.rfind(" in ");
    if (in == std::string_view::npos) continue;
    std::map<std::string, int> counts;
    for (const auto& part : split(std::string(line.substr(0, in)), ',')) {
      std::string_view p = trim(part);
      auto sp = p.find(' ');
      auto n = pw::parse_int(p.substr(0, sp), 0).opt();
      if (!n || sp == std::string_view::npos) {
        counts.clear();
        break;
      }
      counts[std::string(trim(p.substr(sp + 1)))] = static_cast<int>(*n);
    }
    if (!counts.empty()) return counts;
  }
  return {};
}

}  // namespace pw::reports
