// URL helpers mirroring pip's (pip/_internal/vcs, models/link.py, utils/filetypes.py) without a
// general URL library: pip itself only splits on a handful of characters.
#include "python/url.h"

#include <array>

#include "python/ascii.h"

namespace pw::python {

namespace {

using ascii::lower_ascii;
using ascii::to_lower_ascii;

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t k = 0; k < suffix.size(); ++k)
    if (lower_ascii(s[s.size() - suffix.size() + k]) != suffix[k]) return false;
  return true;
}

constexpr std::array<std::string_view, 22> kVcsSchemes = {
    "git+http",  "git+https", "git+ssh",  "git+git",        "git+file",  "hg+file",
    "hg+http",   "hg+https",  "hg+ssh",   "hg+static-http", "svn+ssh",   "svn+http",
    "svn+https", "svn+svn",   "svn+file", "bzr+http",       "bzr+https", "bzr+ssh",
    "bzr+sftp",  "bzr+ftp",   "bzr+lp",   "bzr+file"};

// [#&]key=value up to the next '&'.
std::string fragment_value(std::string_view url, std::string_view key) {
  size_t pos = 0;
  while ((pos = url.find(key, pos)) != std::string_view::npos) {
    if (pos > 0 && (url[pos - 1] == '#' || url[pos - 1] == '&') &&
        pos + key.size() < url.size() + 1 && url.substr(pos + key.size(), 1) == "=") {
      size_t start = pos + key.size() + 1;
      size_t end = url.find('&', start);
      if (end == std::string_view::npos) end = url.size();
      return std::string(url.substr(start, end - start));
    }
    ++pos;
  }
  return "";
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

std::string url_scheme(std::string_view url) {
  size_t colon = url.find(':');
  if (colon == std::string_view::npos) return "";
  return to_lower_ascii(url.substr(0, colon));
}

bool is_pip_url(std::string_view text) {
  std::string scheme = url_scheme(text);
  if (scheme.empty()) return false;
  if (scheme == "http" || scheme == "https" || scheme == "file" || scheme == "ftp") return true;
  for (auto s : kVcsSchemes)
    if (scheme == s) return true;
  return false;
}

std::string vcs_of(std::string_view url) {
  std::string scheme = url_scheme(url);
  for (auto s : kVcsSchemes)
    if (scheme == s) return std::string(s.substr(0, s.find('+')));
  return "";
}

std::string vcs_revision(std::string_view url) {
  // urlsplit: cut fragment and query, skip "scheme://netloc", then rsplit the path on '@'.
  std::string_view u = url.substr(0, url.find('#'));
  u = u.substr(0, u.find('?'));
  size_t start = 0;
  size_t sep = u.find("://");
  if (sep != std::string_view::npos) {
    start = u.find('/', sep + 3);
    if (start == std::string_view::npos) return "";
  }
  std::string_view path = u.substr(start);
  size_t at = path.rfind('@');
  if (at == std::string_view::npos) return "";
  return std::string(path.substr(at + 1));
}

bool is_commit_id(std::string_view rev) {
  if (rev.size() != 40 && rev.size() != 64) return false;
  for (char c : rev)
    if (!is_hex(c)) return false;
  return true;
}

std::string egg_fragment(std::string_view url) { return fragment_value(url, "egg"); }

std::optional<UrlHash> hash_fragment(std::string_view url) {
  size_t best = std::string_view::npos;
  UrlHash found;
  for (std::string_view algo : {"sha512", "sha384", "sha256", "sha224", "sha1", "md5"}) {
    size_t pos = 0;
    while ((pos = url.find(algo, pos)) != std::string_view::npos) {
      if (pos > 0 && (url[pos - 1] == '#' || url[pos - 1] == '&') &&
          url.substr(pos + algo.size(), 1) == "=") {
        if (pos < best) {
          best = pos;
          size_t start = pos + algo.size() + 1;
          size_t end = url.find('&', start);
          if (end == std::string_view::npos) end = url.size();
          found = UrlHash{std::string(algo), std::string(url.substr(start, end - start))};
        }
        break;
      }
      ++pos;
    }
  }
  if (best == std::string_view::npos) return std::nullopt;
  return found;
}

std::string url_filename(std::string_view url) {
  std::string_view u = url.substr(0, url.find('#'));
  u = u.substr(0, u.find('?'));
  while (!u.empty() && u.back() == '/') u.remove_suffix(1);
  size_t slash = u.rfind('/');
  if (slash != std::string_view::npos) u = u.substr(slash + 1);
  return std::string(u);
}

bool is_archive_file(std::string_view name) {
  for (std::string_view ext : {".zip", ".whl", ".tar.bz2", ".tbz", ".tar.gz", ".tgz", ".tar",
                               ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma"}) {
    if (ends_with_ci(name, ext)) {
      // posixpath.splitext: a name that is only the extension ("/.whl") has none.
      std::string_view base = name.substr(0, name.size() - ext.size());
      size_t slash = base.rfind('/');
      std::string_view last = slash == std::string_view::npos ? base : base.substr(slash + 1);
      bool all_dots = true;
      for (char c : last) all_dots = all_dots && c == '.';
      if (!all_dots) return true;
    }
  }
  return false;
}

std::optional<WheelName> parse_wheel_filename(std::string_view filename) {
  if (!ends_with_ci(filename, ".whl")) return std::nullopt;
  std::string_view stem = filename.substr(0, filename.size() - 4);
  // name-version(-build)?-python-abi-platform
  size_t dashes = 0;
  for (char c : stem) dashes += c == '-';
  if (dashes != 4 && dashes != 5) return std::nullopt;
  size_t d1 = stem.find('-');
  size_t d2 = stem.find('-', d1 + 1);
  WheelName w;
  w.name = std::string(stem.substr(0, d1));
  for (auto& c : w.name)
    if (c == '_') c = '-';
  w.version = std::string(stem.substr(d1 + 1, d2 - d1 - 1));
  if (w.name.empty() || w.version.empty()) return std::nullopt;
  return w;
}

std::string redact_url(std::string_view url) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return std::string(url);
  size_t host_start = sep + 3;
  size_t host_end = url.find_first_of("/?#", host_start);
  if (host_end == std::string_view::npos) host_end = url.size();
  std::string_view netloc = url.substr(host_start, host_end - host_start);
  size_t at = netloc.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  std::string_view userinfo = netloc.substr(0, at);
  std::string out(url.substr(0, host_start));
  size_t colon = userinfo.find(':');
  if (colon != std::string_view::npos) {
    out += userinfo.substr(0, colon);
    out += ":****";
  } else if (userinfo == "git" || userinfo == "hg") {
    out += userinfo;  // the conventional SSH user, not a secret
  } else {
    out += "****";
  }
  out += url.substr(host_start + at);
  return out;
}

}  // namespace pw::python
