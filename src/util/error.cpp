#include "util/error.h"

namespace pw {

std::string Diagnostic::str() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) {
      out += ":" + std::to_string(line);
      if (col > 0) out += ":" + std::to_string(col);
    }
    out += ": ";
  }
  out += message;
  return out;
}

std::string join_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) {
    if (!out.empty()) out += "\n";
    out += d.str();
  }
  return out;
}

ConfigError::ConfigError(const std::vector<Diagnostic>& diagnostics)
    : Error(join_diagnostics(diagnostics), ExitCode::usage) {}

}  // namespace pw
