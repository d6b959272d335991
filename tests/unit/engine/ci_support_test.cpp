// What a build folder needs when a CI engine runs one stage per job (pipewright export): the
// secrets from the engine's store as environment variables, and the records of parallel jobs
// whose folders were restored into one.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "engine/build_store.h"
#include "engine/console.h"
#include "engine/credentials.h"
#include "util/error.h"
#include "util/fs.h"

namespace pw::engine {

namespace {
std::filesystem::path temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() /
           ("pw-ci-support-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}
}  // namespace

TEST(CredentialsFromEnvironment, TakesNamedIdsWhoseVariablesAreAllSet) {
  ::setenv("PWTEST_HUB_USERNAME", "ci", 1);
  ::setenv("PWTEST_HUB_PASSWORD", "s3cret-pass", 1);
  ::setenv("PWTEST_TOKEN", "tok-123", 1);
  ::setenv("PWTEST_HALF_USERNAME", "only-user", 1);
  ::unsetenv("PWTEST_HALF_PASSWORD");
  Credentials c = Credentials::load(temp_dir("none") / "missing.yaml");
  c.add_from_environment("pwtest-hub=username,password pwtest-token pwtest-half=username,password");
  EXPECT_TRUE(c.has("pwtest-hub"));
  EXPECT_EQ(c.field("pwtest-hub", "password"), "s3cret-pass");
  EXPECT_TRUE(c.has("pwtest-token"));
  EXPECT_EQ(c.env_for("pwtest-token").at(0).first, "PWTEST_TOKEN");
  EXPECT_FALSE(c.has("pwtest-half"));  // a missing variable: the stage reports the credential
  auto values = c.all_values();        // and every value is masked like the file's
  EXPECT_NE(std::find(values.begin(), values.end(), "tok-123"), values.end());
  EXPECT_THROW(c.add_from_environment("hub=username,"), ConfigError);
}

TEST(BuildStoreStages, RecordsOfParallelJobsMerge) {
  auto project = temp_dir("merge");
  BuildStore store(project);
  store.open(7, true);
  StageRecord a;
  a.id = "left";
  a.status = Status::success;
  StageRecord b;
  b.id = "right";
  b.status = Status::unstable;
  b.blocking = false;
  store.write_stage(7, a, nullptr);
  store.write_stage(7, b, nullptr);
  // build.json as the last job to finish left it: it knows only its own stage.
  BuildRecord record;
  record.number = 7;
  StageRecord stale;
  stale.id = "left";
  stale.status = Status::running;
  record.put(stale);
  store.merge_stages(7, record);
  ASSERT_EQ(record.stages.size(), 2u);
  EXPECT_EQ(record.find("left")->status, Status::success);
  EXPECT_EQ(record.find("right")->status, Status::unstable);
  write_file_atomic(store.paths(7).root / "stages" / "broken.json", "{not json");
  store.merge_stages(7, record);  // a damaged file is passed over
  EXPECT_EQ(record.stages.size(), 2u);
  std::filesystem::remove_all(project);
}

namespace {
std::string console_text(const std::string& ci, Status status, const BuildRecord* record) {
  std::FILE* f = std::tmpfile();
  ConsoleOptions o;
  o.ci = ci;
  Console c(o, f);
  auto now = SteadyClock::now();
  c.stage_started("tests", now);
  c.stage_finished("tests", status, Millis(5), "1 failed, 100% done", {}, now);
  if (record) c.summary(*record, ".pipewright/builds/1", ExitCode::failure);
  std::rewind(f);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  std::fclose(f);
  return out;
}
}  // namespace

TEST(ConsoleUnderCi, GitHubGroupsStagesAndAnnotatesFailures) {
  BuildRecord r;
  r.number = 1;
  r.status = Status::failure;
  StageRecord t;
  t.id = "tests";
  t.status = Status::failure;
  t.data["failures"] = nlohmann::json::array({{{"nodeid", "tests/test_a.py::test_x"},
                                               {"message", "assert 1 == 2\nmore"},
                                               {"file", "tests/test_a.py"},
                                               {"line", 12}}});
  r.stages.push_back(t);
  std::string out = console_text("github", Status::failure, &r);
  EXPECT_NE(out.find("::group::stage tests\n[tests] started\n"), std::string::npos) << out;
  EXPECT_NE(
      out.find("::endgroup::\n::error title=pipewright tests::FAILURE: 1 failed, 100%25 done"),
      std::string::npos)
      << out;
  EXPECT_NE(
      out.find("::error file=tests/test_a.py,line=12,title=tests/test_a.py%3A%3Atest_x::assert 1 "
               "== 2\n"),
      std::string::npos)
      << out;
}

TEST(ConsoleUnderCi, GitLabFoldsStagesJenkinsGetsPlainLines) {
  std::string gl = console_text("gitlab", Status::success, nullptr);
  EXPECT_NE(gl.find("section_start:"), std::string::npos);
  EXPECT_NE(gl.find(":pw_tests[collapsed=true]\r\x1b[0Kstage tests\n"), std::string::npos) << gl;
  EXPECT_NE(gl.find("\x1b[0Ksection_end:"), std::string::npos);
  std::string plain = console_text("jenkins", Status::success, nullptr);
  EXPECT_EQ(plain.find("::"), std::string::npos);
  EXPECT_EQ(plain.find("\x1b"), std::string::npos);
  EXPECT_EQ(plain, "[tests] started\n[tests] SUCCESS in 5ms: 1 failed, 100% done\n");
}

}  // namespace pw::engine
