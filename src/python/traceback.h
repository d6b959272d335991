// The line that says why a Python program died: a traceback's last line ("coverage.exceptions.
// CoverageWarning: Unrecognized option ..."), pytest's "E   ModuleNotFoundError: ..." of a
// collection error, or an argparse-style "ERROR: ..." / "error: ...". A stage that failed puts it
// in its summary instead of only an exit code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pw::python {

// The last such line of `lines` (a program's output, oldest first), trimmed and cut to 300
// characters; "" when there is none.
std::string failure_cause(const std::vector<std::string>& lines);

// A traceback's last line: "pkg.mod.SomeError: text" or "SomeError" at the start of `line` (a
// dotted name whose last part ends in Error, Exception, Warning, Exit or Interrupt).
bool is_exception_line(std::string_view line);

}  // namespace pw::python
