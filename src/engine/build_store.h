// The project's build folders: .pipewright/builds/<N>/ with build.json, logs/, reports/,
// artifacts/ and workspace/, and `latest` pointing at the newest. Numbers come from a counter
// file under an flock, so two runs at once never share a number or a folder.
//
// A killed build (SIGKILL, a crash, a lost machine) cannot write its own end, so its build.json
// would say RUNNING forever. Every process running build N holds a shared flock on N/.alive for
// as long as it runs; the kernel drops it however the process ends. A RUNNING record whose
// .alive nobody holds belongs to a dead build: readers (read(), settle_dead()) rewrite it as
// ABORTED with the reason "killed", under an exclusive flock on .alive so that a process taking
// the build up again (`run --build N`) waits for the rewrite. A shared lock rather than an
// exclusive one because the parallel jobs of an exported CI pipeline may run one build at once.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/build_record.h"

namespace pw::engine {

struct BuildPaths {
  int number = 0;
  std::filesystem::path root, logs, reports, artifacts, workspace, record;
};

class BuildStore {
 public:
  explicit BuildStore(const std::filesystem::path& project_dir);
  ~BuildStore();  // releases the build taken by allocate() or open()
  BuildStore(const BuildStore&) = delete;
  BuildStore& operator=(const BuildStore&) = delete;

  const std::filesystem::path& dir() const { return builds_; }

  // A new build folder with the next number, held as running by this process until the store
  // ends.
  BuildPaths allocate();
  // Build N's folder; created (and the counter moved past N) when `create` and it is missing.
  // Throws pw::Error when it is missing and not to be created. When `create`, the build is held
  // as running by this process until the store ends (a dead earlier holder's record is settled
  // first).
  BuildPaths open(int number, bool create);
  BuildPaths paths(int number) const;

  // Build N's record; a RUNNING record of a dead build comes back (and is rewritten) settled.
  // nullopt when build N has no record, or a damaged one (then also a warning, see below).
  std::optional<BuildRecord> read(int number) const;
  // Settles the records of dead builds among the newest `limit`; returns their numbers.
  std::vector<int> settle_dead(int limit = 50) const;
  // Marks a RUNNING record as killed: ABORTED, with the reason, and its running stages ABORTED.
  static void mark_killed(BuildRecord& record);
  // Each stage's final record also goes to stages/<id>.json (throws pw::Error when it cannot be
  // written, or when the build folder is gone), so the folders of parallel CI jobs
  // restored into one (artifacts, unstash) keep every stage's record, where build.json holds
  // only the view of the job that wrote it last.
  void write_stage(int number, const StageRecord& record, const exec::Masker* masker) const;
  // Lays the records of build N's stages/*.json over `record` (they are each stage's final word).
  void merge_stages(int number, BuildRecord& record) const;
  // The newest build before `number` that finished (any final status).
  std::optional<BuildRecord> previous(int number) const;
  // The newest build number, or 0.
  int newest() const;
  void point_latest(int number);

  // What read() and merge_stages() found damaged and ignored, each naming the file, for the
  // caller to show (a damaged record is reported, never skipped silently). Clears the list.
  std::vector<std::string> take_warnings() const;

 private:
  void warn(const std::string& text) const;
  mutable std::mutex warnings_mu_;
  mutable std::vector<std::string> warnings_;
  void make_dirs(const BuildPaths& p) const;
  void take(int number);
  // With build N's .alive held exclusively: the settled record when it says RUNNING.
  std::optional<BuildRecord> settle_locked(int number) const;
  // Settles build N when no process holds it; nullopt when it is held or was not RUNNING.
  std::optional<BuildRecord> settle_if_dead(int number) const;
  std::filesystem::path builds_;
  int held_fd_ = -1;  // the .alive of the build this process runs
};

}  // namespace pw::engine
