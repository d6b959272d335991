// Where OSV documents come from: a file, a folder of files (recursive), a zip archive as osv.dev
// publishes per ecosystem, or an http(s) URL to one. Archives are read in memory with libarchive,
// never extracted, so a hostile archive cannot write anywhere; members whose names try to climb
// out (../, absolute) or that are too large are left out and counted.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "security/osv.h"
#include "util/error.h"

namespace pw::security {

struct SourceDocument {
  std::string name;  // "path/to/file.yaml" or "archive.zip!PYSEC-2021-1.json", for diagnostics
  Format format = Format::json;
  std::string text;
};

struct ReadOptions {
  size_t max_member_size = 64u << 20;  // larger archive members are left out (64 MiB)
  long timeout_seconds = 600;          // whole download
};

struct ReadStats {
  size_t files = 0;                       // documents handed to the sink
  std::map<std::string, size_t> skipped;  // members/files left out, by reason
  std::vector<Diagnostic> diagnostics;    // one per skip
};

// True for "http://..." and "https://...".
bool is_url(std::string_view location);

// Hands each OSV document of `location` to `sink`, in a deterministic order (sorted paths;
// archive order for zips). Files other than .json/.yaml/.yml are ignored. Throws pw::Error for a
// missing path, an unreadable file, a corrupt or truncated archive, an HTTP error or a body
// shorter than its Content-Length.
void read_location(const std::string& location, const std::function<void(SourceDocument&&)>& sink,
                   ReadStats& stats, const ReadOptions& options = {});

// Reads a zip archive already in memory (what read_location does with a download).
void read_zip_memory(const std::string& data, const std::string& name,
                     const std::function<void(SourceDocument&&)>& sink, ReadStats& stats,
                     const ReadOptions& options = {});

// Downloads a URL into memory with libcurl; throws pw::Error on failure (see read_location).
std::string download(const std::string& url, const ReadOptions& options = {});

}  // namespace pw::security
