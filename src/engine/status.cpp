#include "engine/status.h"

namespace pw::engine {

std::string to_string(Status s) {
  switch (s) {
    case Status::success:
      return "SUCCESS";
    case Status::unstable:
      return "UNSTABLE";
    case Status::failure:
      return "FAILURE";
    case Status::aborted:
      return "ABORTED";
    case Status::skipped:
      return "SKIPPED";
    case Status::not_built:
      return "NOT_BUILT";
    case Status::running:
      return "RUNNING";
  }
  return "?";
}

std::optional<Status> status_from_string(const std::string& s) {
  for (Status st : {Status::success, Status::unstable, Status::failure, Status::aborted,
                    Status::skipped, Status::not_built, Status::running})
    if (to_string(st) == s) return st;
  return std::nullopt;
}

bool lets_dependents_run(Status s) {
  return s == Status::success || s == Status::unstable || s == Status::skipped;
}

Status settle(Status attempt, bool blocking) {
  if (attempt == Status::failure && !blocking) return Status::unstable;
  return attempt;
}

Status build_status(const std::vector<Status>& stages, bool aborted) {
  if (aborted) return Status::aborted;
  bool unstable = false, stage_aborted = false;
  for (Status s : stages) {
    if (s == Status::failure) return Status::failure;
    if (s == Status::aborted) stage_aborted = true;
    if (s == Status::unstable) unstable = true;
  }
  // A stage stopped by fail-fast is ABORTED, but the build failed: FAILURE comes first above.
  if (stage_aborted) return Status::aborted;
  return unstable ? Status::unstable : Status::success;
}

ExitCode exit_code_for(Status build, bool unstable_ok) {
  switch (build) {
    case Status::success:
      return ExitCode::success;
    case Status::unstable:
      return unstable_ok ? ExitCode::success : ExitCode::unstable;
    case Status::aborted:
      return ExitCode::aborted;
    default:
      return ExitCode::failure;
  }
}

}  // namespace pw::engine
