// The pieces of setup-python that live in this layer: the interpreter probe's answer, the
// requirements file written from a lock, the .pth that layers a build's venv over a cached
// entry and the entry's build under its lock, pip's command lines and failure summary, the
// system stand-ins' lines, and the project's unmet dependencies.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "python/dist_info.h"
#include "python/lock_sync.h"
#include "python/pip_command.h"
#include "python/pip_output.h"
#include "python/system_packages.h"
#include "python/venv_cache.h"

namespace pw::python {
namespace {

namespace fs = std::filesystem;

TEST(InterpreterProbe, ReadsVersionPathSitesAndVenv) {
  auto f = parse_interpreter_probe("3.11.2\n/usr/bin/python3.11\n/usr/lib/a:/usr/lib/b\n",
                                   "/usr/bin/python3");
  EXPECT_EQ(f.version, "3.11.2");
  EXPECT_EQ(f.real, "/usr/bin/python3.11");
  EXPECT_EQ(f.system_sites, (std::vector<fs::path>{"/usr/lib/a", "/usr/lib/b"}));
  EXPECT_TRUE(f.has_venv);
  f = parse_interpreter_probe("3.11.2\n/usr/bin/python3.11\n\nno-venv\n", "py");
  EXPECT_FALSE(f.has_venv);
  EXPECT_TRUE(f.system_sites.empty());
  f = parse_interpreter_probe("", "/usr/bin/python3");
  EXPECT_EQ(f.version, "?");
  EXPECT_EQ(f.real, "/usr/bin/python3");
  EXPECT_NE(interpreter_probe_program().find("ensurepip"), std::string::npos);
}

TEST(LockedRequirements, PinsHashesAndSources) {
  LockFile lock;
  lock.path = "uv.lock";
  LockedPackage a;
  a.name = "attrs";
  a.version = "23.1.0";
  a.hashes = {"sha256:aa"};
  LockedPackage g;
  g.name = "tool";
  g.source_kind = "git";
  g.source = "https://example.com/tool.git?rev=main#abc123";
  g.hashes = {"sha256:bb"};
  LockedPackage e;
  e.name = "plugin";
  e.source_kind = "editable";
  e.source = "./plugin";
  e.hashes = {"sha256:cc"};
  lock.packages = {a, g, e};
  std::string text =
      locked_requirements(lock, {&lock.packages[0], &lock.packages[1], &lock.packages[2]});
  EXPECT_EQ(text,
            "# written by pipewright's setup-python from uv.lock\n"
            "--require-hashes\n"
            "attrs==23.1.0 --hash=sha256:aa\n"
            "tool @ git+https://example.com/tool.git@abc123\n"
            "-e ./plugin\n");
}

TEST(LayeredSitePth, QuotesThePathForPython) {
  EXPECT_EQ(layered_site_pth("/c/it's\\x"), "import site; site.addsitedir('/c/it\\'s\\\\x')\n");
}

TEST(PipFailureSummary, CauseAndOfflineHints) {
  EXPECT_EQ(pip_failure_summary({}, "pip install", false, true), "");
  PipFailure f{"No matching distribution found for x", false};
  EXPECT_EQ(pip_failure_summary(f, "pip install", false, true),
            "pip install failed: No matching distribution found for x");
  f.index_unreachable = true;
  EXPECT_NE(pip_failure_summary(f, "pip install", false, true).find("no_index: true"),
            std::string::npos);
  EXPECT_NE(pip_failure_summary(f, "pip install", true, true).find("upgrade_tools: false"),
            std::string::npos);
  EXPECT_EQ(pip_failure_summary(f, "pip install", true, false),
            "pip install failed: No matching distribution found for x");
}

TEST(UnmetDependencies, MissingOrExcludedVersionsNotExtras) {
  fs::path site = fs::temp_directory_path() / ("pw-unmet-" + std::to_string(::getpid()));
  fs::remove_all(site);
  fs::create_directories(site / "app-1.0.dist-info");
  std::ofstream(site / "app-1.0.dist-info" / "METADATA")
      << "Metadata-Version: 2.1\nName: app\nVersion: 1.0\n"
         "Requires-Dist: requests>=2\nRequires-Dist: attrs\nRequires-Dist: click\n"
         "Requires-Dist: pytest; extra == \"test\"\nRequires-Dist: ((unreadable\n"
         "\nRequires-Dist: body-is-not-a-header\n";
  auto missing = unmet_dependencies({site}, {{"requests", "1.0"}, {"attrs", "23.1.0"}});
  // What does not parse is left for pip to judge, as it is written.
  EXPECT_EQ(missing, (std::vector<std::string>{"requests>=2", "click", "((unreadable"}));
  fs::remove_all(site);
}

}  // namespace
}  // namespace pw::python

namespace pw::python {
namespace {

TEST(PipCommand, InstallAndVenvArgv) {
  EXPECT_EQ(pip_install_argv("/v/bin/python", {"--no-index"}, {"-r", "req.txt"}),
            (std::vector<std::string>{"/v/bin/python", "-m", "pip", "install",
                                      "--disable-pip-version-check", "--no-input", "--no-index",
                                      "-r", "req.txt"}));
  EXPECT_EQ(venv_argv("python3", "/e", true, false),
            (std::vector<std::string>{"python3", "-m", "venv", "--system-site-packages",
                                      "--without-pip", "/e"}));
  EXPECT_EQ(venv_argv("python3", "/e", false, true),
            (std::vector<std::string>{"python3", "-m", "venv", "/e"}));
}

TEST(PipCommand, IndexOptionsInPipsOrder) {
  EXPECT_TRUE(pip_index_options({}).empty());
  EXPECT_EQ(
      pip_index_options({"https://i/simple", {"https://a", "https://b"}, true, {"wheels"}, {"i"}}),
      (std::vector<std::string>{"--index-url", "https://i/simple", "--extra-index-url", "https://a",
                                "--extra-index-url", "https://b", "--no-index", "--find-links",
                                "wheels", "--trusted-host", "i"}));
}

TEST(StandIns, LogLineAndSummary) {
  StandIn ok{"pytest>=7", "pytest", "7.2.1", true};
  StandIn old{"black>=24", "black", "23.1", false};
  StandIn none{"freezegun", "freezegun", "", false};
  EXPECT_EQ(describe_stand_in(ok), "dev dependency pytest>=7: system has 7.2.1");
  EXPECT_EQ(describe_stand_in(old), "dev dependency black>=24: system has 23.1, excluded");
  EXPECT_EQ(describe_stand_in(none), "dev dependency freezegun: not installed on the system");
  EXPECT_EQ(stand_ins_summary({ok}), "; system packages stand in for 1 dev dependencies");
  EXPECT_EQ(stand_ins_summary({ok, none}),
            "; system packages stand in for 2 dev dependencies (not met: " +
                describe_unmet({ok, none}) + ")");
}

TEST(VenvCacheEnsure, BuildsOnceUnderTheLockAndRemovesAFailedEntry) {
  fs::path root = fs::temp_directory_path() / ("pw-ensure-" + std::to_string(::getpid()));
  fs::remove_all(root);
  VenvCache cache(root);
  std::vector<std::string> log;
  auto logger = [&](const std::string& l) { log.push_back(l); };
  int builds = 0;
  bool hit = true;
  auto fail = [&](const fs::path& dir) {
    ++builds;
    fs::create_directories(dir / "half");
    return std::string("pip failed");
  };
  EXPECT_EQ(cache.ensure("k1", "d", fail, logger, hit), "pip failed");
  EXPECT_FALSE(hit);
  EXPECT_FALSE(fs::exists(cache.entry_dir("k1")));
  auto build = [&](const fs::path& dir) {
    ++builds;
    fs::create_directories(dir / "lib");
    return std::string();
  };
  EXPECT_EQ(cache.ensure("k1", "d", build, logger, hit), "");
  EXPECT_FALSE(hit);
  EXPECT_TRUE(cache.is_complete("k1"));
  EXPECT_EQ(cache.ensure("k1", "d", build, logger, hit), "");
  EXPECT_TRUE(hit);
  EXPECT_EQ(builds, 2);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].rfind("building cached environment k1 in ", 0), 0u);
  fs::remove_all(root);
}

}  // namespace
}  // namespace pw::python
