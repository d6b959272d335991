// The two-thread split parse of big reports (reports/xml_input.h, XmlSplit) must give exactly
// what one parse gives: same results, same diagnostics. Splits are forced on small documents at
// many points, including the awkward ones (a comment or CDATA at the cut, broken XML in either
// half, pytest's doubled element for a teardown error right at the cut).
#include <gtest/gtest.h>

#include "reports/cobertura.h"
#include "reports/junit.h"
#include "reports/xml_input.h"
#include "support.h"

namespace pw::reports {
namespace {

using testing::fixture;
using testing::read_fixture;
using testing::TempDir;

// Restores the tuning however a test ends.
class SplitTuningGuard {
 public:
  SplitTuningGuard()
      : saved_min_(detail::xml_split_tuning().min_size),
        saved_at_(detail::xml_split_tuning().at),
        saved_idle_(detail::xml_split_tuning().only_when_idle) {
    detail::xml_split_tuning().only_when_idle = false;  // split however busy the machine is
  }
  ~SplitTuningGuard() {
    detail::xml_split_tuning().min_size = saved_min_;
    detail::xml_split_tuning().at = saved_at_;
    detail::xml_split_tuning().only_when_idle = saved_idle_;
  }

 private:
  size_t saved_min_;
  double saved_at_;
  bool saved_idle_;
};

template <class T>
void expect_same(const Parsed<T>& a, const Parsed<T>& b, const std::string& what) {
  EXPECT_EQ(join_diagnostics(a.errors), join_diagnostics(b.errors)) << what;
  EXPECT_EQ(join_diagnostics(a.warnings), join_diagnostics(b.warnings)) << what;
  EXPECT_TRUE(a.value == b.value) << what;
}

// Parses `path` once without splitting and then with a cut looked for at each of `steps`
// points; returns how many of those loads really split.
template <class Parse>
size_t compare_splits(const std::filesystem::path& path, Parse parse, int steps = 40) {
  SplitTuningGuard guard;
  auto& tuning = detail::xml_split_tuning();
  tuning.min_size = SIZE_MAX;
  auto whole = parse(path);
  tuning.min_size = 0;
  size_t before = tuning.splits;
  for (int i = 1; i < steps; ++i) {
    tuning.at = static_cast<double>(i) / steps;
    auto split = parse(path);
    expect_same(whole, split, path.string() + " cut from " + std::to_string(tuning.at));
  }
  return tuning.splits - before;
}

auto junit = [](const std::filesystem::path& p) { return parse_junit_file(p); };
auto cobertura = [](const std::filesystem::path& p) { return parse_cobertura_file(p); };

TEST(XmlSplit, RecordedReportsGiveTheSameResults) {
  EXPECT_GT(compare_splits(fixture("recorded/junit-xunit2.xml"), junit), 10u);
  EXPECT_GT(compare_splits(fixture("recorded/junit-xunit1.xml"), junit), 10u);
  EXPECT_GT(compare_splits(fixture("recorded/coverage.xml"), cobertura), 10u);
}

TEST(XmlSplit, EveryTestCaseBoundary) {
  // Passing tests, failures, a test failing then erroring in teardown (two elements), skips:
  // with 400 cut points every boundary gets cut, the doubled element's included.
  std::string doc =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites><testsuite name=\"pytest\" "
      "time=\"3.5\">";
  for (int i = 0; i < 30; ++i) {
    std::string c = "tests.test_m" + std::to_string(i % 3);
    std::string n = "test_" + std::to_string(i);
    doc += "<testcase classname=\"" + c + "\" name=\"" + n + "\" time=\"0.1\"";
    if (i % 5 == 1) {
      doc += "><failure message=\"boom\">tests/test_m.py:" + std::to_string(i) +
             ": E</failure></testcase>";
      doc += "<testcase classname=\"" + c + "\" name=\"" + n +
             "\" time=\"0.0\"><error message=\"failed on "
             "teardown with &quot;E&quot;\">tests/test_m.py:3: E</error></testcase>";
    } else if (i % 5 == 3) {
      doc += "><skipped message=\"no\"/></testcase>";
    } else {
      doc += "/>";
    }
  }
  doc += "</testsuite></testsuites>\n";
  TempDir dir;
  auto path = dir.write("junit.xml", doc);
  EXPECT_GT(compare_splits(path, junit, 400), 300u);
  auto r = parse_junit_file(path);
  EXPECT_EQ(r.value.totals.tests, 30);
  EXPECT_EQ(r.value.totals.errors, 6);
}

TEST(XmlSplit, CaseTimesAreSummedWhenSuitesHaveNone) {
  std::string doc = "<testsuite>";
  for (int i = 0; i < 50; ++i)
    doc += "<testcase classname=\"m\" name=\"t" + std::to_string(i) + "\" time=\"0.25\"/>";
  doc += "</testsuite>";
  TempDir dir;
  auto path = dir.write("junit.xml", doc);
  EXPECT_GT(compare_splits(path, junit), 30u);
  EXPECT_DOUBLE_EQ(parse_junit_file(path).value.totals.duration_s, 12.5);
}

TEST(XmlSplit, CoverageWithManyPackagesAndSplitFiles) {
  std::string doc =
      "<?xml version=\"1.0\" ?>\n<coverage version=\"6.5.0\" "
      "line-rate=\"0.5\">\n<sources><source>/p</source></sources>\n<packages>\n";
  for (int p = 0; p < 6; ++p) {
    doc += "<package name=\"pkg" + std::to_string(p) + "\"><classes>\n";
    for (int c = 0; c < 5; ++c) {
      // Java-style: every file is two <class> elements, the second right after the first.
      for (int part = 0; part < 2; ++part) {
        doc += "<class name=\"C" + std::to_string(part) + "\" filename=\"pkg" + std::to_string(p) +
               "/m" + std::to_string(c) + ".py\"><methods/><lines>";
        for (int l = 1; l < 6; ++l) {
          doc +=
              "<line number=\"" + std::to_string(part * 10 + l) + "\" hits=\"" +
              std::to_string(l % 2) + "\"" +
              (l == 3 ? " branch=\"true\" condition-coverage=\"50% (1/2)\" missing-branches=\"9\""
                      : "") +
              "/>";
        }
        doc += "</lines></class>\n";
      }
    }
    doc += "</classes></package>\n";
  }
  doc += "</packages>\n</coverage>\n";
  TempDir dir;
  auto path = dir.write("coverage.xml", doc);
  EXPECT_GT(compare_splits(path, cobertura, 200), 150u);
  auto r = parse_cobertura_file(path);
  ASSERT_EQ(r.value.files.size(), 30u);
  EXPECT_EQ(r.value.files[7].package, "pkg1");
  EXPECT_EQ(r.value.files[7].lines_valid, 10);
}

TEST(XmlSplit, BrokenDocumentsGiveTheOneParseDiagnostics) {
  std::string good = read_fixture("recorded/junit-xunit2.xml");
  size_t mid = good.find("<testcase", good.size() / 2);
  ASSERT_NE(mid, std::string::npos);
  std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated", good.substr(0, good.size() - 30)},
      {"broken tail", good.substr(0, mid) + "<testcase name=\"x\"></testsuite>" + good.substr(mid)},
      {"broken head", good.substr(0, 200) + "<oops<" + good.substr(200)},
      {"comment at cut",
       good.substr(0, mid) + "<!-- <testcase name=\"c\"/> -->" + good.substr(mid)},
      {"cdata at cut", good.substr(0, mid) +
                           "<system-out><![CDATA[ <testcase name=\"c\"/> ]]></system-out>" +
                           good.substr(mid)},
      {"junk after root", good + "<testsuites/>"},
      {"two roots", good + good},
      {"text after root", good + "trailing words"},
      {"unclosed root", good.substr(0, good.rfind("</testsuites>"))},
      {"extra close", good + "</testsuites>"},
      {"doctype", "<!DOCTYPE x [<!ENTITY a \"b\">]>" + good},
      // Only allowed at the top of a document, which the tail's fragment parse is not.
      {"doctype in tail",
       good.substr(0, mid) + "<!DOCTYPE y [<!ENTITY a \"b\">]>" + good.substr(mid)},
      {"declaration in tail", good.substr(0, mid) + "<?xml version=\"1.0\"?>" + good.substr(mid)},
      {"pi in tail", good.substr(0, mid) + "<?php echo 1; ?>" + good.substr(mid)},
      {"text in tail", good.substr(0, mid) + "loose text &amp; more" + good.substr(mid)},
  };
  TempDir dir;
  for (const auto& [name, text] : cases) {
    auto path = dir.write(name + ".xml", text);
    compare_splits(path, junit, 20);
  }
  auto cov = read_fixture("recorded/coverage.xml");
  size_t cls = cov.find("<class", cov.size() / 2);
  ASSERT_NE(cls, std::string::npos);
  auto path =
      dir.write("cov-broken.xml",
                cov.substr(0, cls) + "<class filename=\"x\"><lines></class>" + cov.substr(cls));
  compare_splits(path, cobertura, 20);
  compare_splits(dir.write("cov-trunc.xml", cov.substr(0, cov.size() - 40)), cobertura, 20);
}

TEST(XmlSplit, BigReportSplitsByDefault) {
  // Past the default threshold (4 MiB) a report is split without any other tuning.
  std::string doc = "<testsuites><testsuite name=\"pytest\" time=\"1\">";
  std::string tc =
      "<testcase classname=\"tests.test_big.TestSomething\" name=\"test_something_long_enough\" "
      "time=\"0.001\" />";
  while (doc.size() < (5u << 20)) doc += tc;
  doc +=
      "<testcase classname=\"tests.test_big\" name=\"test_last\"><failure "
      "message=\"m\">tests/test_big.py:7: E</failure></testcase>";
  doc += "</testsuite></testsuites>";
  TempDir dir;
  auto path = dir.write("big.xml", doc);
  SplitTuningGuard guard;  // (only so that a busy test machine does not skip the split)
  size_t before = detail::xml_split_tuning().splits;
  auto r = parse_junit_file(path);
  EXPECT_EQ(detail::xml_split_tuning().splits, before + 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.totals.failed, 1);
  EXPECT_EQ(r.value.totals.tests, r.value.totals.passed + 1);
  ASSERT_EQ(r.value.failures.size(), 1u);
  EXPECT_EQ(r.value.failures[0].line, 7);
  auto s = parse_junit(doc);  // the string form never splits
  EXPECT_TRUE(s.value == r.value);
}

}  // namespace
}  // namespace pw::reports
