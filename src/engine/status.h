// Statuses as Jenkins users know them, for stages and for the build, and the rules that
// combine them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/error.h"

namespace pw::engine {

enum class Status {
  success,
  unstable,
  failure,
  aborted,
  skipped,    // its `when` was false, or it could not do its job for a stated reason
  not_built,  // something it needs did not succeed, or the build stopped before it
  running,    // only while the build is in progress
};

std::string to_string(Status s);
std::optional<Status> status_from_string(const std::string& s);

// A stage's own result counts as ok for its dependents.
bool lets_dependents_run(Status s);

// What a failed attempt becomes for the build: a non-blocking stage's failure is UNSTABLE
// (Jenkins' catchError(stageResult: 'UNSTABLE')); ABORTED stays ABORTED.
Status settle(Status attempt, bool blocking);

// The build's status from its stages' statuses: ABORTED if the build was interrupted, else
// FAILURE if any stage failed (stages stopped by fail-fast are ABORTED but the build failed),
// else ABORTED if a stage was, else UNSTABLE if any is unstable, else SUCCESS (SKIPPED and
// NOT_BUILT alone do not fail a build: NOT_BUILT only follows a failure, which already counts).
Status build_status(const std::vector<Status>& stages, bool aborted);

ExitCode exit_code_for(Status build, bool unstable_ok);

}  // namespace pw::engine
