// The scheduler's logic as a pure state machine: which stages may start, what a finished
// stage means for the others. No threads, no processes, no clock: the driver feeds it events,
// and the unit tests drive it with fake stages.
#pragma once

#include <string>
#include <vector>

#include "engine/status.h"

namespace pw::engine {

enum class FailFast { yes, no };

class Schedule {
 public:
  struct Node {
    std::string id;
    std::vector<int> needs;  // indexes of earlier nodes
    bool blocking = true;
    // Runs once its needs have finished whatever their status, and after a fail-fast stop
    // (a Jenkins stage's post block after its nested stages); only an abort stops it, or none
    // of its needs having run (it is NOT_BUILT for their reason).
    bool always = false;
  };

  Schedule(std::vector<Node> nodes, FailFast fail_fast);

  // Marks up to `slots` ready stages as running and returns them, in node order. A stage is
  // ready when every need finished with a status that lets dependents run.
  std::vector<int> start_ready(size_t slots);

  // Records the settled status of a running stage. Dependents of a stage that did not succeed
  // become NOT_BUILT; after a blocking FAILURE with fail-fast every stage not yet started
  // becomes NOT_BUILT (running ones finish).
  void finish(int node, Status status);

  // Abort: every stage not yet started, `always` ones included, becomes NOT_BUILT (`why` is
  // their reason); running ones are left to the driver.
  void abort(const std::string& why = "the build was aborted");

  bool done() const;
  size_t running() const { return running_; }
  Status status(int node) const { return state_[node]; }
  const std::vector<Node>& nodes() const { return nodes_; }
  // Why a NOT_BUILT stage did not run, e.g. "needs 'tests' (FAILURE)".
  const std::string& reason(int node) const { return reason_[node]; }

 private:
  void propagate();
  // Whether a stage not yet started can no longer start: the build stopped (fail-fast stops
  // all but `always` stages; an abort stops every one).
  bool held(size_t node) const { return stopped_ && (aborted_ || !nodes_[node].always); }

  std::vector<Node> nodes_;
  FailFast fail_fast_;
  // pending is represented as Status::running with started_ false.
  std::vector<Status> state_;
  std::vector<bool> started_, finished_;
  std::vector<std::string> reason_;
  size_t running_ = 0;
  bool stopped_ = false;
  bool aborted_ = false;
  std::string stop_reason_;
};

}  // namespace pw::engine
