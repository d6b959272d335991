// A build whose pipewright died says so: its RUNNING record is settled as killed by the next
// reader, and only once no live process holds the build.
#include "engine/build_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "util/fs.h"

namespace pw::engine {

namespace {
std::filesystem::path temp_project(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() /
           ("pw-build-store-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

BuildRecord running_record(int n) {
  BuildRecord r;
  r.number = n;
  r.status = Status::running;
  StageRecord done;
  done.id = "checkout";
  done.status = Status::success;
  StageRecord busy;
  busy.id = "tests";
  busy.status = Status::running;
  r.stages = {done, busy};
  return r;
}
}  // namespace

TEST(BuildStoreLiveness, ARunningRecordIsSettledOnlyOnceItsProcessLetGo) {
  auto project = temp_project("settle");
  auto owner = std::make_unique<BuildStore>(project);
  BuildPaths p = owner->allocate();
  write_file_atomic(p.record, running_record(p.number).to_json(nullptr).dump());

  BuildStore reader(project);
  // Held by a live process (here: `owner`): shown as it is, and not rewritten.
  EXPECT_EQ(reader.read(p.number)->status, Status::running);
  EXPECT_TRUE(reader.settle_dead().empty());

  owner.reset();  // what the kernel does when the process dies
  auto r = reader.read(p.number);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, Status::aborted);
  EXPECT_NE(r->reason.find("killed"), std::string::npos);
  EXPECT_EQ(r->find("checkout")->status, Status::success);
  EXPECT_EQ(r->find("tests")->status, Status::aborted);
  EXPECT_NE(r->find("tests")->summary.find("killed"), std::string::npos);
  // Rewritten on disk, so every later reader (and CI tooling reading build.json) sees it.
  auto on_disk = BuildRecord::from_json(nlohmann::json::parse(read_file(p.record)));
  EXPECT_EQ(on_disk.status, Status::aborted);
  EXPECT_TRUE(reader.settle_dead().empty());
  std::filesystem::remove_all(project);
}

TEST(BuildStoreLiveness, SettleDeadFindsKilledBuildsAndTakingABuildUpSettlesItFirst) {
  auto project = temp_project("dead");
  int n = 0;
  {
    BuildStore gone(project);
    n = gone.allocate().number;
    write_file_atomic(gone.paths(n).record, running_record(n).to_json(nullptr).dump());
  }
  BuildStore next(project);
  int m = next.allocate().number;
  EXPECT_EQ(m, n + 1);
  EXPECT_EQ(next.settle_dead(), std::vector<int>{n});

  // `run --build N` on a dead build: its old RUNNING stages do not stay RUNNING.
  {
    BuildStore gone(project);
    int k = gone.allocate().number;
    write_file_atomic(gone.paths(k).record, running_record(k).to_json(nullptr).dump());
    n = k;
  }
  BuildStore again(project);
  again.open(n, /*create=*/true);
  auto r = again.read(n);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->find("tests")->status, Status::aborted);
  std::filesystem::remove_all(project);
}

}  // namespace pw::engine
