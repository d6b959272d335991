// SARIF 2.1.0 out of and back into Findings. The quality stage writes one quality.sarif with one
// run per tool (what code-scanning services and IDE viewers read), and later stages read it back
// instead of re-parsing each tool's own format.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "reports/findings.h"

namespace pw::reports {

struct ToolInfo {
  std::string name;             // tool.driver.name: "flake8"
  std::string version;          // tool.driver.version; "" leaves it out
  std::string information_uri;  // tool.driver.informationUri; "" leaves it out

  bool operator==(const ToolInfo&) const = default;
};

// One SARIF run: a tool and what it found. A tool that found nothing still gets a run, so a
// reader can tell "ran clean" from "did not run".
struct ToolRun {
  ToolInfo tool;
  std::vector<Finding> findings;
};

// ToolInfo for a tool pipewright runs (its home page filled in), or just the name for others.
ToolInfo tool_info(std::string_view tool, std::string_view version = {});

// Splits findings into runs by Finding::tool, in tool-name order. `versions` maps tool -> version
// for the drivers; `also` names tools to give a run even without findings.
std::vector<ToolRun> group_by_tool(const std::vector<Finding>& findings,
                                   const std::map<std::string, std::string>& versions = {},
                                   const std::vector<std::string>& also = {});

std::vector<Finding> all_findings(const std::vector<ToolRun>& runs);

struct SarifOptions {
  // The project's absolute root. When set, each run maps %SRCROOT% (the uriBaseId of every
  // relative artifact location) to it, so a viewer on this machine can open the files.
  std::string root;
};

// Deterministic: runs in the order given, results sorted (file, line, column, rule, message),
// rules sorted by id, keys in a fixed order, 2-space indentation, no timestamps. Invalid UTF-8 in
// messages is replaced by U+FFFD.
std::string write_sarif(const std::vector<ToolRun>& runs, const SarifOptions& options = {});

// Reads SARIF 2.1.0 written by write_sarif or by another tool (ruff, bandit's formatter, CodeQL):
// level from the result or the rule's default configuration (else SARIF's default, "warning"),
// severity from properties.severity or the rule's "security-severity" score, file from the first
// location's URI (percent-decoded; file:// URIs made relative to options.root).
Parsed<std::vector<ToolRun>> read_sarif(std::string_view text, const ParseOptions& options = {});
Parsed<std::vector<ToolRun>> read_sarif_file(const std::filesystem::path& path,
                                             const ParseOptions& options = {});

}  // namespace pw::reports
