// The history index: adding builds, rebuilding from the folders, damaged folders, migrations and
// a database from a newer pipewright.
#include "history/index.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <memory>

#include "engine/build_store.h"
#include "fixture.h"
#include "history/sqlite.h"
#include "util/error.h"
#include "util/fs.h"

namespace pw::history {
namespace {

using pw::testing::FakeBuild;
using pw::testing::put;
using pw::testing::write_build;

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pw-history-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  // Builds 1 (all pass), 2 (test_b fails), 3 (test_b still fails, a vulnerability appears).
  void three_builds() {
    write_build(dir_, {.number = 1});
    write_build(dir_, {.number = 2,
                       .status = "UNSTABLE",
                       .tests = {{"test_a", "passed"}, {"test_b", "failed"}},
                       .coverage = 0.8});
    write_build(dir_, {.number = 3,
                       .status = "UNSTABLE",
                       .commit = "beef",
                       .tests = {{"test_a", "passed"}, {"test_b", "failed"}, {"test_c", "skipped"}},
                       .coverage = 0.8,
                       .vulns = 1});
  }
  fs::path dir_;
};

TEST_F(IndexTest, AddsBuildsAndAnswersWithTheirFacts) {
  three_builds();
  Index idx(dir_);
  auto r = idx.sync();
  EXPECT_EQ(r.added, 3);
  EXPECT_TRUE(r.skipped.empty());
  auto list = idx.builds({});
  ASSERT_EQ(list["total"], 3);
  const auto& newest = list["builds"][0];
  EXPECT_EQ(newest["number"], 3);
  EXPECT_EQ(newest["status"], "UNSTABLE");
  EXPECT_EQ(newest["tests"]["failed"], 1);
  EXPECT_EQ(newest["tests"]["skipped"], 1);
  EXPECT_EQ(newest["findings"]["high"], 1);
  EXPECT_EQ(newest["new_findings"], 1);
  EXPECT_EQ(newest["message"], "commit beef");
  EXPECT_NEAR(newest["coverage"].get<double>(), 80.0, 0.01);

  auto b = idx.build(3);
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)["stages"].size(), 2u);
  EXPECT_EQ((*b)["artifacts"][0]["path"], "dist/app.tar.gz");
  EXPECT_EQ((*b)["artifacts"][0]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ((*b)["previous"], 2);
  EXPECT_EQ((*b)["diff"]["newly_failing"].size(), 0u);
  auto b2 = idx.build(2);
  EXPECT_EQ((*b2)["diff"]["newly_failing"][0], "tests/test_m.py::test_b");
  EXPECT_NEAR((*b2)["diff"]["coverage_delta"].get<double>(), -10.0, 0.01);

  // Failures first, with where they failed and since when.
  auto tests = idx.tests_of(3);
  ASSERT_EQ(tests.size(), 3u);
  EXPECT_EQ(tests[0]["nodeid"], "tests/test_m.py::test_b");
  EXPECT_EQ(tests[0]["message"], "assert 1 == 2");
  EXPECT_EQ(tests[0]["file"], "tests/test_m.py");
  EXPECT_EQ(tests[0]["line"], 7);
  EXPECT_EQ(tests[0]["history"]["first_failed"], 2);
  EXPECT_EQ(tests[0]["history"]["failing_since"], 2);
  EXPECT_EQ(tests[0]["history"]["last_passed"], 1);
  // Builds 1 and 2 share commit c0ffee, where test_b passed and then failed: flaky.
  EXPECT_TRUE(tests[0]["history"]["flaky"].get<bool>());

  auto h = idx.test_history("tests/test_m.py::test_b", 10);
  ASSERT_EQ(h["runs"].size(), 3u);
  EXPECT_EQ(h["runs"][2]["outcome"], "passed");
  auto t = idx.trends(10);
  EXPECT_EQ(t["builds"].size(), 3u);
  EXPECT_EQ(t["tests"]["failed"][1], 1);
  EXPECT_EQ(t["stage_duration_ms"]["tests"].size(), 3u);
  EXPECT_EQ(idx.tests_overview("flaky", 30, 10)["tests"].size(), 1u);
  EXPECT_EQ(idx.tests_overview("grid", 30, 10)["tests"][0]["cells"], "PFF");
}

// The dependency scan's findings are counted from reports/dependency-scan.json (what the stage
// writes), and from the JSON that builds before it kept as dependency-check-report.json; the
// Dependency-Check schema now under that name is not mistaken for an empty list of findings.
TEST_F(IndexTest, CountsDependencyFindingsOfNewAndOldBuilds) {
  write_build(dir_, {.number = 1, .vulns = 2, .old_dependency_report = true});
  write_build(dir_, {.number = 2, .vulns = 3});
  write_build(dir_, {.number = 3, .vulns = 0});
  // Only Dependency-Check's schema (OWASP Dependency-Check's own report, or a scan restored from
  // an entry cached before dependency-scan.json was kept): its vulnerabilities count.
  fs::path b4 = write_build(dir_, {.number = 4});
  fs::remove(b4 / "reports" / "dependency-scan.json");
  put(b4 / "reports" / "dependency-check-report.json", R"({"reportSchema": "1.1",
    "scanInfo": {"engineVersion": "9.0.9"},
    "dependencies": [{"fileName": "black:23.1.0", "packages": [{"id": "pkg:pypi/black@23.1.0"}],
      "vulnerabilities": [{"name": "CVE-2024-21503", "severity": "MEDIUM",
        "vulnerableSoftware": [{"software": {"id": "pkg:pypi/black@23.1.0",
                                             "versionEndExcluding": "24.3.0"}}]}]},
      {"fileName": "attrs:22.2.0"}]})");
  Index idx(dir_);
  idx.sync();
  auto list = idx.builds({});
  ASSERT_EQ(list["builds"].size(), 4u);
  EXPECT_EQ(list["builds"][0]["findings"]["medium"], 1);
  EXPECT_EQ(list["builds"][0]["findings"]["high"], 0);
  list["builds"].erase(0);
  EXPECT_EQ(list["builds"][0]["findings"]["high"], 0);
  EXPECT_EQ(list["builds"][1]["findings"]["high"], 3);
  EXPECT_EQ(list["builds"][2]["findings"]["high"], 2);
  auto b2 = idx.build(2);
  ASSERT_TRUE(b2);
  EXPECT_TRUE((*b2)["problems"].empty()) << (*b2)["problems"].dump();
}

TEST_F(IndexTest, FiltersAndPages) {
  three_builds();
  write_build(dir_, {.number = 4, .branch = "feature"});
  Index idx(dir_);
  idx.sync();
  auto unstable = idx.builds({.status = "UNSTABLE"});
  EXPECT_EQ(unstable["total"], 2);
  auto feature = idx.builds({.branch = "feature"});
  ASSERT_EQ(feature["total"], 1);
  EXPECT_EQ(feature["builds"][0]["number"], 4);
  auto page2 = idx.builds({.limit = 2, .offset = 2});
  ASSERT_EQ(page2["builds"].size(), 2u);
  EXPECT_EQ(page2["builds"][0]["number"], 2);
}

TEST_F(IndexTest, RebuildsFromTheFoldersAfterTheFileIsDeleted) {
  three_builds();
  {
    Index idx(dir_);
    idx.sync();
  }
  fs::remove(Index::default_path(dir_));
  Index idx(dir_);
  EXPECT_FALSE(idx.build(3));  // listed from the folders meanwhile, but not indexed
  EXPECT_FALSE(idx.builds({})["builds"][0].value("indexed", true));
  auto r = idx.rebuild();
  EXPECT_EQ(r.added, 3);
  EXPECT_EQ(idx.builds({})["total"], 3);
  EXPECT_EQ(idx.tests_of(3)[0]["history"]["first_failed"], 2);
}

TEST_F(IndexTest, ADamagedFolderIsReportedAndSkipped) {
  three_builds();
  put(dir_ / ".pipewright/builds/2/build.json", "{\"number\": 2, \"stat");  // cut mid-write
  fs::create_directories(dir_ / ".pipewright/builds/5");                    // no build.json at all
  put(dir_ / ".pipewright/builds/3/reports/report.xml", "<testsuites><testsuite><testcase name=");
  Index idx(dir_);
  auto r = idx.sync();
  EXPECT_EQ(r.added, 2);
  ASSERT_EQ(r.skipped.size(), 2u);
  EXPECT_NE(r.skipped[0].find("builds/2"), std::string::npos);
  EXPECT_NE(r.skipped[0].find("damaged"), std::string::npos);
  EXPECT_NE(r.skipped[1].find("builds/5"), std::string::npos);
  EXPECT_THROW(idx.add(2), Error);
  // The build with the truncated JUnit report is kept, with the problem named.
  auto b = idx.build(3);
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)["tests"]["total"], 0);
  ASSERT_EQ((*b)["problems"].size(), 1u);
  EXPECT_NE((*b)["problems"][0].get<std::string>().find("report.xml"), std::string::npos);
}

TEST_F(IndexTest, ARunningBuildIsListedFromItsFolderAndAddedWhenItEnds) {
  three_builds();
  // Running means a live process holds the build (engine/build_store.h): here, this test. A
  // RUNNING record nobody holds is a killed build, and is read as ABORTED.
  auto holder = std::make_unique<engine::BuildStore>(dir_);
  holder->open(4, /*create=*/true);
  write_build(dir_, {.number = 4, .status = "RUNNING"});
  Index idx(dir_);
  idx.sync();
  auto list = idx.builds({});
  EXPECT_EQ(list["total"], 4);
  EXPECT_EQ(list["builds"][0]["number"], 4);
  EXPECT_TRUE(list["builds"][0]["running"].get<bool>());
  EXPECT_FALSE(idx.build(4));
  write_build(dir_, {.number = 4, .status = "SUCCESS"});
  holder.reset();
  idx.add(4);
  EXPECT_FALSE(idx.builds({})["builds"][0]["running"].get<bool>());
  EXPECT_TRUE(idx.build(4));
}

TEST_F(IndexTest, SyncNoticesChangedAndDeletedFolders) {
  three_builds();
  Index idx(dir_);
  idx.sync();
  fs::remove_all(dir_ / ".pipewright/builds/1");
  auto r = idx.sync();
  EXPECT_EQ(r.removed, 1);
  EXPECT_EQ(r.added, 0);
  EXPECT_EQ(idx.builds({})["total"], 2);
}

int user_version(const fs::path& db) {
  sqlite3* h = nullptr;
  sqlite3_open(db.c_str(), &h);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &s, nullptr);
  sqlite3_step(s);
  int v = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(h);
  return v;
}

void exec(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  sqlite3_open(db.c_str(), &h);
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_close(h);
}

// Version 4 changed how tests are kept (one packed record a build): the migration empties the
// index, which is a cache of the folders, and the next sync reads them again.
TEST_F(IndexTest, MigratesAVersionOneDatabaseForwardAndRefillsItFromTheFolders) {
  fs::path db = Index::default_path(dir_);
  fs::create_directories(db.parent_path());
  exec(db, std::string(migrations()[0]) + "PRAGMA user_version = 1;" +
               "INSERT INTO builds(number, status, commit_sha, branch, passed, failed, errors, "
               "skipped, tests, quality, "
               "vulns, image_vulns, critical, high, medium, low, record_mtime) VALUES(7, "
               "'SUCCESS', 'abc', 'main', 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0);"
               "INSERT INTO test_names(id, nodeid) VALUES(1, 'tests/test_m.py::test_a');"
               "INSERT INTO tests(build, test, outcome, duration_us) VALUES(7, 1, 0, 5);");
  ASSERT_EQ(user_version(db), 1);
  write_build(dir_, {.number = 7, .tests = {{"test_a", "passed"}, {"test_b", "failed"}}});
  {
    Index idx(dir_);
    EXPECT_FALSE(idx.has(7));  // the old row is gone with the old tests table
    EXPECT_EQ(idx.sync().added, 1);
    EXPECT_EQ(idx.builds({})["builds"][0]["commit"], "c0ffee");  // read from the folder again
    EXPECT_EQ(idx.tests_of(7).size(), 2u);
  }
  EXPECT_EQ(user_version(db), schema_version());
  Db ro(db, true);
  Stmt gone(ro, "SELECT count(*) FROM sqlite_master WHERE name IN ('tests', 'test_runs')");
  ASSERT_TRUE(gone.step());
  EXPECT_EQ(gone.integer(0), 1);  // test_runs only
}

TEST_F(IndexTest, KeepsEachStagesNeedsAsTheBuildRecordedThem) {
  fs::path dir = write_build(dir_, {.number = 1});
  auto j = nlohmann::json::parse(read_file(dir / "build.json"));
  j["stages"][1]["needs"] = {"checkout"};
  put(dir / "build.json", j.dump());
  Index idx(dir_);
  idx.sync();
  auto b = idx.build(1);
  ASSERT_TRUE(b);
  EXPECT_FALSE((*b)["stages"][0].contains("needs"));  // not recorded: the API fills it in
  EXPECT_EQ((*b)["stages"][1]["needs"], nlohmann::json({"checkout"}));
}

TEST_F(IndexTest, RefusesADatabaseFromANewerPipewrightAndLeavesItAlone) {
  fs::path db = Index::default_path(dir_);
  fs::create_directories(db.parent_path());
  exec(db, "CREATE TABLE future(x); PRAGMA user_version = 99;");
  std::string before = read_file(db);
  try {
    Index idx(dir_);
    FAIL() << "opened a schema 99 database";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("newer than this pipewright"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(read_file(db), before);
  EXPECT_FALSE(fs::exists(db.string() + "-wal"));
}

TEST_F(IndexTest, ReadsEveryJUnitCaseOncePerNodeId) {
  // pytest writes a test that fails and then errors in teardown as two testcases.
  put(dir_ / "r.xml",
      "<testsuite><testcase classname=\"t.test_x\" name=\"test_1\" time=\"0.1\"><failure "
      "message=\"boom\"/></testcase>"
      "<testcase classname=\"t.test_x\" name=\"test_1\" time=\"0.2\"><error "
      "message=\"teardown\"/></testcase>"
      "<testcase classname=\"t.test_x\" name=\"test_2\" time=\"1\"/></testsuite>");
  std::vector<std::string> problems;
  auto cases = read_junit_cases(dir_ / "r.xml", problems);
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].nodeid, "t/test_x.py::test_1");
  EXPECT_EQ(cases[0].outcome, Outcome::failed);
  EXPECT_EQ(cases[0].message, "boom");
  EXPECT_EQ(cases[1].duration_us, 1000000);
  EXPECT_TRUE(problems.empty());
}

// 16 or more builds to add go through the bulk path (a few transactions, the names in memory,
// the folders read on several threads): what it answers must equal what
// one add per build gives, a damaged folder included.
TEST_F(IndexTest, BulkLoadAnswersAsOneAddPerBuild) {
  for (int n = 1; n <= 40; ++n) {
    std::map<std::string, std::string> tests = {{"test_a", "passed"},
                                                {"test_b", n % 3 ? "passed" : "failed"},
                                                {"test_" + std::to_string(n), "passed"}};
    write_build(dir_, {.number = n,
                       .status = n % 3 ? "SUCCESS" : "UNSTABLE",
                       .branch = n % 2 ? "main" : "feature",
                       .tests = tests,
                       .vulns = n % 5});
  }
  put(dir_ / ".pipewright/builds/17/build.json", "{\"number\": 17, \"stat");  // damaged
  fs::path one = dir_.string() + "-one";
  fs::remove_all(one);
  fs::create_directories(one);
  fs::copy(dir_ / ".pipewright", one / ".pipewright", fs::copy_options::recursive);

  Index bulk(dir_);
  auto r = bulk.sync();
  EXPECT_EQ(r.added, 39);
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_NE(r.skipped[0].find("builds/17"), std::string::npos);

  Index single(one);
  for (int n = 1; n <= 40; ++n)
    if (n != 17) single.add(n);

  EXPECT_EQ(bulk.builds({.limit = 100}).dump(), single.builds({.limit = 100}).dump());
  for (int n : {1, 3, 39, 40}) {
    EXPECT_EQ(bulk.build(n)->dump(), single.build(n)->dump()) << n;
    EXPECT_EQ(bulk.tests_of(n).dump(), single.tests_of(n).dump()) << n;
  }
  EXPECT_EQ(bulk.test_history("tests/test_m.py::test_b", 50).dump(),
            single.test_history("tests/test_m.py::test_b", 50).dump());
  EXPECT_EQ(bulk.trends(50).dump(), single.trends(50).dump());
  // The secondary indexes are back after the bulk load.
  Stmt q(bulk.db(),
         "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
         "name IN ('test_failures_by_test', 'builds_commit')");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.integer(0), 2);
  fs::remove_all(one);
}

// The views that need passes too read them from each build's packed record (test_runs.h), the
// failures from their own rows: the answers must be those of one row per test.
TEST_F(IndexTest, AnswersTestViewsFromThePackedRecords) {
  // test_x: passes in 1-2, fails in 3 (commit c1, where it passed in 2: flaky), passes in 4,
  // fails in 5-6. test_y: absent from 1, skipped in 2, passes after. test_z: only in 1.
  struct Run {
    const char* name;
    const char* outcome;
    const char* time;
  };
  std::vector<std::pair<std::string, std::vector<Run>>> builds = {
      {"c0", {{"test_x", "passed", "0.1"}, {"test_z", "passed", "9"}}},
      {"c1", {{"test_x", "passed", "0.3"}, {"test_y", "skipped", "0"}}},
      {"c1", {{"test_x", "failed", "0.5"}, {"test_y", "passed", "2"}}},
      {"c2", {{"test_x", "passed", "0.3"}, {"test_y", "passed", "4"}}},
      {"c3", {{"test_x", "failed", "0.2"}, {"test_y", "passed", "6"}}},
      {"c4", {{"test_x", "error", "0.2"}, {"test_y", "passed", "6"}}},
  };
  for (size_t i = 0; i < builds.size(); ++i) {
    int n = static_cast<int>(i) + 1;
    fs::path dir = write_build(dir_, {.number = n, .commit = builds[i].first});
    std::string cases;
    for (const auto& r : builds[i].second) {
      cases += std::string("<testcase classname=\"tests.test_m\" name=\"") + r.name +
               "\" file=\"tests/test_m.py\" time=\"" + r.time + "\">";
      if (std::string(r.outcome) == "failed")
        cases += "<failure message=\"boom\">tests/test_m.py:9: in x</failure>";
      if (std::string(r.outcome) == "error") cases += "<error message=\"setup\"/>";
      if (std::string(r.outcome) == "skipped") cases += "<skipped message=\"later\"/>";
      cases += "</testcase>";
    }
    put(dir / "reports" / "report.xml",
        "<testsuites><testsuite>" + cases + "</testsuite></testsuites>");
  }
  Index idx(dir_);
  idx.sync();
  const std::string x = "tests/test_m.py::test_x", y = "tests/test_m.py::test_y";

  auto h = idx.test_history(x, 10);
  ASSERT_EQ(h["runs"].size(), 6u);
  EXPECT_EQ(h["runs"][0]["outcome"], "error");
  EXPECT_EQ(h["runs"][0]["message"], "setup");
  EXPECT_EQ(h["runs"][2]["outcome"], "passed");
  EXPECT_DOUBLE_EQ(h["runs"][2]["duration_ms"].get<double>(), 300.0);
  EXPECT_EQ(h["runs"][3]["commit"], "c1");
  EXPECT_EQ(h["runs"][3]["line"], 9);
  EXPECT_EQ(h["failure"]["first_failed"], 3);
  EXPECT_EQ(h["failure"]["last_passed"], 4);
  EXPECT_EQ(h["failure"]["failing_since"], 5);
  EXPECT_EQ(h["failure"]["failing_since_commit"], "c3");
  EXPECT_TRUE(h["failure"]["flaky"].get<bool>());
  EXPECT_EQ(idx.test_history(x, 2)["runs"].size(), 2u);
  EXPECT_EQ(idx.test_history(y, 10)["runs"].size(), 5u);  // absent from build 1
  EXPECT_EQ(idx.test_history("tests/test_m.py::test_z", 10)["runs"].size(), 1u);
  EXPECT_EQ(idx.test_history("nope", 10)["runs"].size(), 0u);

  auto of6 = idx.tests_of(6);
  ASSERT_EQ(of6.size(), 2u);
  EXPECT_EQ(of6[0]["nodeid"], x);
  EXPECT_EQ(of6[0]["history"]["failing_since"], 5);
  EXPECT_FALSE(of6[1].contains("message"));
  auto of2 = idx.tests_of(2);
  EXPECT_EQ(of2[0]["nodeid"], y);  // skipped before passed
  EXPECT_EQ(of2[0]["message"], "later");
  EXPECT_EQ(of2[0]["file"], "tests/test_m.py");
  EXPECT_EQ((*idx.build(4))["diff"]["fixed"], nlohmann::json({x}));
  EXPECT_EQ((*idx.build(5))["diff"]["newly_failing"], nlohmann::json({x}));

  auto slow = idx.tests_overview("slowest", 30, 10)["tests"];
  ASSERT_EQ(slow.size(), 3u);
  EXPECT_EQ(slow[0]["nodeid"], "tests/test_m.py::test_z");
  EXPECT_EQ(slow[1]["nodeid"], y);
  EXPECT_DOUBLE_EQ(slow[1]["avg_ms"].get<double>(), 3600.0);  // (0 + 2 + 4 + 6 + 6) / 5 s
  EXPECT_DOUBLE_EQ(slow[1]["max_ms"].get<double>(), 6000.0);
  EXPECT_EQ(slow[1]["runs"], 5);
  auto flaky = idx.tests_overview("flaky", 30, 10)["tests"];
  ASSERT_EQ(flaky.size(), 1u);
  EXPECT_EQ(flaky[0]["nodeid"], x);
  EXPECT_EQ(flaky[0]["flaky_commits"], 1);
  EXPECT_EQ(flaky[0]["last_build"], 3);
  EXPECT_TRUE(idx.tests_overview("flaky", 3, 10)["tests"].empty());  // builds 4-6 only
  auto grid = idx.tests_overview("grid", 30, 10)["tests"];
  ASSERT_EQ(grid.size(), 3u);
  EXPECT_EQ(grid[0]["cells"], "PPFPFE");
  EXPECT_EQ(grid[1]["cells"], "-SPPPP");
  EXPECT_EQ(grid[2]["cells"], "P-----");
  auto failing = idx.tests_overview("failing", 30, 10)["tests"];
  ASSERT_EQ(failing.size(), 1u);
  EXPECT_EQ(failing[0]["outcome"], "error");
  EXPECT_EQ(failing[0]["history"]["last_passed"], 4);
}

// A packed record damaged on disk is refused with a message naming the fix, not read as
// something else.
TEST_F(IndexTest, ADamagedTestRecordIsRefusedWithAMessage) {
  three_builds();
  Index idx(dir_);
  idx.sync();
  Stmt cut(idx.db(),
           "UPDATE test_runs SET data = substr(data, 1, length(data) - 1) WHERE build = 3");
  cut.run();
  try {
    idx.tests_of(3);
    FAIL() << "read a damaged record";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("history --rebuild"), std::string::npos) << e.what();
  }
  EXPECT_EQ(idx.tests_of(2).size(), 2u);
}

}  // namespace
}  // namespace pw::history
