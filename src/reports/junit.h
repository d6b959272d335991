// Reads the JUnit XML that `pytest --junitxml` writes into what the tests stage reports: totals
// and the failing and erroring tests, each with the pytest node id and where it failed.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "reports/findings.h"

namespace pw::reports {

// Counted the way pytest counts in its own <testsuite> attributes, so the numbers match what the
// user sees: a test that fails and then errors in teardown is one test, one failure and one error
// (pytest writes it as two <testcase> elements). Thus passed + failed + errors + skipped can exceed
// tests by the number of such tests. An expected failure (pytest writes <skipped
// type="pytest.xfail">) is xfailed, not skipped, as pytest's summary says. An unexpected pass
// looks like any pass in JUnit: xpassed is 0 here, set by a reader of pytest's own summary.
struct TestTotals {
  int tests = 0;
  int passed = 0;
  int failed = 0;
  int errors = 0;
  int skipped = 0;
  double duration_s = 0;  // the suites' time, else the sum of the test cases' times
  int xfailed = 0;
  int xpassed = 0;

  bool operator==(const TestTotals&) const = default;
};

enum class FailureKind { failure, error };

struct FailedTest {
  // As pytest shows it: "tests/test_calc.py::TestClassify::test_zero_wrong". Built from the
  // file attribute when present (junit_family=xunit1), else from classname, with the classes being
  // its trailing segments that start with an upper-case letter (pytest's "Test*" convention).
  std::string nodeid;
  std::string classname;  // "tests.test_calc.TestClassify"
  std::string name;       // "test_zero_wrong", "test_positive[2]"
  FailureKind kind = FailureKind::failure;
  std::string type;     // the element's type attribute, when pytest gave one
  std::string message;  // the message attribute: "assert 4 == 5\n +  where 4 = add(2, 2)"
  std::string details;  // the element's text: the traceback pytest printed
  // Where it failed: the deepest traceback entry in the test's own file ("path:line: ..." lines
  // of the text), else the file/line attributes (xunit1; pytest's line there is 0-based and is
  // converted), else the deepest traceback entry of any file. "" and 0 when unknown.
  std::string file;
  int line = 0;
  double time_s = 0;

  bool operator==(const FailedTest&) const = default;
};

struct JUnitReport {
  TestTotals totals;
  std::vector<FailedTest> failures;  // in document order; failures and errors together

  bool operator==(const JUnitReport&) const = default;
};

// `options.root` makes absolute paths found in tracebacks relative to the project.
Parsed<JUnitReport> parse_junit(std::string_view xml, const ParseOptions& options = {});
Parsed<JUnitReport> parse_junit_file(const std::filesystem::path& path,
                                     const ParseOptions& options = {});

// "tests.test_calc.TestClassify" + "test_x" -> "tests/test_calc.py::TestClassify::test_x". `file`,
// when known, is used as the module's path.
std::string pytest_nodeid(std::string_view classname, std::string_view name,
                          std::string_view file = {});

// The counts of pytest's own last summary line among `output` ("==== 5 passed, 1 xfailed,
// 2 xpassed in 0.12s ===="): {"passed": 5, "xfailed": 1, "xpassed": 2}; empty when there is
// none. Plural forms are pytest's ("errors", "warnings") as written.
std::map<std::string, int> pytest_summary_counts(const std::vector<std::string>& output);

}  // namespace pw::reports
