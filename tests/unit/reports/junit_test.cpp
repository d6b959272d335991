// JUnit parser on pytest's real output (tests/fixtures/reports/recorded/junit-*.xml, recorded from
// ../sample by record.sh) and on the shapes other producers write.
#include "reports/junit.h"

#include <gtest/gtest.h>

#include "support.h"

namespace pw::reports {
namespace {

using testing::fixture;
using testing::read_fixture;

const FailedTest* find(const JUnitReport& r, std::string_view nodeid, FailureKind kind) {
  for (const auto& f : r.failures) {
    if (f.nodeid == nodeid && f.kind == kind) return &f;
  }
  return nullptr;
}

// pytest printed "4 failed, 5 passed, 1 skipped, 1 xfailed, 2 errors" for the sample and wrote
// tests="12" errors="2" failures="4" skipped="2": the xfail is pytest's, not JUnit's, count.
void expect_sample_totals(const TestTotals& t) {
  EXPECT_EQ(t.tests, 12);
  EXPECT_EQ(t.passed, 5);
  EXPECT_EQ(t.failed, 4);
  EXPECT_EQ(t.errors, 2);
  EXPECT_EQ(t.skipped, 1);
  EXPECT_EQ(t.xfailed, 1);
  EXPECT_GT(t.duration_s, 0.0);
  EXPECT_LT(t.duration_s, 60.0);
}

TEST(JUnit, PytestSummaryLineCounts) {
  std::vector<std::string> out = {"tests/test_x.py ..xX", "",
                                  "=========== 2 passed, 1 xfailed, 1 xpassed in 0.12s ===========",
                                  "# pipewright: stage ended"};
  auto c = pytest_summary_counts(out);
  EXPECT_EQ(c, (std::map<std::string, int>{{"passed", 2}, {"xfailed", 1}, {"xpassed", 1}}));
  EXPECT_EQ(pytest_summary_counts({"== 1 failed, 3 passed, 2 errors in 1.00s (0:00:01) =="}),
            (std::map<std::string, int>{{"errors", 2}, {"failed", 1}, {"passed", 3}}));
  EXPECT_TRUE(pytest_summary_counts({"=== FAILURES ===", "nothing here"}).empty());
  EXPECT_TRUE(pytest_summary_counts({}).empty());
}

TEST(JUnit, PytestXunit2Totals) {
  auto r = parse_junit_file(fixture("recorded/junit-xunit2.xml"));
  ASSERT_TRUE(r.ok()) << join_diagnostics(r.errors);
  EXPECT_TRUE(r.warnings.empty());
  expect_sample_totals(r.value.totals);
  EXPECT_EQ(r.value.failures.size(), 6u);
}

TEST(JUnit, PytestXunit2FailuresHaveNodeIdsAndLocations) {
  auto r = parse_junit_file(fixture("recorded/junit-xunit2.xml"));
  ASSERT_TRUE(r.ok());
  const auto& rep = r.value;

  const FailedTest* f = find(rep, "tests/test_calc.py::test_add_fails", FailureKind::failure);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->classname, "tests.test_calc");
  EXPECT_EQ(f->name, "test_add_fails");
  EXPECT_EQ(f->message, "assert 4 == 5\n +  where 4 = add(2, 2)");
  EXPECT_EQ(f->file, "tests/test_calc.py");
  EXPECT_EQ(f->line, 12);  // the failing assert, from "tests/test_calc.py:12: AssertionError"
  EXPECT_NE(f->details.find("def test_add_fails():"), std::string::npos);
  EXPECT_NE(f->details.find("> "), std::string::npos);  // &gt; unescaped

  // The exception came from app/calc.py:10; the location is the test's own frame (line 21).
  f = find(rep, "tests/test_calc.py::test_divide_unexpected_error", FailureKind::failure);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->message, "ZeroDivisionError: b must not be zero");
  EXPECT_EQ(f->file, "tests/test_calc.py");
  EXPECT_EQ(f->line, 21);

  // Class-based test.
  f = find(rep, "tests/test_calc.py::TestClassify::test_zero_wrong", FailureKind::failure);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->classname, "tests.test_calc.TestClassify");
  EXPECT_EQ(f->line, 53);

  // Error in setup (a fixture raising).
  f = find(rep, "tests/test_calc.py::test_uses_broken_fixture", FailureKind::error);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->message, "failed on setup with \"RuntimeError: database unavailable\"");
  EXPECT_EQ(f->line, 26);

  // Failed in call and errored in teardown: one test, listed twice.
  EXPECT_NE(find(rep, "tests/test_calc.py::test_fails_then_teardown_errors", FailureKind::failure),
            nullptr);
  f = find(rep, "tests/test_calc.py::test_fails_then_teardown_errors", FailureKind::error);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->line, 59);
}

TEST(JUnit, PytestXunit1UsesFileAndLineAttributes) {
  auto r = parse_junit_file(fixture("recorded/junit-xunit1.xml"));
  ASSERT_TRUE(r.ok()) << join_diagnostics(r.errors);
  expect_sample_totals(r.value.totals);
  ASSERT_EQ(r.value.failures.size(), 6u);
  for (const auto& f : r.value.failures) {
    EXPECT_EQ(f.file, "tests/test_calc.py") << f.nodeid;
    EXPECT_EQ(f.nodeid.rfind("tests/test_calc.py::", 0), 0u) << f.nodeid;
  }
  // Same locations as xunit2: the traceback entry in the test file wins over the def line.
  EXPECT_EQ(find(r.value, "tests/test_calc.py::test_add_fails", FailureKind::failure)->line, 12);
}

TEST(JUnit, Xunit1LineAttributeIsZeroBased) {
  // No traceback entry in the test's file (the error is in a conftest fixture): the location is
  // the test's def line, which pytest writes 0-based.
  auto r = parse_junit(
      "<testsuites><testsuite><testcase classname=\"tests.test_db\" name=\"test_q\" "
      "file=\"tests/test_db.py\" line=\"41\" time=\"0.1\"><error message=\"failed on setup\">"
      "conftest.py:7: RuntimeError</error></testcase></testsuite></testsuites>");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value.failures.size(), 1u);
  EXPECT_EQ(r.value.failures[0].file, "tests/test_db.py");
  EXPECT_EQ(r.value.failures[0].line, 42);
}

TEST(JUnit, ParsesFromStringTheSameAsFromFile) {
  auto from_file = parse_junit_file(fixture("recorded/junit-xunit2.xml"));
  auto from_string = parse_junit(read_fixture("recorded/junit-xunit2.xml"));
  ASSERT_TRUE(from_string.ok());
  EXPECT_EQ(from_file.value.totals, from_string.value.totals);
  EXPECT_EQ(from_file.value.failures, from_string.value.failures);
}

TEST(JUnit, ZeroTests) {
  auto r = parse_junit_file(fixture("xml/junit-zero-tests.xml"));
  ASSERT_TRUE(r.ok()) << join_diagnostics(r.errors);
  EXPECT_EQ(r.value.totals, (TestTotals{0, 0, 0, 0, 0, 0.010}));
  EXPECT_TRUE(r.value.failures.empty());
  auto bare = parse_junit("<testsuites/>");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare.value.totals.tests, 0);
}

TEST(JUnit, SingleTestsuiteRootAndNestedSuites) {
  // Other producers (and old pytest) write <testsuite> as the root; some nest suites.
  auto r = parse_junit(
      "<testsuite name=\"x\" time=\"2.5\">"
      "<testcase classname=\"pkg.test_a\" name=\"t1\" time=\"1\"/>"
      "<testsuite name=\"inner\"><testcase classname=\"pkg.test_b.TestX\" name=\"t2\">"
      "<skipped message=\"later\"/></testcase>"
      "<testcase classname=\"pkg.test_b.TestX\" name=\"t3\"><failure>boom</failure></testcase>"
      "</testsuite></testsuite>");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.totals, (TestTotals{3, 1, 1, 0, 1, 2.5}));
  ASSERT_EQ(r.value.failures.size(), 1u);
  EXPECT_EQ(r.value.failures[0].nodeid, "pkg/test_b.py::TestX::t3");
  EXPECT_EQ(r.value.failures[0].file, "");  // no attribute, no traceback entry
  EXPECT_EQ(r.value.failures[0].details, "boom");
}

TEST(JUnit, DurationFallsBackToTestCaseTimes) {
  auto r = parse_junit(
      "<testsuites><testsuite><testcase classname=\"m\" name=\"a\" time=\"0.25\"/>"
      "<testcase classname=\"m\" name=\"b\" time=\"0.5\"/></testsuite></testsuites>");
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r.value.totals.duration_s, 0.75);
}

TEST(JUnit, PassedTestWithTeardownErrorCountsBoth) {
  // pytest's summary for this is "1 passed, 1 error".
  auto r = parse_junit(
      "<testsuites><testsuite><testcase classname=\"tests.test_x\" name=\"test_a\">"
      "<error message=\"failed on teardown with &quot;OSError&quot;\">tests/test_x.py:4: "
      "OSError</error></testcase></testsuite></testsuites>");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.totals, (TestTotals{1, 1, 0, 1, 0, 0}));
}

TEST(JUnit, AbsolutePathsInTracebacksBecomeRelative) {
  auto r = parse_junit(
      "<testsuites><testsuite><testcase classname=\"tests.test_x\" name=\"test_a\">"
      "<failure message=\"m\">/home/dev/proj/tests/test_x.py:9: AssertionError</failure>"
      "</testcase></testsuite></testsuites>",
      {.source = "", .root = "/home/dev/proj"});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value.failures.size(), 1u);
  EXPECT_EQ(r.value.failures[0].file, "tests/test_x.py");
  EXPECT_EQ(r.value.failures[0].line, 9);
}

TEST(JUnit, NativeTracebackStyle) {
  auto r = parse_junit(
      "<testsuites><testsuite><testcase classname=\"tests.test_x\" name=\"test_a\">"
      "<failure message=\"m\">Traceback (most recent call last):\n"
      "  File \"tests/test_x.py\", line 14, in test_a\n    assert f()\n"
      "  File \"app/x.py\", line 3, in f\n    raise E\nE</failure>"
      "</testcase></testsuite></testsuites>");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.failures[0].file, "tests/test_x.py");
  EXPECT_EQ(r.value.failures[0].line, 14);
}

TEST(JUnit, CrLfLineEndsAreNormalised) {
  auto r = parse_junit(
      "<testsuites>\r\n<testsuite>\r\n<testcase classname=\"tests.test_x\" name=\"test_a\">"
      "<failure message=\"a\r\nb\">x = 1\r\ntests/test_x.py:5: AssertionError\r\n</failure>"
      "</testcase>\r\n</testsuite>\r\n</testsuites>\r\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value.failures.size(), 1u);
  EXPECT_EQ(r.value.failures[0].message, "a\nb");
  EXPECT_EQ(r.value.failures[0].details, "x = 1\ntests/test_x.py:5: AssertionError\n");
  EXPECT_EQ(r.value.failures[0].line, 5);
}

TEST(JUnit, PytestNodeIds) {
  EXPECT_EQ(pytest_nodeid("tests.test_calc", "test_add"), "tests/test_calc.py::test_add");
  EXPECT_EQ(pytest_nodeid("tests.test_calc.TestClassify", "test_positive[1]"),
            "tests/test_calc.py::TestClassify::test_positive[1]");
  EXPECT_EQ(pytest_nodeid("test_mod.TestOuter.TestInner", "test_x"),
            "test_mod.py::TestOuter::TestInner::test_x");
  EXPECT_EQ(pytest_nodeid("test_top", "test_x"), "test_top.py::test_x");
  EXPECT_EQ(pytest_nodeid("", "test_x"), "test_x");
  // With the file known, the module part comes from it.
  EXPECT_EQ(pytest_nodeid("tests.sub.test_m.TestA", "t", "tests/sub/test_m.py"),
            "tests/sub/test_m.py::TestA::t");
  EXPECT_EQ(pytest_nodeid("tests.Helpers.test_m", "t", "tests/Helpers/test_m.py"),
            "tests/Helpers/test_m.py::t");
}

}  // namespace
}  // namespace pw::reports
