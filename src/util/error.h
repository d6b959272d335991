// The one error style of pipewright (see CONTRIBUTING.md):
//  - Parsers and checks that can find several problems collect Diagnostics and report them all
//    at once (mold's habit), each as "file:line:col: message".
//  - Anything that must unwind to the top throws pw::Error (or a subclass); main() holds the only
//    catch, prints "pipewright: error: ...", and exits with the error's exit code.
//  - Inside a stage, problems become the stage's status and summary, never an exception that
//    escapes the stage (the engine converts a stray exception into FAILURE with its message).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace pw {

// Exit codes a script can trust; documented in the README and in --help.
enum class ExitCode : int {
  success = 0,
  failure = 1,
  usage = 2,  // bad command line or bad configuration
  unstable = 3,
  aborted = 130,
};

// A problem located in a file. line and col are 1-based; 0 means unknown.
struct Diagnostic {
  std::string file;
  int line = 0;
  int col = 0;
  std::string message;

  // "file:line:col: message", leaving out the parts that are unknown.
  std::string str() const;
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ExitCode code = ExitCode::failure)
      : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// A bad pipewright.yaml, credentials file or command line: exit code 2.
class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& message) : Error(message, ExitCode::usage) {}
  explicit ConfigError(const std::vector<Diagnostic>& diagnostics);
};

// Joins diagnostics one per line.
std::string join_diagnostics(const std::vector<Diagnostic>& diagnostics);

}  // namespace pw
