// The steps that move files: stash and unstash (in the build folder), archiveArtifacts (into
// artifacts/, fingerprinted) and junit (reports read, copied into reports/, failures UNSTABLE).
#include <algorithm>

#include "jenkinsfile/interpreter.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/strings.h"

namespace pw::jenkinsfile {

std::vector<fs::path> Interp::glob_files(const fs::path& base, const std::string& includes,
                                         const std::string& excludes) {
  std::vector<fs::path> out;
  auto incl = split(includes, ',');
  auto excl = split(excludes, ',');
  std::error_code ec;
  if (!fs::is_directory(base)) return out;
  for (auto it = fs::recursive_directory_iterator(
           base, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file()) continue;
    std::string rel = fs::relative(it->path(), base).string();
    if (rel.starts_with(".pipewright/") || rel.starts_with(".git/")) continue;
    auto any = [&](const std::vector<std::string>& pats) {
      for (auto p : pats) {
        std::string q(trim(p));
        if (q.empty()) continue;
        if (q.ends_with("/")) q += "**";
        if (glob_match(q, rel)) return true;
      }
      return false;
    };
    if (any(incl) && !any(excl)) out.push_back(rel);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void Interp::stash(const Node& n, const Scope& sc) {
  std::string name = arg_str(n, "name", sc);
  std::string includes = n.named("includes") ? arg_str(n, "includes", sc, 99) : "**";
  std::string excludes = n.named("excludes") ? arg_str(n, "excludes", sc, 99) : "";
  fs::path to = facts_.root / "stash" / name;
  std::error_code ec;
  fs::remove_all(to, ec);
  auto files = glob_files(sc.cwd, includes, excludes);
  if (files.empty() && !arg_bool(n, "allowEmpty", sc, false))
    throw StepError{"No files included in stash '" + name + "'"};
  for (const auto& f : files) {
    fs::create_directories((to / f).parent_path());
    fs::copy_file(sc.cwd / f, to / f, fs::copy_options::overwrite_existing, ec);
  }
  host_.log("[Pipeline] stash " + name + ": " + std::to_string(files.size()) + " file(s)");
}

void Interp::unstash(const Node& n, const Scope& sc) {
  std::string name = arg_str(n, "name", sc);
  fs::path from = facts_.root / "stash" / name;
  if (!fs::is_directory(from)) throw StepError{"No such saved stash '" + name + "'"};
  std::error_code ec;
  fs::copy(from, sc.cwd, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
  if (ec) throw StepError{"unstash " + name + ": " + ec.message()};
}

void Interp::archive(const Node& n, const Scope& sc) {
  std::string pattern = arg_str(n, "artifacts", sc);
  std::string excludes = n.named("excludes") ? arg_str(n, "excludes", sc, 99) : "";
  auto files = glob_files(sc.cwd, pattern, excludes);
  if (files.empty()) {
    if (arg_bool(n, "allowEmptyArchive", sc, false)) {
      host_.log("[Pipeline] archiveArtifacts: no artifacts found that match " + pattern);
      return;
    }
    throw StepError{"No artifacts found that match the file pattern \"" + pattern + "\""};
  }
  fs::path art = facts_.artifacts;
  std::error_code ec;
  for (const auto& f : files) {
    fs::create_directories((art / f).parent_path(), ec);
    fs::copy_file(sc.cwd / f, art / f, fs::copy_options::overwrite_existing, ec);
    if (ec) throw StepError{"cannot archive " + f.string() + ": " + ec.message()};
  }
  // Fingerprints as SHA-256 (Jenkins uses MD5), in sha256sum's format over all of artifacts/.
  std::string sums;
  for (const auto& f : glob_files(art, "**", "SHA256SUMS"))
    sums += sha256_file_hex(art / f) + "  " + f.string() + "\n";
  write_file_atomic(art / "SHA256SUMS", sums);
  host_.log("[Pipeline] archiveArtifacts: " + std::to_string(files.size()) +
            " file(s), fingerprints in artifacts/SHA256SUMS");
  archived_ += files.size();
}

void Interp::junit(const Node& n, const Scope& sc) {
  std::string pattern = arg_str(n, "testResults", sc);
  auto files = glob_files(sc.cwd, pattern, "");
  if (files.empty()) {
    if (arg_bool(n, "allowEmptyResults", sc, false)) return;
    throw StepError{"No test report files were found. Configuration error?"};
  }
  reports::TestTotals t;
  for (const auto& f : files) {
    auto r = reports::parse_junit_file(sc.cwd / f);
    if (!r.ok()) throw StepError{"cannot read " + f.string() + ": " + r.errors[0].str()};
    t.tests += r.value.totals.tests;
    t.passed += r.value.totals.passed;
    t.failed += r.value.totals.failed;
    t.errors += r.value.totals.errors;
    // Jenkins' junit step counts what JUnit says: an xfail is a skipped test there.
    t.skipped += r.value.totals.skipped + r.value.totals.xfailed;
    std::error_code ec;
    fs::create_directories(facts_.reports, ec);
    fs::copy_file(sc.cwd / f, facts_.reports / f.filename(), fs::copy_options::overwrite_existing,
                  ec);
  }
  host_.record_tests(t);
  std::string s =
      std::to_string(t.tests) + " tests, " + std::to_string(t.failed + t.errors) + " failed";
  host_.log("[Pipeline] junit: " + s);
  tests_summary_ = s;
  // As the JUnit plugin: failed tests make the build UNSTABLE, not FAILED.
  if (t.failed + t.errors > 0 && !arg_bool(n, "skipMarkingBuildUnstable", sc, false)) {
    result_ = worse(result_, Result::unstable);
    build_ = worse(build_, Result::unstable);
  }
}
}  // namespace pw::jenkinsfile
