// The dashboard's JSON API without sockets: routes, logs (windows, search, invalid UTF-8),
// artifacts (`..` and symlinks refused) and the HTML report.
#include "serve/api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "../history/fixture.h"
#include "serve/server.h"
#include "util/fs.h"

namespace pw::serve {
namespace {

using json = nlohmann::json;
using pw::testing::put;
using pw::testing::write_build;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pw-api-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write_build(dir_, {.number = 1});
    write_build(dir_, {.number = 2,
                       .status = "UNSTABLE",
                       .tests = {{"test_a", "passed"}, {"test_b", "failed"}},
                       .vulns = 1});
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  json get(Api& api, const std::string& path, Params p = {}) {
    auto r = api.get(path, p);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return json::parse(r.body);
  }
  fs::path dir_;
};

TEST_F(ApiTest, ServesBuildsABuildItsTestsAndTrends) {
  Api api({dir_});
  auto builds = get(api, "/api/builds");
  EXPECT_EQ(builds["total"], 2);
  EXPECT_EQ(builds["builds"][0]["number"], 2);
  auto b = get(api, "/api/builds/2");
  EXPECT_EQ(b["status"], "UNSTABLE");
  EXPECT_EQ(b["stages"][1]["id"], "tests");
  auto tests = get(api, "/api/builds/2/tests");
  EXPECT_EQ(tests[0]["outcome"], "failed");
  EXPECT_EQ(tests[0]["history"]["first_failed"], 2);
  auto f = get(api, "/api/builds/2/findings");
  ASSERT_EQ(f["dependency"].size(), 1u);
  EXPECT_TRUE(f["dependency"][0]["new"].get<bool>());
  EXPECT_EQ(f["dependency"][0]["fixed_versions"][0], "2.31.0");
  auto h = get(api, "/api/tests/history", {{"name", "tests/test_m.py::test_b"}});
  EXPECT_EQ(h["runs"].size(), 2u);
  auto t = get(api, "/api/trends");
  EXPECT_EQ(t["builds"].size(), 2u);
  EXPECT_EQ(get(api, "/api/builds/latest")["number"], 2);
  EXPECT_EQ(api.get("/api/builds/9", {}).status, 404);
  EXPECT_EQ(api.get("/api/builds/x", {}).status, 400);
  EXPECT_EQ(api.get("/api/nothing", {}).status, 404);
  EXPECT_EQ(api.get("/api/builds", {{"project", "other"}}).status, 404);
}

// A build that stopped before its dependency scan has no report: it neither resolves the
// previous build's vulnerabilities nor makes the next build's look new.
TEST_F(ApiTest, FindingsAreComparedWithTheLastBuildThatScanned) {
  fs::path b3 = write_build(dir_, {.number = 3, .status = "FAILURE"});
  for (const char* f : {"dependency-scan.json", "dependency-check-report.json"})
    fs::remove(b3 / "reports" / f);
  write_build(dir_, {.number = 4, .vulns = 1});
  Api api({dir_});
  auto f3 = get(api, "/api/builds/3/findings");
  EXPECT_FALSE(f3["scanned"]["dependency"].get<bool>());
  EXPECT_TRUE(f3["resolved_dependency"].empty());
  EXPECT_TRUE(f3["compared_dependency"].is_null());
  auto f4 = get(api, "/api/builds/4/findings");
  EXPECT_TRUE(f4["scanned"]["dependency"].get<bool>());
  EXPECT_EQ(f4["compared_dependency"], 2);
  ASSERT_EQ(f4["dependency"].size(), 1u);
  EXPECT_FALSE(f4["dependency"][0]["new"].get<bool>());
  EXPECT_EQ(f4["dependency"][0]["found_by"], "pipewright");
  // Build 1 scanned and found nothing: build 2's vulnerability is new against it.
  auto f2 = get(api, "/api/builds/2/findings");
  EXPECT_EQ(f2["compared_dependency"], 1);
  EXPECT_TRUE(f2["dependency"][0]["new"].get<bool>());
}

TEST_F(ApiTest, ServesALogsWindowSearchAndFailingLines) {
  Api api({dir_});
  auto w = get(api, "/api/builds/2/log/tests");
  EXPECT_EQ(w["offset"], 0);
  EXPECT_NE(w["text"].get<std::string>().find("FAILED x"), std::string::npos);
  EXPECT_EQ(w["failing"].size(), 1u);
  auto s = get(api, "/api/builds/2/log/tests", {{"q", "ok"}});
  ASSERT_EQ(s["matches"].size(), 1u);
  EXPECT_EQ(s["matches"][0]["line"], 3);
  EXPECT_EQ(api.get("/api/builds/2/log/nosuch", {}).status, 404);
  EXPECT_EQ(api.get("/api/builds/2/log/..", {}).status, 404);
  auto raw = api.get("/api/builds/2/log/tests/raw", {});
  EXPECT_EQ(raw.file.filename(), "tests.log");
}

TEST_F(ApiTest, ALogWindowNeverCutsALineAndInvalidUtf8IsReplaced) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "line " + std::to_string(i) + " \xff\xfe bad bytes\n";
  put(dir_ / "big.log", text);
  json w = read_log(dir_ / "big.log", -1, 4096);
  std::string t = w["text"];
  EXPECT_EQ(t.rfind("line 999", 0) == 0, false);
  EXPECT_EQ(t.substr(0, 5), "line ");
  EXPECT_EQ(t.back(), '\n');
  EXPECT_EQ(w["end"], w["size"]);
  std::string body = dump(w);  // would throw on invalid UTF-8 without the replacement
  EXPECT_NE(body.find("\xef\xbf\xbd"), std::string::npos);
  json head = read_log(dir_ / "big.log", 0, 100);
  EXPECT_EQ(head["text"].get<std::string>().find("line 0"), 0u);
  EXPECT_EQ(head["text"].get<std::string>().back(), '\n');
}

TEST_F(ApiTest, ArtifactsOutsideTheBuildAreRefused) {
  fs::path b = dir_ / ".pipewright/builds/2";
  put(dir_ / "secret.txt", "secret");
  fs::create_symlink(dir_ / "secret.txt", b / "artifacts" / "link.txt");
  fs::create_directory_symlink(dir_, b / "artifacts" / "up");
  EXPECT_EQ(artifact_path(b, "dist/app.tar.gz"), fs::canonical(b / "artifacts/dist/app.tar.gz"));
  EXPECT_TRUE(artifact_path(b, "../build.json").empty());
  EXPECT_TRUE(artifact_path(b, "dist/../../build.json").empty());
  EXPECT_TRUE(artifact_path(b, "/etc/passwd").empty());
  EXPECT_TRUE(artifact_path(b, "link.txt").empty());
  EXPECT_TRUE(artifact_path(b, "up/secret.txt").empty());
  EXPECT_TRUE(artifact_path(b, "dist").empty());
  Api api({dir_});
  EXPECT_EQ(api.get("/api/builds/2/artifacts/dist/app.tar.gz", {}).status, 200);
  EXPECT_EQ(api.get("/api/builds/2/artifacts/link.txt", {}).status, 404);
}

TEST_F(ApiTest, TheHtmlReportIsOnePageWithTheBuildInside) {
  std::string html = report_html(dir_, 2);
  EXPECT_NE(html.find("window.PW_STATIC="), std::string::npos);
  EXPECT_NE(html.find("<style>"), std::string::npos);
  EXPECT_EQ(html.find("src=\"/assets/app.js\""), std::string::npos);
  EXPECT_EQ(html.find("href=\"/assets/app.css\""), std::string::npos);
  EXPECT_NE(html.find("tests/test_m.py::test_b"), std::string::npos);
  EXPECT_THROW(report_html(dir_, 42), Error);
}

}  // namespace
}  // namespace pw::serve
