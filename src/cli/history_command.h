// The build history on the command line and on the web: `history`, `show`, `log`, `tests`,
// `serve` and `report --html`, over the history index (src/history) and the dashboard (src/serve).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace pw::cli {

struct HistoryArgs {
  int limit = 20;
  std::string status, branch;
  bool rebuild = false;
  bool json = false;
};
int cmd_history(const std::filesystem::path& dir, const HistoryArgs& args);
int cmd_show(const std::filesystem::path& dir, int build, bool json);
int cmd_log(const std::filesystem::path& dir, int build, const std::string& stage, bool follow);
int cmd_tests(const std::filesystem::path& dir, const std::string& view, bool json);
int cmd_serve(const std::vector<std::filesystem::path>& projects, const std::string& host,
              int port);
int cmd_report(const std::filesystem::path& dir, int build, const std::string& html_file);

// After `run`: adds the build that just ended to the index. A failure here is a warning: the
// build folder is the record and the next `serve` or `history` adds what is missing.
void index_finished_build(const std::filesystem::path& dir, int build);

}  // namespace pw::cli
