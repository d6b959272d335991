// The cause line of a Python program that died.
#include "python/traceback.h"

#include <gtest/gtest.h>

namespace pw::python {
namespace {

TEST(FailureCause, TracebackPytestAndUsageErrors) {
  EXPECT_EQ(failure_cause(
                {"Traceback (most recent call last):", "  File \"x.py\", line 3, in <module>",
                 "    warn(",
                 "coverage.exceptions.CoverageWarning: Unrecognized option 'x' in pyproject.toml",
                 "# FAILURE in 570ms"}),
            "coverage.exceptions.CoverageWarning: Unrecognized option 'x' in pyproject.toml");
  EXPECT_EQ(failure_cause({"____ ERROR collecting tests/test_a.py ____",
                           "E   ModuleNotFoundError: No module named 'freezegun'",
                           "=== short test summary info ===", "1 error in 0.06s"}),
            "ModuleNotFoundError: No module named 'freezegun'");
  EXPECT_EQ(failure_cause({"ERROR: usage: pytest [options]", "pytest: error: bad"}),
            "ERROR: usage: pytest [options]");
  EXPECT_EQ(failure_cause({"KeyboardInterrupt"}), "KeyboardInterrupt");
}

TEST(FailureCause, OrdinaryOutputHasNone) {
  EXPECT_EQ(failure_cause({"2 failed, 3 passed in 0.2s", "  raise ValueError: no", "Errors: 3",
                           "FAILED tests/test_a.py::test_x - AssertionError"}),
            "");
  EXPECT_EQ(failure_cause({}), "");
}

}  // namespace
}  // namespace pw::python
