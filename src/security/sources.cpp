// Reading OSV documents from files, folders, zip archives (libarchive, in memory) and URLs
// (net::send).
#include "security/sources.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

#include "net/http.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::security {

namespace {

bool is_zip_name(std::string_view name) {
  std::string lower = to_lower(name);
  return lower.size() >= 4 && lower.substr(lower.size() - 4) == ".zip";
}

// A member name that would land outside the folder it were extracted to.
bool escapes(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.front() == '\\') return true;
  if (name.size() >= 2 && name[1] == ':') return true;  // C:...
  for (const auto& part : split(std::string(name), '/')) {
    for (const auto& p : split(part, '\\'))
      if (p == "..") return true;
  }
  return false;
}

void skip(ReadStats& stats, const std::string& file, const std::string& reason,
          const std::string& detail) {
  ++stats.skipped[reason];
  stats.diagnostics.push_back({file, 0, 0, detail});
}

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

void read_archive(struct archive* a, const std::string& name,
                  const std::function<void(SourceDocument&&)>& sink, ReadStats& stats,
                  const ReadOptions& options) {
  struct archive_entry* entry = nullptr;
  for (;;) {
    int r = archive_read_next_header(a, &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      throw Error(name + ": corrupt or truncated zip archive: " +
                  (archive_error_string(a) ? archive_error_string(a) : "unknown error"));
    }
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    const char* p = archive_entry_pathname(entry);
    std::string member = p ? p : "";
    std::string shown = name + "!" + member;
    Format format;
    if (!format_for_name(member, &format)) continue;
    if (escapes(member)) {
      skip(stats, shown, "unsafe member name", "left out: member name leaves the archive's folder");
      continue;
    }
    if (archive_entry_size_is_set(entry) &&
        static_cast<uint64_t>(archive_entry_size(entry)) > options.max_member_size) {
      skip(stats, shown, "member too large",
           "left out: larger than " + std::to_string(options.max_member_size) + " bytes");
      continue;
    }
    std::string text;
    char buf[65536];
    bool too_large = false;
    for (;;) {
      la_ssize_t n = archive_read_data(a, buf, sizeof buf);
      if (n == 0) break;
      if (n < 0) {
        throw Error(name + ": corrupt or truncated zip archive at " + member + ": " +
                    (archive_error_string(a) ? archive_error_string(a) : "unknown error"));
      }
      if (text.size() + static_cast<size_t>(n) > options.max_member_size) {
        too_large = true;  // the header lied or gave no size; keep draining is pointless
        break;
      }
      text.append(buf, static_cast<size_t>(n));
    }
    if (too_large) {
      skip(stats, shown, "member too large",
           "left out: larger than " + std::to_string(options.max_member_size) + " bytes");
      continue;
    }
    ++stats.files;
    sink(SourceDocument{shown, format, std::move(text)});
  }
}

// A zip ends with its end-of-central-directory record (22 bytes + a comment of up to 64 KiB).
// libarchive may read the members of a zip cut short before noticing anything, so a download or
// copy that lost its tail is caught here: the record must be present and end the data exactly.
void check_zip_end(std::string_view tail, const std::string& name) {
  for (size_t i = tail.size() >= 22 ? tail.size() - 22 + 1 : 0; i-- > 0;) {
    if (tail.compare(i, 4, "PK\x05\x06") != 0) continue;
    size_t comment = static_cast<unsigned char>(tail[i + 20]) |
                     (static_cast<size_t>(static_cast<unsigned char>(tail[i + 21])) << 8);
    if (i + 22 + comment == tail.size()) return;
  }
  throw Error(name + ": truncated or corrupt zip archive: no end of central directory");
}

void check_zip_file_end(const fs::path& path) {
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  if (ec) throw Error(path.string() + ": " + ec.message());
  std::ifstream in(path, std::ios::binary);
  size_t n = static_cast<size_t>(std::min<uintmax_t>(size, 65535 + 22));
  in.seekg(static_cast<std::streamoff>(size - n));
  std::string tail(n, '\0');
  if (!in.read(tail.data(), static_cast<std::streamsize>(n))) {
    throw Error(path.string() + ": cannot read the zip archive");
  }
  check_zip_end(tail, path.string());
}

ArchivePtr new_zip_reader() {
  ArchivePtr a(archive_read_new(), archive_read_free);
  if (!a) throw Error("libarchive: out of memory");
  // The seekable zip reader reads the central directory first, so a truncated archive (whose
  // central directory is cut off) is an error instead of a silently partial import.
  archive_read_support_format_zip_seekable(a.get());
  return a;
}

void read_zip_file(const fs::path& path, const std::function<void(SourceDocument&&)>& sink,
                   ReadStats& stats, const ReadOptions& options) {
  check_zip_file_end(path);
  ArchivePtr a = new_zip_reader();
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    throw Error(path.string() + ": not a readable zip archive: " +
                (archive_error_string(a.get()) ? archive_error_string(a.get()) : "unknown error"));
  }
  read_archive(a.get(), path.string(), sink, stats, options);
}

void read_plain_file(const fs::path& path, Format format,
                     const std::function<void(SourceDocument&&)>& sink, ReadStats& stats) {
  ++stats.files;
  sink(SourceDocument{path.string(), format, read_file(path)});
}

}  // namespace

bool is_url(std::string_view location) {
  return location.starts_with("http://") || location.starts_with("https://");
}

void read_zip_memory(const std::string& data, const std::string& name,
                     const std::function<void(SourceDocument&&)>& sink, ReadStats& stats,
                     const ReadOptions& options) {
  check_zip_end(
      std::string_view(data).substr(data.size() > 65535 + 22 ? data.size() - 65535 - 22 : 0), name);
  ArchivePtr a = new_zip_reader();
  if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) {
    throw Error(name + ": not a readable zip archive: " +
                (archive_error_string(a.get()) ? archive_error_string(a.get()) : "unknown error"));
  }
  read_archive(a.get(), name, sink, stats, options);
}

std::string download(const std::string& url, const ReadOptions& options) {
  net::Request request;
  request.url = url;
  request.follow_redirects = true;
  request.timeout_seconds = options.timeout_seconds;
  net::Response response;
  try {
    response = net::send(request);
  } catch (const net::TransportError& e) {
    throw Error(url + ": download failed: " + e.what());
  }
  if (!response.ok()) {
    throw Error(url + ": download failed: HTTP " + std::to_string(response.status));
  }
  return std::move(response.body);
}

void read_location(const std::string& location, const std::function<void(SourceDocument&&)>& sink,
                   ReadStats& stats, const ReadOptions& options) {
  if (is_url(location)) {
    std::string body = download(location, options);
    Format format;
    if (body.starts_with("PK")) {
      read_zip_memory(body, location, sink, stats, options);
    } else if (format_for_name(location, &format)) {
      ++stats.files;
      sink(SourceDocument{location, format, std::move(body)});
    } else {
      throw Error(location + ": neither a zip archive nor an OSV .json/.yaml document");
    }
    return;
  }
  fs::path path(location);
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw Error(location + ": no such file or folder");
  if (fs::is_directory(st)) {
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      if (it->is_regular_file(ec)) files.push_back(it->path());
    }
    if (ec) throw Error(location + ": cannot list folder: " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      Format format;
      if (format_for_name(f.filename().string(), &format)) {
        read_plain_file(f, format, sink, stats);
      } else if (is_zip_name(f.filename().string())) {
        read_zip_file(f, sink, stats, options);
      }
    }
    return;
  }
  Format format;
  if (is_zip_name(location)) {
    read_zip_file(path, sink, stats, options);
  } else if (format_for_name(location, &format)) {
    read_plain_file(path, format, sink, stats);
  } else {
    throw Error(location + ": not an OSV .json/.yaml file or .zip archive");
  }
}

}  // namespace pw::security
