#include "python/distribution.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <memory>
#include <set>

#include "python/names.h"
#include "python/toml.h"
#include "python/version.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::python {

namespace fs = std::filesystem;

namespace {

// Only the metadata files are held in memory; anything larger than this is not metadata.
constexpr size_t kMaxMetadataFile = 16 << 20;
// A broken archive can yield a problem per member; the first ones say enough.
constexpr size_t kMaxProblems = 20;

void add_problem(DistCheck& c, std::string p) {
  if (c.problems.size() < kMaxProblems)
    c.problems.push_back(std::move(p));
  else if (c.problems.size() == kMaxProblems)
    c.problems.push_back("(more problems left out)");
}

// Starts the check of `file`: its kind, path and size. False, with the problem added, when the
// file cannot be read.
bool begin_check(DistCheck& c, std::string kind, const fs::path& file) {
  c.kind = std::move(kind);
  c.file = file;
  std::error_code ec;
  c.size = fs::file_size(file, ec);
  if (ec) add_problem(c, "cannot read: " + ec.message());
  return !ec;
}

std::string base64url_nopad(const unsigned char* data, size_t n) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < n; i += 3) {
    unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += abc[(v >> 18) & 63];
    out += abc[(v >> 12) & 63];
    out += abc[(v >> 6) & 63];
    out += abc[v & 63];
  }
  if (i + 1 == n) {
    unsigned v = data[i] << 16;
    out += abc[(v >> 18) & 63];
    out += abc[(v >> 12) & 63];
  } else if (i + 2 == n) {
    unsigned v = (data[i] << 16) | (data[i + 1] << 8);
    out += abc[(v >> 18) & 63];
    out += abc[(v >> 12) & 63];
    out += abc[(v >> 6) & 63];
  }
  return out;
}

std::string hex_to_record_hash(const std::string& hex) {
  unsigned char raw[32];
  for (size_t i = 0; i < 32 && 2 * i + 1 < hex.size(); ++i)  // (hex is our own SHA-256 digest)
    raw[i] = static_cast<unsigned char>(parse_uint(hex.substr(2 * i, 2), 255, 16).value_or(0));
  return "sha256=" + base64url_nopad(raw, sizeof raw);
}

// A member name that would land outside the folder it is unpacked into.
bool unsafe_name(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find('\\') != std::string::npos) return true;
  for (const auto& part : split(name, '/'))
    if (part == "..") return true;
  return false;
}

// One CSV row as Python's csv module writes it: fields separated by ',', quoted with '"' when
// they hold a comma or quote, a quote inside doubled.
std::vector<std::string> csv_row(std::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::string archive_error(struct archive* a) {
  const char* e = archive_error_string(a);
  return e ? e : "unknown error";
}

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

// A zip ends with its end-of-central-directory record (22 bytes + a comment of up to 64 KiB);
// a copy cut short has none, though libarchive may read its first members without complaint.
bool zip_has_end(const fs::path& path) {
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  if (ec || size < 22) return false;
  std::ifstream in(path, std::ios::binary);
  size_t n = static_cast<size_t>(std::min<uintmax_t>(size, 65535 + 22));
  in.seekg(static_cast<std::streamoff>(size - n));
  std::string tail(n, '\0');
  if (!in.read(tail.data(), static_cast<std::streamsize>(n))) return false;
  for (size_t i = n - 22 + 1; i-- > 0;) {
    if (tail.compare(i, 4, "PK\x05\x06") != 0) continue;
    size_t comment = static_cast<unsigned char>(tail[i + 20]) |
                     (static_cast<size_t>(static_cast<unsigned char>(tail[i + 21])) << 8);
    if (i + 22 + comment == n) return true;
  }
  return false;
}

struct Member {
  std::string record_hash;  // "sha256=..."
  std::uint64_t size = 0;
};

// Reads every regular member: hash and size of each, the text of those `keep` selects. Returns
// false (with a problem added) when the archive is unreadable or cut short.
bool read_members(struct archive* a, DistCheck& c, std::map<std::string, Member>& members,
                  const std::function<bool(const std::string&)>& keep,
                  std::map<std::string, std::string>& kept) {
  struct archive_entry* entry = nullptr;
  std::vector<char> buf(1 << 16);
  for (;;) {
    int r = archive_read_next_header(a, &entry);
    if (r == ARCHIVE_EOF) return true;
    if (r < ARCHIVE_WARN) {
      add_problem(c, "corrupt or truncated archive: " + archive_error(a));
      return false;
    }
    const char* p = archive_entry_pathname(entry);
    std::string name = p ? p : "";
    if (unsafe_name(name))
      add_problem(c, "member '" + name + "' would be written outside its folder");
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    if (members.count(name)) add_problem(c, "member '" + name + "' appears twice");
    Sha256 h;
    std::uint64_t size = 0;
    std::string text;
    bool want = keep(name);
    for (;;) {
      la_ssize_t n = archive_read_data(a, buf.data(), buf.size());
      if (n == 0) break;
      if (n < 0) {
        add_problem(c, "corrupt or truncated archive at '" + name + "': " + archive_error(a));
        return false;
      }
      h.update(std::string_view(buf.data(), static_cast<size_t>(n)));
      size += static_cast<std::uint64_t>(n);
      if (want && text.size() < kMaxMetadataFile) text.append(buf.data(), static_cast<size_t>(n));
    }
    members[name] = Member{hex_to_record_hash(h.hex_digest()), size};
    ++c.members;
    if (want) kept[name] = std::move(text);
  }
}

bool same_version(const std::string& a, const std::string& b) {
  auto va = Version::parse(a);
  auto vb = Version::parse(b);
  if (va.ok() && vb.ok()) return *va == *vb;
  return a == b;
}

void compare_with_project(DistCheck& c, const PyProject& expected, const std::string& what) {
  if (!expected.has_project) return;
  if (!expected.name.empty() && normalize_name(expected.name) != normalize_name(c.name))
    add_problem(
        c, what + " Name '" + c.name + "' is not pyproject.toml's name '" + expected.name + "'");
  if (!expected.version_dynamic && !expected.version.empty() &&
      !same_version(expected.version, c.version))
    add_problem(c, what + " Version '" + c.version + "' is not pyproject.toml's version '" +
                       expected.version + "'");
}

}  // namespace

std::string CoreMetadata::get(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

CoreMetadata parse_core_metadata(std::string_view text) {
  CoreMetadata m;
  std::string last;
  for (const auto& raw : split_lines(text)) {
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) break;  // the body (the long description) starts here
    if (line.front() == ' ' || line.front() == '\t') {
      if (!last.empty()) m.headers[last] += "\n" + std::string(trim(line));
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string key = to_lower(trim(line.substr(0, colon)));
    if (m.headers.count(key)) {
      last.clear();
      continue;
    }
    m.headers[key] = std::string(trim(line.substr(colon + 1)));
    last = key;
  }
  return m;
}

PyProject read_pyproject(std::string_view text, const std::string& file) {
  toml::table doc = parse_toml_or_throw(text, file);
  PyProject p;
  const auto* project = doc.get_as<toml::table>("project");
  if (!project) return p;
  p.has_project = true;
  // A key of the wrong type is as wrong as bad TOML for the checks that compare with it.
  auto string_key = [&](const char* key) -> std::string {
    const auto* n = project->get(key);
    if (!n) return {};
    if (auto s = n->value<std::string>()) return *s;
    throw Error(file + ":" + std::to_string(toml_line(n)) + ":" +
                std::to_string(n->source().begin.column) + ": project." + key +
                " must be a string");
  };
  p.name = string_key("name");
  p.version = string_key("version");
  if (const auto* d = project->get("dynamic")) {
    if (!d->is_array())
      throw Error(file + ":" + std::to_string(toml_line(d)) + ": project.dynamic must be an array");
    for (const auto& s : toml_strings(d).value_or(std::vector<std::string>{}))
      if (s == "version") p.version_dynamic = true;
  }
  return p;
}

std::string record_hash(std::string_view data) { return hex_to_record_hash(sha256_hex(data)); }

DistCheck verify_wheel(const fs::path& wheel, const PyProject& expected) {
  DistCheck c;
  if (!begin_check(c, "wheel", wheel)) return c;
  // {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl
  std::string stem = wheel.filename().string();
  if (stem.size() <= 4 || stem.substr(stem.size() - 4) != ".whl") {
    add_problem(c, "a wheel's file name ends in .whl");
    return c;
  }
  auto parts = split(stem.substr(0, stem.size() - 4), '-');
  if (parts.size() != 5 && parts.size() != 6) {
    add_problem(c, "the file name is not {name}-{version}-{python}-{abi}-{platform}.whl");
    return c;
  }
  const std::string file_name = parts[0], file_version = parts[1];
  if (!zip_has_end(wheel)) {
    add_problem(c, "not a complete zip archive (no end of central directory: truncated?)");
    return c;
  }
  ArchivePtr a(archive_read_new(), archive_read_free);
  archive_read_support_format_zip_seekable(a.get());
  if (archive_read_open_filename(a.get(), wheel.c_str(), 1 << 16) != ARCHIVE_OK) {
    add_problem(c, "not a readable zip archive: " + archive_error(a.get()));
    return c;
  }
  std::map<std::string, Member> members;
  std::map<std::string, std::string> kept;
  auto is_meta = [](const std::string& n) {
    auto slash = n.find('/');
    if (slash == std::string::npos || n.find('/', slash + 1) != std::string::npos) return false;
    std::string dir = n.substr(0, slash), file = n.substr(slash + 1);
    return dir.ends_with(".dist-info") &&
           (file == "METADATA" || file == "RECORD" || file == "WHEEL");
  };
  if (!read_members(a.get(), c, members, is_meta, kept)) return c;

  std::set<std::string> dist_infos;
  for (const auto& [n, m] : members) {
    auto slash = n.find('/');
    if (slash != std::string::npos && n.substr(0, slash).ends_with(".dist-info"))
      dist_infos.insert(n.substr(0, slash));
  }
  if (dist_infos.size() != 1) {
    add_problem(c, dist_infos.empty() ? "no *.dist-info folder"
                                      : "more than one *.dist-info folder: " +
                                            join({dist_infos.begin(), dist_infos.end()}, ", "));
    return c;
  }
  const std::string di = *dist_infos.begin();
  for (const char* f : {"METADATA", "WHEEL", "RECORD"})
    if (!kept.count(di + "/" + f)) add_problem(c, di + "/" + f + " is missing");
  if (!c.problems.empty()) return c;

  CoreMetadata meta = parse_core_metadata(kept[di + "/METADATA"]);
  c.name = meta.name();
  c.version = meta.version();
  if (c.name.empty() || c.version.empty()) add_problem(c, "METADATA has no Name or no Version");
  if (normalize_name(file_name) != normalize_name(c.name) || !same_version(file_version, c.version))
    add_problem(c, "the file name says " + file_name + " " + file_version + ", METADATA says " +
                       c.name + " " + c.version);
  std::string di_stem = di.substr(0, di.size() - std::string(".dist-info").size());
  auto dash = di_stem.rfind('-');
  if (dash == std::string::npos ||
      normalize_name(di_stem.substr(0, dash)) != normalize_name(c.name) ||
      !same_version(di_stem.substr(dash + 1), c.version))
    add_problem(c, di + " does not name " + c.name + " " + c.version);
  compare_with_project(c, expected, "METADATA");

  // RECORD: every member once, with its hash and size; RECORD itself (and its signatures)
  // cannot hold their own hash.
  std::set<std::string> recorded;
  int row_no = 0;
  for (const auto& raw : split_lines(kept[di + "/RECORD"])) {
    ++row_no;
    std::string line = raw;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    auto row = csv_row(line);
    std::string where = di + "/RECORD:" + std::to_string(row_no) + ": ";
    if (row.size() != 3) {
      add_problem(c, where + "a row has 3 fields (path, hash, size)");
      continue;
    }
    const std::string& path = row[0];
    if (!recorded.insert(path).second) add_problem(c, where + "'" + path + "' is listed twice");
    bool self = path == di + "/RECORD" || path == di + "/RECORD.jws" || path == di + "/RECORD.p7s";
    auto m = members.find(path);
    if (m == members.end()) {
      add_problem(c, where + "lists '" + path + "', which the wheel does not hold");
      continue;
    }
    if (self) continue;
    if (row[1].empty()) {
      add_problem(c, where + "'" + path + "' has no hash");
      continue;
    }
    if (!row[1].starts_with("sha256=")) {
      add_problem(c, where + "'" + path + "' is hashed with " + row[1].substr(0, row[1].find('=')) +
                         "; pipewright checks sha256, which every current build backend writes");
      continue;
    }
    if (row[1] != m->second.record_hash)
      add_problem(c, where + "the sha256 of '" + path + "' does not match its content (" +
                         m->second.record_hash + " in the wheel, " + row[1] + " in RECORD)");
    if (row[2] != std::to_string(m->second.size))
      add_problem(c, where + "the size of '" + path + "' is " + std::to_string(m->second.size) +
                         ", RECORD says " + (row[2].empty() ? "nothing" : row[2]));
  }
  for (const auto& [n, m] : members) {
    bool self = n == di + "/RECORD" || n == di + "/RECORD.jws" || n == di + "/RECORD.p7s";
    if (!self && !recorded.count(n))
      add_problem(c, "'" + n + "' is in the wheel but not in RECORD");
  }
  return c;
}

DistCheck verify_sdist(const fs::path& sdist, const PyProject& expected) {
  DistCheck c;
  if (!begin_check(c, "sdist", sdist)) return c;
  std::string fname = sdist.filename().string();
  if (!fname.ends_with(".tar.gz")) {
    add_problem(c, "an sdist's file name ends in .tar.gz");
    return c;
  }
  std::string top = fname.substr(0, fname.size() - 7);
  auto dash = top.rfind('-');
  if (dash == std::string::npos) {
    add_problem(c, "the file name is not {name}-{version}.tar.gz");
    return c;
  }
  ArchivePtr a(archive_read_new(), archive_read_free);
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), sdist.c_str(), 1 << 16) != ARCHIVE_OK) {
    add_problem(c, "not a readable tar.gz archive: " + archive_error(a.get()));
    return c;
  }
  std::map<std::string, Member> members;
  std::map<std::string, std::string> kept;
  std::string pkg_info = top + "/PKG-INFO";
  bool complete = read_members(
      a.get(), c, members, [&](const std::string& n) { return n == pkg_info; }, kept);
  if (complete && archive_filter_code(a.get(), 0) != ARCHIVE_FILTER_GZIP)
    add_problem(c, "not gzip-compressed");
  if (!complete) return c;
  if (members.empty()) {
    add_problem(c, "the archive holds no files");
    return c;
  }
  for (const auto& [n, m] : members) {
    if (!n.starts_with(top + "/")) {
      add_problem(c, "'" + n + "' is not under the top folder " + top + "/");
      break;
    }
  }
  if (!kept.count(pkg_info)) {
    add_problem(c, pkg_info + " is missing");
    return c;
  }
  CoreMetadata meta = parse_core_metadata(kept[pkg_info]);
  c.name = meta.name();
  c.version = meta.version();
  if (c.name.empty() || c.version.empty()) add_problem(c, "PKG-INFO has no Name or no Version");
  if (normalize_name(top.substr(0, dash)) != normalize_name(c.name) ||
      !same_version(top.substr(dash + 1), c.version))
    add_problem(c, "the file name says " + top.substr(0, dash) + " " + top.substr(dash + 1) +
                       ", PKG-INFO says " + c.name + " " + c.version);
  compare_with_project(c, expected, "PKG-INFO");
  return c;
}

void check_dists_agree(std::vector<DistCheck>& checks) {
  if (checks.size() < 2) return;
  const auto& a = checks.front();
  for (auto& c : checks)
    // Names compare as PEP 503 normalises them and versions as PEP 440 does: setuptools writes
    // a setup.cfg name "tokenize_rt" as is in the sdist's PKG-INFO and as "tokenize-rt" in the
    // wheel's METADATA, one distribution.
    if (c.ok() &&
        (normalize_name(c.name) != normalize_name(a.name) || !same_version(c.version, a.version)))
      c.problems.push_back("names " + c.name + " " + c.version + ", the wheel " + a.name + " " +
                           a.version);
}

}  // namespace pw::python
