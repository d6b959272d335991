// Lock enforcement: which lines are pins, every violation at once, policies, hashes, formatting.
#include "python/lock_check.h"

#include <gtest/gtest.h>

namespace pw::python {
namespace {

const std::string kLock = std::string(PW_FIXTURES) + "/python/lock";

std::string summary(const LockCheckResult& r) {
  std::string out;
  for (const auto& v : r.violations) out += format_violation(v) + "\n";
  for (const auto& d : r.diagnostics) out += d.str() + "\n";
  return out;
}

const LockViolation* at(const LockCheckResult& r, int line,
                        std::optional<ViolationKind> kind = std::nullopt) {
  for (const auto& v : r.violations)
    if (v.line == line && (!kind || v.kind == *kind)) return &v;
  return nullptr;
}

LockCheckOptions bad_txt_options() {
  LockCheckOptions o;
  o.allow["allowed-pkg"] = "tracks upstream on purpose";
  o.installed = {
      {"requests", "2.31.0"}, {"django", "4.2.11"}, {"attrs", "24.1.0"}, {"click", "8.1.7"}};
  return o;
}

TEST(LockCheck, ReportsEveryViolationAtOnce) {
  auto r = check_lock(kLock + "/bad.txt", bad_txt_options());
  EXPECT_TRUE(r.diagnostics.empty()) << summary(r);
  std::vector<std::pair<int, ViolationKind>> got;
  for (const auto& v : r.violations) got.emplace_back(v.line, v.kind);
  std::vector<std::pair<int, ViolationKind>> want = {
      {2, ViolationKind::not_pinned},
      {3, ViolationKind::range},
      {4, ViolationKind::range},
      {5, ViolationKind::wildcard},
      {6, ViolationKind::multiple_specifiers},
      {7, ViolationKind::range},
      {10, ViolationKind::range},
      {11, ViolationKind::url_not_immutable},
      {12, ViolationKind::url_not_immutable},
      {16, ViolationKind::editable_not_immutable},
      {17, ViolationKind::conflicting_pins},
      {21, ViolationKind::constraint_conflict},
      {23, ViolationKind::range},
  };
  EXPECT_EQ(got, want) << summary(r);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.hashes_required);
  // 21 requirements minus the allowed one; the -c file's lines are not checked.
  EXPECT_EQ(r.checked, 20u);
  ASSERT_EQ(r.allowed.size(), 1u);
  EXPECT_EQ(r.allowed[0].line, 19);
  EXPECT_EQ(format_allowed(r.allowed[0]),
            kLock + "/bad.txt:19: allowed-pkg >=1: allowed: tracks upstream on purpose");
  EXPECT_EQ(r.files.size(), 2u);
}

TEST(LockCheck, ReasonsAndSuggestions) {
  auto r = check_lock(kLock + "/bad.txt", bad_txt_options());
  const std::string f = kLock + "/bad.txt:";
  EXPECT_EQ(format_violation(*at(r, 2)), f + "2: requests: not pinned \u2014 use requests==2.31.0");
  EXPECT_EQ(format_violation(*at(r, 3)),
            f + "3: django >=4.2: `>=` is a range, not a pin \u2014 use django==4.2.11");
  EXPECT_EQ(format_violation(*at(r, 4)),
            f + "4: flask ~=3.0: `~=` allows any compatible release, not one version");
  EXPECT_EQ(format_violation(*at(r, 5)),
            f + "5: numpy ==1.*: wildcard `==1.*` is not one exact version");
  EXPECT_EQ(format_violation(*at(r, 6)), f + "6: click >=8,<9: `>=8,<9` is several specifiers, not "
                                             "one exact pin \u2014 use click==8.1.7");
  EXPECT_EQ(format_violation(*at(r, 7)),
            f + "7: six !=1.15: `!=` only excludes a version, it is not a pin");
  // The installed version is suggested even when it is outside the range, with a note.
  EXPECT_EQ(format_violation(*at(r, 10)), f + "10: attrs <24: `<` is a range, not a pin (installed "
                                              "24.1.0 is outside it) \u2014 use attrs==24.1.0");
  EXPECT_NE(at(r, 11)->reason.find("`@main` is a branch or tag"), std::string::npos);
  EXPECT_EQ(at(r, 11)->spec, "@ git+https://github.com/org/tool.git@main");
  EXPECT_NE(at(r, 12)->reason.find("without a hash"), std::string::npos);
  EXPECT_EQ(at(r, 16)->spec, "-e git+https://github.com/org/ed.git@v2#egg=ed");
  EXPECT_NE(at(r, 17)->reason.find("pinned ==1.0.1 here but ==1.0.0 at " + kLock + "/bad.txt:8"),
            std::string::npos);
  EXPECT_NE(at(r, 21)->reason.find("the constraint ==2.0 at " + kLock +
                                   "/constraints.txt:2 is outside `>=3`"),
            std::string::npos)
      << at(r, 21)->reason;
}

TEST(LockCheck, MarkersCanSkipLinesForATargetEnvironment) {
  auto o = bad_txt_options();
  o.environment = MarkerEnvironment{{"sys_platform", "linux"}};
  auto r = check_lock(kLock + "/bad.txt", o);
  EXPECT_FALSE(at(r, 23));
  EXPECT_EQ(r.skipped_by_marker, 1u);
}

TEST(LockCheck, CleanLockFilePasses) {
  auto r = check_lock(kLock + "/good.txt");
  EXPECT_TRUE(r.ok()) << summary(r);
  EXPECT_EQ(r.checked, 2u);
  EXPECT_TRUE(r.hashes_required);  // --hash on a line turns on pip's hash-checking mode
  EXPECT_NE(r.hashes_required_because.find("--hash at"), std::string::npos);
}

TEST(LockCheck, HashRules) {
  auto r = check_lock(kLock + "/hashes.txt");
  EXPECT_TRUE(r.hashes_required);
  EXPECT_EQ(r.hashes_required_because, "--require-hashes at " + kLock + "/hashes.txt:1");
  std::vector<std::pair<int, ViolationKind>> got;
  for (const auto& v : r.violations) got.emplace_back(v.line, v.kind);
  std::vector<std::pair<int, ViolationKind>> want = {
      {3, ViolationKind::missing_hash},
      {4, ViolationKind::cannot_hash},
      {6, ViolationKind::cannot_hash},
      {7, ViolationKind::cannot_hash},
  };
  EXPECT_EQ(got, want) << summary(r);
  EXPECT_EQ(
      format_violation(*at(r, 3)),
      kLock +
          "/hashes.txt:3: nohash ==1.0: no --hash while hashes are required (--require-hashes at " +
          kLock + "/hashes.txt:1)");
  EXPECT_NE(at(r, 4)->reason.find("pip cannot hash-check an editable requirement"),
            std::string::npos);
}

TEST(LockCheck, RequireHashesOptionAndConstraintHashes) {
  auto parsed = parse_requirements_text(
      "a==1.0\n"
      "b\n"
      "c==2.0 --hash=sha256:cc\n"
      "-c cons.txt\n",
      "mem.txt");
  // cons.txt does not exist: the diagnostic is carried into the result.
  LockCheckOptions o;
  o.require_hashes = true;
  auto r = check_lock(parsed, o);
  EXPECT_EQ(r.hashes_required_because, "the lock-check stage requires hashes");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics[0].message.find("cons.txt"), std::string::npos);
  EXPECT_FALSE(r.ok());
  std::vector<std::pair<int, ViolationKind>> got;
  for (const auto& v : r.violations) got.emplace_back(v.line, v.kind);
  EXPECT_EQ(got, (std::vector<std::pair<int, ViolationKind>>{{1, ViolationKind::missing_hash},
                                                             {2, ViolationKind::not_pinned},
                                                             {2, ViolationKind::missing_hash}}));
}

TEST(LockCheck, ConstraintPinWithHashSatisfiesTheRequirement) {
  auto parsed = read_requirements_file(std::string(PW_FIXTURES) + "/python/reqs/inc/root.txt");
  LockCheckOptions o;
  auto r = check_lock(parsed, o);
  // lib-a>=1.0 is pinned by the constraint lib-a==1.5, whose --hash also switches pip's
  // hash-checking mode on: lib-b and app lack hashes, lib-a has one through its constraint.
  // The missing include stays a diagnostic.
  EXPECT_EQ(r.diagnostics.size(), 1u);
  std::vector<std::pair<std::string, ViolationKind>> got;
  for (const auto& v : r.violations) got.emplace_back(v.name, v.kind);
  EXPECT_EQ(got, (std::vector<std::pair<std::string, ViolationKind>>{
                     {"lib-b", ViolationKind::missing_hash}, {"app", ViolationKind::missing_hash}}))
      << summary(r);
  EXPECT_TRUE(r.hashes_required);
  EXPECT_NE(r.hashes_required_because.find("constraints.txt:1"), std::string::npos);
}

TEST(LockCheck, Policies) {
  auto parsed = parse_requirements_text(
      "-e .\n"
      "./vendor/pkg\n"
      "tool @ git+https://h/tool.git@0123456789abcdef0123456789abcdef01234567\n"
      "arch @ https://h/arch-1.0.tar.gz#sha256=00\n"  // a URL hash does not switch hash mode on

      "-e git+https://h/ed.git@0123456789abcdef0123456789abcdef01234567#egg=ed\n",
      "mem.txt");
  ASSERT_TRUE(parsed.diagnostics.empty()) << join_diagnostics(parsed.diagnostics);

  LockCheckOptions defaults;
  auto r = check_lock(parsed, defaults);
  EXPECT_TRUE(r.violations.empty()) << summary(r);

  LockCheckOptions strict;
  strict.urls = Policy::forbid;
  strict.editables = Policy::forbid;
  auto s = check_lock(parsed, strict);
  std::vector<std::pair<int, ViolationKind>> got;
  for (const auto& v : s.violations) got.emplace_back(v.line, v.kind);
  EXPECT_EQ(got,
            (std::vector<std::pair<int, ViolationKind>>{{1, ViolationKind::editable_forbidden},
                                                        {2, ViolationKind::editable_forbidden},
                                                        {3, ViolationKind::url_forbidden},
                                                        {4, ViolationKind::url_forbidden},
                                                        {5, ViolationKind::editable_forbidden}}))
      << summary(s);
  EXPECT_EQ(format_violation(s.violations[0]),
            "mem.txt:1: -e .: editable requirements are not allowed by the lock policy");

  auto floating = parse_requirements_text(
      "tool @ git+https://h/tool.git@main\n-e git+https://h/ed.git#egg=ed\nx @ https://h/x.tgz\n",
      "mem.txt");
  LockCheckOptions lax;
  lax.urls = Policy::allow;
  lax.editables = Policy::allow;
  EXPECT_TRUE(check_lock(floating, lax).violations.empty());
  EXPECT_EQ(check_lock(floating, defaults).violations.size(), 3u);

  // A nameless requirement can be allowed by its path as written.
  LockCheckOptions allow_dot = strict;
  allow_dot.allow["."] = "the project itself";
  auto a = check_lock(parsed, allow_dot);
  ASSERT_EQ(a.allowed.size(), 1u);
  EXPECT_EQ(a.allowed[0].line, 1);
}

TEST(LockCheck, PinsThatCount) {
  auto parsed = parse_requirements_text(
      "a==1.0\n"
      "b===1.0-weird\n"
      "c==1.0+cpu\n"
      "D_E.f == 2.0 ; python_version >= '3'\n"
      "d-e-f==3.0 ; python_version < '3'\n"  // different pin under another marker: fine
      "g==1.0,==1.0.0\n"                     // a canonical duplicate is one specifier
      "h (==1.0)\n"
      "i[x]==1.0\n"
      "https://h/simplejson-3.19.1-py3-none-any.whl#sha256=ab\n",
      "mem.txt");
  auto r = check_lock(parsed);
  EXPECT_TRUE(r.ok()) << summary(r);
  EXPECT_EQ(r.checked, 9u);
}

TEST(LockCheck, RedactsCredentialsInReports) {
  auto parsed = parse_requirements_text("pkg @ https://user:s3cret@h/pkg-1.0.tar.gz\n", "mem.txt");
  auto r = check_lock(parsed);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].spec, "@ https://user:****@h/pkg-1.0.tar.gz");
  EXPECT_EQ(format_violation(r.violations[0]).find("s3cret"), std::string::npos);
}

TEST(LockCheck, KindNames) {
  EXPECT_EQ(violation_kind_name(ViolationKind::not_pinned), "not-pinned");
  EXPECT_EQ(violation_kind_name(ViolationKind::cannot_hash), "cannot-hash");
}

TEST(LockCheck, PathsRelativeToTheWorkspace) {
  LockCheckResult r;
  r.violations.push_back({});
  r.violations[0].file = "/build/ws/requirements-dev.txt";
  r.allowed.push_back({});
  r.allowed[0].file = "/build/ws/req/base.txt";
  r.diagnostics.push_back({});
  r.diagnostics[0].file = "/build/ws/constraints.txt";
  r.warnings.push_back({});
  r.warnings[0].file = "";  // nothing to make relative: stays empty
  make_paths_relative(r, "/build/ws");
  EXPECT_EQ(r.violations[0].file, "requirements-dev.txt");
  EXPECT_EQ(r.allowed[0].file, "req/base.txt");
  EXPECT_EQ(r.diagnostics[0].file, "constraints.txt");
  EXPECT_EQ(r.warnings[0].file, "");
}

}  // namespace
}  // namespace pw::python
