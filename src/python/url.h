// The few URL questions pip asks of a requirement line, answered the way pip answers them:
// is this line a URL at all (pip's is_url), which VCS, which revision, which #egg= name, which
// #sha256= hash, what a wheel's file name says. The lock check needs them to tell a URL pinned
// to an immutable commit or hash from one that follows a branch.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pw::python {

// pip's get_url_scheme: the text before the first ':' lower-cased, or "" when there is no ':'.
std::string url_scheme(std::string_view url);
// pip's is_url: the scheme is http, https, file, ftp or one of pip's VCS schemes
// (git+https, hg+ssh, svn+http, bzr+lp, ...).
bool is_pip_url(std::string_view text);
// "git", "hg", "svn", "bzr" for a VCS URL ("git+https://..."), else "".
std::string vcs_of(std::string_view url);

// The revision after the last '@' of a VCS URL's path ("...repo.git@v1.2#egg=x" -> "v1.2"),
// or "" when none is given (the default branch: not a pin).
std::string vcs_revision(std::string_view url);
// True for a full commit id: 40 hex digits (git SHA-1, hg node) or 64 (git SHA-256).
bool is_commit_id(std::string_view rev);

// The value of #egg=name (or &egg=name), or "".
std::string egg_fragment(std::string_view url);
struct UrlHash {
  std::string algorithm;  // "sha256"
  std::string digest;
};
// The first #sha256= / #sha384= / #sha512= / #sha1= / #sha224= / #md5= fragment.
std::optional<UrlHash> hash_fragment(std::string_view url);

// The last path segment of a URL or path, without query and fragment.
std::string url_filename(std::string_view url);
// pip's is_archive_file: .zip, .whl, .tar.gz, .tgz, .tar, .tar.bz2, .tbz, .tar.xz, .txz, .tlz,
// .tar.lz, .tar.lzma (case-insensitive).
bool is_archive_file(std::string_view name);
struct WheelName {
  std::string name;     // distribution name, '_' turned back into '-'
  std::string version;  // as in the file name
};
// "pkg_name-1.0-py3-none-any.whl" -> {pkg-name, 1.0}; nullopt when not a wheel file name.
std::optional<WheelName> parse_wheel_filename(std::string_view filename);

// Hides credentials in a URL before it is shown or written to a report:
// "https://user:secret@host/x" -> "https://user:****@host/x", "https://token@host" ->
// "https://****@host". VCS-style "git+ssh://git@host" keeps the well-known user "git".
std::string redact_url(std::string_view url);

}  // namespace pw::python
