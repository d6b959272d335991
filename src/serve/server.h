// `pipewright serve`: the dashboard over HTTP with Debian's cpp-httplib, read-only: the pages
// (compiled-in assets), the JSON API (api.h) and server-sent events for a running build.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace pw::serve {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port
  std::vector<std::filesystem::path> projects;
  // Called once listening, with the URL (tests read it from stdout).
  std::function<void(const std::string& url)> on_listening;
};

// Blocks until SIGINT/SIGTERM. Throws pw::Error when it cannot listen (port in use, ...).
int serve(const ServeOptions& options);

// A standalone HTML page of build N (assets and API answers inline) for `report --html`.
std::string report_html(const std::filesystem::path& project_dir,
                        int build);  // build < 0: the newest

bool is_loopback(const std::string& host);

}  // namespace pw::serve
