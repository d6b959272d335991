// The engine with fake stages: whatever a stage throws becomes its FAILURE with the text and
// the stage's name, build.json is completed with a reason, and post still runs.
#include "engine/engine.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <thread>

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
  EXPECT_TRUE(
      nlohmann::json::parse(read_file(outcome.dir / "stages" / "std-throw.json")).is_object());
}

// The engine's loop with fake stages, no processes: retries, timeouts, fail-fast and post.
// Stages coordinate through shared flags, never through wall-clock sleeps of a fixed length.
struct Flags {
  std::atomic<int> flaky_calls{0};
  std::atomic<bool> failed_done{false};
  std::atomic<bool> sibling_running{false};
};

class Flaky : public Stage {  // fails its first two attempts
 public:
  explicit Flaky(Flags& f) : f_(f) {}
  StageOutcome run(StageContext&) override {
    return ++f_.flaky_calls <= 2 ? StageOutcome::failed("not yet") : StageOutcome::ok("third");
  }

 private:
  Flags& f_;
};

// Fails once its sibling (a Waits) is running: the tests are about a failure while another
// stage runs. Failing at once raced the sibling's start, and a sibling the engine had not yet
// started when the failure came is rightly never started (NOT_BUILT), about one run in two.
class Fails : public Stage {
 public:
  explicit Fails(Flags& f) : f_(f) {}
  StageOutcome run(StageContext&) override {
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!f_.sibling_running && std::chrono::steady_clock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    f_.failed_done = true;
    return StageOutcome::failed("boom");
  }

 private:
  Flags& f_;
};

// Runs until it is stopped (fail-fast, its deadline) or, when `finish_after_failure`, until the
// failing sibling has returned; gives up after 60 s so a broken engine fails the test instead of
// hanging it.
class Waits : public Stage {
 public:
  Waits(Flags& f, bool finish_after_failure) : f_(f), finish_(finish_after_failure) {}
  StageOutcome run(StageContext& ctx) override {
    f_.sibling_running = true;
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < give_up) {
      if (ctx.should_stop()) return StageOutcome::failed("stopped");
      if (finish_ && f_.failed_done) return StageOutcome::ok("finished beside the failure");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return StageOutcome::failed("never stopped");
  }

 private:
  Flags& f_;
  bool finish_;
};

struct LoopRun {
  Fixture f;
  Flags flags;
  std::map<std::string, nlohmann::json> stages;
  Status status = Status::success;

  void run(pipeline::Pipeline p, bool keep_going = false) {
    p.project.name = "loop";
    StageRegistry reg;
    reg.add("flaky", [this](const pipeline::StageSpec&) { return std::make_unique<Flaky>(flags); });
    reg.add("fails", [this](const pipeline::StageSpec&) { return std::make_unique<Fails>(flags); });
    reg.add("waits",
            [this](const pipeline::StageSpec&) { return std::make_unique<Waits>(flags, false); });
    reg.add("finishes",
            [this](const pipeline::StageSpec&) { return std::make_unique<Waits>(flags, true); });
    reg.add("post", [](const pipeline::StageSpec&) { return std::make_unique<PostStage>(); });
    std::FILE* out = std::tmpfile();
    Console console(ConsoleOptions{}, out);
    Credentials creds = Credentials::load(f.dir / "no-credentials.yaml");
    Engine engine(f.dir, p, reg, console, creds);
    BuildRequest req;
    req.jobs = 4;
    req.keep_going = keep_going;
    req.overrides.in_place = true;
    BuildOutcome outcome = engine.run(req);
    std::fclose(out);
    status = outcome.status;
    auto j = nlohmann::json::parse(read_file(outcome.dir / "build.json"));
    for (const auto& s : j["stages"]) stages[s["id"]] = s;
  }
};

pipeline::Pipeline pipe(std::vector<pipeline::StageSpec> stages, bool fail_fast = false) {
  pipeline::Pipeline p;
  p.stages = std::move(stages);
  p.fail_fast = fail_fast;
  return p;
}

pipeline::StageSpec spec_needing(const std::string& id, const std::string& kind,
                                 std::vector<std::string> needs) {
  auto s = spec(id, kind);
  s.needs = std::move(needs);
  return s;
}

TEST(EngineLoop, ARetriedStageSucceedsOnItsThirdAttempt) {
  LoopRun r;
  auto flaky = spec("flaky", "flaky");
  flaky.retry = 2;
  r.run(pipe({flaky, spec("post", "post")}));
  EXPECT_EQ(r.status, Status::success);
  EXPECT_EQ(r.stages["flaky"]["status"], "SUCCESS");
  EXPECT_EQ(r.stages["flaky"]["attempts"], 3);
  EXPECT_EQ(r.flags.flaky_calls, 3);

  LoopRun once;
  auto short_retry = spec("flaky", "flaky");
  short_retry.retry = 1;
  once.run(pipe({short_retry, spec("post", "post")}));
  EXPECT_EQ(once.stages["flaky"]["status"], "FAILURE");
  EXPECT_EQ(once.stages["flaky"]["summary"], "not yet (after 2 attempts)");
  EXPECT_EQ(once.stages["post"]["status"], "SUCCESS");  // post runs after a failed build
}

TEST(EngineLoop, AStageOverItsTimeoutFailsSayingSo) {
  LoopRun r;
  auto waits = spec("waits", "waits");
  waits.timeout = Millis(50);
  r.run(pipe({waits, spec("post", "post")}));
  EXPECT_EQ(r.status, Status::failure);
  EXPECT_EQ(r.stages["waits"]["status"], "FAILURE");
  EXPECT_NE(r.stages["waits"]["summary"].get<std::string>().find("timed out after"),
            std::string::npos)
      << r.stages["waits"]["summary"];
  EXPECT_EQ(r.stages["post"]["status"], "SUCCESS");
}

TEST(EngineLoop, FailFastStopsTheRunningSiblingAndNothingNewStarts) {
  LoopRun r;
  r.run(pipe({spec("fails", "fails"), spec("waits", "waits"),
              spec_needing("after", "flaky", {"waits"}), spec("post", "post")},
             /*fail_fast=*/true));
  EXPECT_EQ(r.status, Status::failure);
  EXPECT_EQ(r.stages["fails"]["status"], "FAILURE");
  EXPECT_EQ(r.stages["waits"]["status"], "ABORTED");
  EXPECT_EQ(r.stages["waits"]["summary"], "stopped: 'fails' failed");
  EXPECT_EQ(r.stages["after"]["status"], "NOT_BUILT");
  EXPECT_EQ(r.flags.flaky_calls, 0);
  EXPECT_EQ(r.stages["post"]["status"], "SUCCESS");
}

TEST(EngineLoop, WithoutFailFastTheRunningSiblingFinishesButNothingNewStarts) {
  LoopRun r;
  r.run(pipe({spec("fails", "fails"), spec("finishes", "finishes"),
              spec_needing("after", "flaky", {"finishes"}), spec("post", "post")}));
  EXPECT_EQ(r.status, Status::failure);
  EXPECT_EQ(r.stages["finishes"]["status"], "SUCCESS");
  EXPECT_EQ(r.stages["finishes"]["summary"], "finished beside the failure");
  EXPECT_EQ(r.stages["after"]["status"], "NOT_BUILT");
  EXPECT_EQ(r.flags.flaky_calls, 0);

  LoopRun keep;  // --keep-going: stages that do not depend on the failure still start
  keep.run(pipe({spec("fails", "fails"), spec("finishes", "finishes"),
                 spec_needing("after", "flaky", {"finishes"}), spec("post", "post")}),
           /*keep_going=*/true);
  EXPECT_EQ(keep.stages["after"]["status"], "FAILURE");  // flaky's first attempt, no retry
  EXPECT_EQ(keep.flags.flaky_calls, 1);
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
