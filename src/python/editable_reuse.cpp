#include "python/editable_reuse.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <regex>
#include <sstream>
#include <vector>

#include "python/distribution.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::python {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPlaceholder = "@PIPEWRIGHT_WORKSPACE@";
constexpr const char* kManifest = "manifest";

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// A file: URL spells the path percent-encoded (PEP 610's direct_url.json).
std::string url_path(const std::string& path) {
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) ||
        std::string_view("/-._~").find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string to_placeholder(std::string text, const fs::path& ws) {
  text = replace_all(std::move(text), ws.string(), kPlaceholder);
  return replace_all(std::move(text), url_path(ws.string()), kPlaceholder);
}

// What a module attribute `a.b.__version__` is read from, in the usual layouts.
std::vector<std::string> module_files(const std::string& dotted) {
  auto parts = split(dotted, '.');
  if (parts.size() < 2) return {};
  parts.pop_back();  // the attribute
  std::string mod = join(parts, "/");
  return {mod + "/__init__.py", mod + ".py", "src/" + mod + "/__init__.py", "src/" + mod + ".py"};
}

// The head commit and the tags, for versions that version control gives.
std::string vcs_state(const fs::path& ws) {
  fs::path git = ws / ".git";
  std::error_code ec;
  if (fs::is_regular_file(git, ec)) return "";  // a worktree's gitfile: not followed
  std::string head;
  try {
    head = std::string(trim(read_file(git / "HEAD")));
  } catch (const Error&) {
    return "";
  }
  std::string state = head;
  if (head.starts_with("ref: ")) {
    std::string ref = head.substr(5);
    try {
      state += "\n" + std::string(trim(read_file(git / ref)));
    } catch (const Error&) {
      // A packed ref: packed-refs, read below, holds it.
    }
  }
  try {
    state += "\n" + read_file(git / "packed-refs");
  } catch (const Error&) {
  }
  std::vector<std::string> tags;
  for (auto it = fs::recursive_directory_iterator(git / "refs" / "tags", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) {
      try {
        tags.push_back(fs::relative(it->path(), git).string() + " " + read_file(it->path()));
      } catch (const Error&) {
      }
    }
  std::sort(tags.begin(), tags.end());
  for (const auto& t : tags) state += "\n" + t;
  return state;
}

}  // namespace

std::optional<std::string> editable_install_key(const fs::path& ws, const std::string& extra,
                                                std::string& why_not) {
  std::set<std::string> files;
  std::string defining;
  std::error_code ec;
  for (const char* f : {"pyproject.toml", "setup.py", "setup.cfg"})
    if (fs::is_regular_file(ws / f, ec)) {
      files.insert(f);
      defining += read_file(ws / f) + "\n";
    }
  if (files.empty()) {
    why_not = "no pyproject.toml, setup.py or setup.cfg";
    return std::nullopt;
  }
  // Files the metadata is read from: directives (setup.cfg's `attr:`/`file:`, pyproject's
  // {attr = ...}, {file = [...]}, hatch's version path) and any string literal naming a file
  // (what a setup.py opens to read a version or a readme).
  static const std::regex attr_re(R"re(attr\s*[:=]\s*["']?([A-Za-z_][\w.]*))re");
  static const std::regex literal_re(R"re(["']([^"'\n\\]{1,200})["'])re");
  static const std::regex cfg_file_re(R"re(file:\s*([^\n]+))re");
  std::set<std::string> named;
  for (std::sregex_iterator it(defining.begin(), defining.end(), attr_re), end; it != end; ++it)
    for (const auto& f : module_files((*it)[1].str())) named.insert(f);
  for (std::sregex_iterator it(defining.begin(), defining.end(), literal_re), end; it != end; ++it)
    named.insert((*it)[1].str());
  for (std::sregex_iterator it(defining.begin(), defining.end(), cfg_file_re), end; it != end; ++it)
    for (auto& f : split((*it)[1].str(), ',')) named.insert(std::string(trim(f)));
  // Files setup.py builds a path to in pieces (os.path.join("pkg", "__init__.py")) are among
  // these: the packages' version modules, the readmes and the requirements files.
  for (const auto& e : fs::directory_iterator(ws, ec)) {
    std::string name = e.path().filename().string();
    if (name.starts_with("README") || (name.starts_with("requirements") && name.ends_with(".txt")))
      named.insert(name);
  }
  for (const fs::path& root : {ws, ws / "src"})
    for (const auto& e : fs::directory_iterator(root, ec))
      if (e.is_directory(ec) && fs::exists(e.path() / "__init__.py", ec))
        for (const char* v :
             {"__init__.py", "__about__.py", "_version.py", "version.py", "__version__.py"})
          named.insert(fs::relative(e.path() / v, ws).string());
  for (const auto& n : named) {
    if (n.empty() || n.front() == '/' || n.find("..") != std::string::npos) continue;
    if (fs::is_regular_file(ws / n, ec)) files.insert(fs::path(n).lexically_normal().string());
  }
  std::string material = "pipewright editable install 1\n" + extra + "\n";
  for (const auto& f : files) material += f + " " + sha256_file_hex(ws / f) + "\n";
  static const std::regex vcs_re(
      "setuptools[-_]scm|hatch[-_]vcs|versioneer|use_scm_version|pbr|dunamai|source\\s*=\\s*"
      "\"vcs\"",
      std::regex::icase);
  if (std::regex_search(defining, vcs_re)) {
    std::string state = vcs_state(ws);
    if (state.empty()) {
      why_not = "the version comes from version control and the checkout's commit cannot be read";
      return std::nullopt;
    }
    material += "vcs " + sha256_hex(state) + "\n";
  }
  return sha256_hex(material);
}

std::set<std::string> files_under(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && it->path().filename() == "__pycache__") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && !it->is_symlink(ec))
      out.insert(fs::relative(it->path(), dir).generic_string());
  }
  return out;
}

void save_editable_install(const fs::path& store, const std::string& key, const fs::path& site,
                           const fs::path& bin, const std::set<std::string>& site_before,
                           const std::set<std::string>& bin_before, const fs::path& ws) {
  std::error_code ec;
  fs::path entry = store / key;
  if (fs::exists(entry / kManifest, ec)) return;
  std::vector<std::pair<std::string, std::string>> added;  // ("site"|"bin", relative path)
  for (const auto& f : files_under(site))
    if (!site_before.count(f)) added.emplace_back("site", f);
  for (const auto& f : files_under(bin))
    if (!bin_before.count(f)) added.emplace_back("bin", f);
  // Only a dist-info in site-packages is an install pipewright can put back whole (a legacy
  // `setup.py develop` keeps its egg-info in the sources, which the next build does not have).
  bool dist_info = std::any_of(added.begin(), added.end(), [](const auto& a) {
    return a.first == "site" && a.second.ends_with(".dist-info/METADATA") &&
           std::count(a.second.begin(), a.second.end(), '/') == 1;
  });
  if (!dist_info) return;
  fs::path tmp = store / (".tmp-" + key + "-" + std::to_string(::getpid()));
  fs::remove_all(tmp, ec);
  std::string manifest;
  for (const auto& [where, rel] : added) {
    fs::path from = (where == "site" ? site : bin) / rel;
    struct stat st {};
    if (::stat(from.c_str(), &st) != 0) continue;
    fs::path to = tmp / where / rel;
    fs::create_directories(to.parent_path());
    write_file_atomic(to, to_placeholder(read_file(from), ws));
    manifest += where + "\t" + std::to_string(st.st_mode & 07777) + "\t" + rel + "\n";
  }
  write_file_atomic(tmp / kManifest, manifest);
  fs::create_directories(store);
  // Published by one rename; a concurrent build that published first wins, this copy goes.
  if (::rename(tmp.c_str(), entry.c_str()) != 0) fs::remove_all(tmp, ec);
}

bool restore_editable_install(const fs::path& store, const std::string& key, const fs::path& site,
                              const fs::path& bin, const fs::path& ws, std::string& why_not) {
  fs::path entry = store / key;
  std::string manifest;
  try {
    manifest = read_file(entry / kManifest);
  } catch (const Error&) {
    why_not = "no earlier install of these metadata files";
    return false;
  }
  std::vector<std::pair<fs::path, std::string>> files;  // target, content
  std::vector<std::pair<fs::path, mode_t>> modes;
  std::istringstream lines(manifest);
  for (std::string line; std::getline(lines, line);) {
    auto cols = split(line, '\t');
    auto mode = cols.size() == 3 ? parse_int(cols[1], 0, 07777) : parse_int("", 0, 0);
    if (!mode || (cols[0] != "site" && cols[0] != "bin") ||
        cols[2].find("..") != std::string::npos || cols[2].empty() || cols[2].front() == '/') {
      why_not = "the kept install " + entry.string() + " is damaged";
      return false;
    }
    std::string text;
    try {
      text = read_file(entry / cols[0] / cols[2]);
    } catch (const Error&) {
      why_not = "the kept install " + entry.string() + " is incomplete";
      return false;
    }
    // Inside a file: URL the workspace is percent-encoded; elsewhere it is the path as is.
    text = replace_all(std::move(text), std::string("file://") + kPlaceholder,
                       "file://" + url_path(ws.string()));
    text = replace_all(std::move(text), kPlaceholder, ws.string());
    fs::path target = (cols[0] == "site" ? site : bin) / cols[2];
    files.emplace_back(target, std::move(text));
    modes.emplace_back(target, static_cast<mode_t>(*mode));
  }
  for (const auto& [target, text] : files) {
    fs::create_directories(target.parent_path());
    write_file_atomic(target, text);
  }
  for (const auto& [target, mode] : modes) ::chmod(target.c_str(), mode);
  // RECORD lists each file's hash and size: the restored ones hold another path now.
  for (const auto& [target, text] : files) {
    if (target.filename() != "RECORD" || !target.parent_path().string().ends_with(".dist-info"))
      continue;
    std::string out;
    std::istringstream rec(text);
    for (std::string line; std::getline(rec, line);) {
      auto comma = line.find(',');
      std::string rel = line.substr(0, comma);
      fs::path p = (site / rel).lexically_normal();
      std::error_code ec;
      if (comma != std::string::npos && rel != "" && p != target && fs::is_regular_file(p, ec) &&
          std::count(line.begin(), line.end(), ',') == 2 && line.find('"') == std::string::npos) {
        std::string content = read_file(p);
        line = rel + "," + record_hash(content) + "," + std::to_string(content.size());
      }
      out += line + "\n";
    }
    write_file_atomic(target, out);
  }
  return true;
}

fs::path default_editable_store() { return cache_home() / "editable"; }

EditableReuse reuse_or_install_editable(const std::filesystem::path& store,
                                        const std::optional<std::string>& key,
                                        const std::filesystem::path& site_packages,
                                        const std::filesystem::path& bin,
                                        const std::filesystem::path& ws, std::string why_not,
                                        const std::function<exec::ProcessResult()>& run_pip,
                                        const std::function<void(const std::string&)>& log) {
  EditableReuse out;
  if (key && restore_editable_install(store, *key, site_packages, bin, ws, why_not)) {
    out.reused = true;
    log("reused pip's editable install of an earlier build with the same metadata files (key " +
        key->substr(0, 12) + ")");
    return out;
  }
  if (!why_not.empty()) log("note: pip installs the project: " + why_not);
  std::set<std::string> site_before, bin_before;
  if (key) {
    site_before = files_under(site_packages);
    bin_before = files_under(bin);
  }
  out.pip = run_pip();
  if (!out.pip.ok()) return out;
  if (key) {
    try {
      save_editable_install(store, *key, site_packages, bin, site_before, bin_before, ws);
    } catch (const Error& e) {
      log("note: pip's install was not kept for later builds: " + std::string(e.what()));
    }
  }
  return out;
}

}  // namespace pw::python
