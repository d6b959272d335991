// The dashboard's JSON API under /api/, as a plain function of (path, query) so it is tested
// without sockets and reused by `pipewright report --html` to embed a build's answers in one
// page. The index (history layer) answers lists, histories and trends; a build's logs, findings
// and artifacts are read from its folder, and nothing outside the projects' build folders is
// ever read. docs/dashboard.md documents every route.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "history/index.h"

namespace pw::serve {

using Params = std::multimap<std::string, std::string>;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::filesystem::path file;  // when set, the body is this file's content (streamed)
  std::string download_name;   // Content-Disposition filename for `file`
};

struct Project {
  std::string name;
  std::filesystem::path dir;
  std::unique_ptr<history::Index> index;
  std::mutex mutex;                  // SQLite connections are not shared between threads here
  std::vector<std::string> skipped;  // damaged build folders found by the last sync
  // Each stage's needs in the project's pipeline as it is now (for the graph); empty when the
  // pipeline cannot be loaded, and the page then groups stages by when they ran.
  std::map<std::string, std::vector<std::string>> needs;
};

class Api {
 public:
  // Opens (and syncs) the index of each project; throws pw::Error when one cannot be opened.
  explicit Api(const std::vector<std::filesystem::path>& project_dirs);

  Response get(const std::string& path, const Params& params);

  std::vector<std::unique_ptr<Project>>& projects() { return projects_; }
  Project* project(const Params& params);

  // Index the project's finished builds that are missing (called on a timer by the server).
  void sync_all();

 private:
  std::vector<std::unique_ptr<Project>> projects_;
};

// The JSON body of a response: invalid UTF-8 (a tool's raw output) becomes U+FFFD.
std::string dump(const nlohmann::json& j);

// A window of a log: `offset` < 0 means the tail. Lines are never cut; `limit` bounds bytes.
nlohmann::json read_log(const std::filesystem::path& file, long long offset, long long limit);
// Lines containing `needle` (case-insensitive), with their line numbers, at most `max`.
nlohmann::json search_log(const std::filesystem::path& file, const std::string& needle, int max);
// The lines that look like failures (errors, tracebacks, FAILED, assert), from the log's tail.
nlohmann::json failing_lines(const std::filesystem::path& file, int max);

// A build's summary, stages, tests and findings, for a build the index holds or from its folder.
std::optional<nlohmann::json> build_json(Project& p, int number);
nlohmann::json tests_json(Project& p, int number);
nlohmann::json findings_json(Project& p, int number);

// A path inside build N's artifacts/ that is a regular file and no symlink leads out of; empty
// when the request names anything else (`..`, absolute, symlink, missing).
std::filesystem::path artifact_path(const std::filesystem::path& build_dir, const std::string& rel);

}  // namespace pw::serve
