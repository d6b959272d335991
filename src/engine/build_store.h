// The project's build folders: .pipewright/builds/<N>/ with build.json, logs/, reports/,
// artifacts/ and workspace/, and `latest` pointing at the newest. Numbers come from a counter
// file under an flock, so two runs at once never share a number or a folder.
#pragma once

#include <filesystem>
#include <optional>

#include "engine/build_record.h"

namespace pw::engine {

struct BuildPaths {
  int number = 0;
  std::filesystem::path root, logs, reports, artifacts, workspace, record;
};

class BuildStore {
 public:
  explicit BuildStore(const std::filesystem::path& project_dir);

  const std::filesystem::path& dir() const { return builds_; }

  // A new build folder with the next number.
  BuildPaths allocate();
  // Build N's folder; created (and the counter moved past N) when `create` and it is missing.
  // Throws pw::Error when it is missing and not to be created.
  BuildPaths open(int number, bool create);
  BuildPaths paths(int number) const;

  std::optional<BuildRecord> read(int number) const;
  // Each stage's final record also goes to stages/<id>.json, so the folders of parallel CI jobs
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

 private:
  void make_dirs(const BuildPaths& p) const;
  std::filesystem::path builds_;
};

}  // namespace pw::engine
