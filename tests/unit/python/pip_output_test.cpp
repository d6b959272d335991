// The explaining line of real pip and build failures, from output captured on this machine.
#include "python/pip_output.h"

#include <gtest/gtest.h>

#include "python/toml.h"

namespace pw::python {
namespace {

TEST(PipOutputTest, NoMatchingDistributionWinsOverTheLastWords) {
  auto f = explain_pip_failure({
      "Looking in indexes: https://pypi.org/simple",
      "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) "
      "after connection broken by "
      "'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object>: Failed to "
      "establish a new connection: [Errno -3] Temporary failure in name resolution')': "
      "/simple/pytest/",
      "ERROR: Could not find a version that satisfies the requirement pytest==7.2.1 (from "
      "versions: none)",
      "ERROR: No matching distribution found for pytest==7.2.1",
  });
  EXPECT_EQ(f.cause, "No matching distribution found for pytest==7.2.1");
  EXPECT_EQ(f.not_found, "pytest==7.2.1");
  EXPECT_TRUE(f.index_unreachable);
}

TEST(PipOutputTest, MissingBuildBackendAndMetadataErrors) {
  auto f = explain_pip_failure({"  Preparing metadata (pyproject.toml): started",
                                "  error: subprocess-exited-with-error",
                                "  ModuleNotFoundError: No module named 'hatchling'",
                                "  error: metadata-generation-failed"});
  EXPECT_EQ(f.cause, "ModuleNotFoundError: No module named 'hatchling'");
  EXPECT_FALSE(f.index_unreachable);
  auto b = explain_pip_failure({"* Checking dependencies...",
                                "ERROR Missing dependencies:", "\thatchling", "\teditables>=0.3"});
  EXPECT_EQ(b.cause, "the build backend's dependencies are missing: hatchling, editables>=0.3");
  auto m =
      explain_pip_failure({"      configuration error: `project.name` must be pep508-identifier",
                           "      error: subprocess-exited-with-error"});
  EXPECT_EQ(m.cause, "configuration error: `project.name` must be pep508-identifier");
  EXPECT_EQ(explain_pip_failure({"something else", "error: subprocess-exited-with-error"}).cause,
            "");
}

// structlog with Debian's hatchling and no hatch-fancy-pypi-readme: the cause is the last line
// of the backend's traceback, inside pip's output block.
TEST(PipOutputTest, BuildBackendTracebackLine) {
  auto f = explain_pip_failure({
      "  error: subprocess-exited-with-error",
      "  × Preparing editable metadata (pyproject.toml) did not run successfully.",
      "  ╰─> [20 lines of output]",
      "      Traceback (most recent call last):",
      "          raise UnknownPluginError(message)",
      "      hatchling.plugin.exceptions.UnknownPluginError: Unknown metadata hook: "
      "fancy-pypi-readme",
      "      [end of output]",
      "error: metadata-generation-failed",
  });
  EXPECT_EQ(f.cause,
            "hatchling.plugin.exceptions.UnknownPluginError: Unknown metadata hook: "
            "fancy-pypi-readme");
  EXPECT_FALSE(f.index_unreachable);
}

// pdm's repository offline with build isolation off: pdm.backend is not installed. The cause is
// the module the traceback names, and the failure is known to be the backend's.
TEST(PipOutputTest, BuildBackendThatCannotBeImported) {
  auto f = explain_pip_failure({
      "  File \"/v/lib/python3.11/site-packages/pip/_vendor/pyproject_hooks/_impl.py\", line "
      "321, in _call_hook",
      "    raise BackendUnavailable(data.get('traceback', ''))",
      "pip._vendor.pyproject_hooks._impl.BackendUnavailable: Traceback (most recent call last):",
      "  File \"<frozen importlib._bootstrap>\", line 1142, in _find_and_load_unlocked",
      "ModuleNotFoundError: No module named 'pdm'",
  });
  EXPECT_EQ(f.cause, "ModuleNotFoundError: No module named 'pdm'");
  EXPECT_TRUE(f.backend_unavailable);
  EXPECT_FALSE(
      explain_pip_failure({"ModuleNotFoundError: No module named 'x'"}).backend_unavailable);
}

TEST(TomlTest, InvalidTomlIsFileLineColumn) {
  std::vector<Diagnostic> diags;
  EXPECT_FALSE(parse_toml("[a]\nx = 1\ny = [1,\n", "pyproject.toml", diags));
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].file, "pyproject.toml");
  EXPECT_GE(diags[0].line, 3);
  EXPECT_GT(diags[0].col, 0);
  diags.clear();
  auto t = parse_toml(
      "[tool.x]\n\"a.b\" = 1\nlist = [\"p\", \"q\"]\ninline = {k = 'v'}\n"
      "s = '''multi\nline'''\n[[arr]]\nn = 1\n[[arr]]\nn = 2\n",
      "f.toml", diags);
  ASSERT_TRUE(t) << diags.at(0).str();
  EXPECT_EQ(toml_strings(toml_at(*t, "tool.x.list")).value(), (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(toml_string_at(*t, "tool.x.inline.k").value(), "v");
  EXPECT_EQ(toml_string_at(*t, "tool.x.s").value(), "multi\nline");
  EXPECT_EQ(toml_line(toml_at(*t, "tool.x.list")), 3);
  EXPECT_EQ((*t)["arr"].as_array()->size(), 2u);
}

}  // namespace
}  // namespace pw::python
