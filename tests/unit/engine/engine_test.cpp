// The engine with fake stages: whatever a stage throws becomes its FAILURE with the text and
// the stage's name, build.json is completed with a reason, and post still runs.
#include "engine/engine.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "engine/build_store.h"
#include "util/fs.h"

namespace pw::engine {
namespace {

namespace fs = std::filesystem;

class Throws : public Stage {
 public:
  explicit Throws(int how) : how_(how) {}
  StageOutcome run(StageContext& ctx) override {
    ctx.data()["name"] = "r\xe9quests";  // not UTF-8: must not break the record either
    if (how_ == 0) throw std::out_of_range("stoull");
    if (how_ == 1) throw 42;
    return StageOutcome::ok("fine");
  }

 private:
  int how_;
};

class PostStage : public Stage {
 public:
  StageOutcome run(StageContext&) override { return StageOutcome::ok("post ran"); }
};

pipeline::StageSpec spec(const std::string& id, const std::string& kind) {
  pipeline::StageSpec s;
  s.id = id;
  s.kind = kind;
  return s;
}

struct Fixture {
  fs::path dir;
  Fixture() {
    char tmpl[] = "/tmp/pw-engine-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  ~Fixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

TEST(Engine, WhatAStageThrowsIsItsFailureAndPostStillRuns) {
  Fixture f;
  pipeline::Pipeline p;
  p.project.name = "demo";
  p.stages = {spec("std-throw", "std"), spec("odd-throw", "odd"), spec("post", "post")};
  StageRegistry reg;
  reg.add("std", [](const pipeline::StageSpec&) { return std::make_unique<Throws>(0); });
  reg.add("odd", [](const pipeline::StageSpec&) { return std::make_unique<Throws>(1); });
  reg.add("post", [](const pipeline::StageSpec&) { return std::make_unique<PostStage>(); });
  std::FILE* out = std::tmpfile();
  Console console(ConsoleOptions{}, out);
  Credentials creds = Credentials::load(f.dir / "no-credentials.yaml");
  Engine engine(f.dir, p, reg, console, creds);
  BuildRequest req;
  req.jobs = 2;
  req.keep_going = true;
  req.overrides.in_place = true;
  BuildOutcome outcome = engine.run(req);
  std::fclose(out);
  EXPECT_EQ(outcome.status, Status::failure);

  std::string text = read_file(outcome.dir / "build.json");
  auto j = nlohmann::json::parse(text);  // valid JSON despite the Latin-1 byte
  EXPECT_EQ(j["status"], "FAILURE");
  std::map<std::string, nlohmann::json> st;
  for (const auto& s : j["stages"]) st[s["id"]] = s;
  EXPECT_EQ(st["std-throw"]["status"], "FAILURE");
  EXPECT_EQ(st["std-throw"]["summary"], "internal error in stage 'std-throw': stoull");
  EXPECT_EQ(st["odd-throw"]["status"], "FAILURE");
  EXPECT_EQ(st["odd-throw"]["summary"],
            "internal error in stage 'odd-throw': unknown exception (not a std::exception)");
  EXPECT_EQ(st["post"]["status"], "SUCCESS");
  EXPECT_EQ(st["std-throw"]["data"]["name"], "r\xEF\xBF\xBDquests");
  EXPECT_NE(j["reason"].get<std::string>().find("internal error in stage"), std::string::npos);
  // Each stage's own record too.
  EXPECT_NO_THROW(
      (void)nlohmann::json::parse(read_file(outcome.dir / "stages" / "std-throw.json")));
}

TEST(BuildStore, DamagedRecordsAreReportedNotSkippedSilently) {
  Fixture f;
  BuildStore store(f.dir);
  BuildPaths p = store.allocate();
  write_file_atomic(p.record, "{\"number\": 1, \"status\": ");
  EXPECT_FALSE(store.read(p.number));
  auto warnings = store.take_warnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find(p.root.string()), std::string::npos);
  EXPECT_NE(warnings[0].find("damaged build.json"), std::string::npos);
  EXPECT_TRUE(store.take_warnings().empty());
}

TEST(BuildStore, AStageRecordIsNotWrittenIntoAVanishedFolder) {
  Fixture f;
  BuildStore store(f.dir);
  BuildPaths p = store.allocate();
  fs::remove_all(p.root);
  StageRecord r;
  r.id = "x";
  EXPECT_THROW(store.write_stage(p.number, r, nullptr), Error);
  EXPECT_FALSE(fs::exists(p.root));  // not made again behind the engine's back
}

}  // namespace
}  // namespace pw::engine
