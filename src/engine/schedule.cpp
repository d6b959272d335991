#include "engine/schedule.h"

namespace pw::engine {

Schedule::Schedule(std::vector<Node> nodes, FailFast fail_fast)
    : nodes_(std::move(nodes)),
      fail_fast_(fail_fast),
      state_(nodes_.size(), Status::running),
      started_(nodes_.size(), false),
      finished_(nodes_.size(), false),
      reason_(nodes_.size()) {}

std::vector<int> Schedule::start_ready(size_t slots) {
  std::vector<int> out;
  for (size_t i = 0; i < nodes_.size() && out.size() < slots; ++i) {
    if (started_[i] || finished_[i] || held(i)) continue;
    bool ready = true;
    for (int n : nodes_[i].needs)
      if (!finished_[n]) ready = false;
    if (!ready) continue;
    started_[i] = true;
    ++running_;
    out.push_back(static_cast<int>(i));
  }
  return out;
}

void Schedule::finish(int node, Status status) {
  if (!started_[node] || finished_[node]) return;
  finished_[node] = true;
  state_[node] = status;
  --running_;
  if (status == Status::failure && nodes_[node].blocking && fail_fast_ == FailFast::yes) {
    stopped_ = true;
    stop_reason_ = "the build stopped after '" + nodes_[node].id + "' failed";
  }
  propagate();
}

void Schedule::abort(const std::string& why) {
  stopped_ = true;
  aborted_ = true;
  stop_reason_ = why;
  propagate();
}

void Schedule::propagate() {
  // Nodes are in topological order, so one pass settles chains.
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (started_[i] || finished_[i]) continue;
    if (nodes_[i].always) {
      // It waits for its needs whatever they end as; when none of them ran, neither does it.
      bool none_ran = !nodes_[i].needs.empty();
      for (int n : nodes_[i].needs)
        if (!finished_[n] || state_[n] != Status::not_built) none_ran = false;
      if (none_ran) {
        finished_[i] = true;
        state_[i] = Status::not_built;
        reason_[i] = reason_[nodes_[i].needs.front()];
      }
      continue;
    }
    for (int n : nodes_[i].needs) {
      if (finished_[n] && !lets_dependents_run(state_[n])) {
        finished_[i] = true;
        state_[i] = Status::not_built;
        reason_[i] = "needs '" + nodes_[n].id + "' (" + to_string(state_[n]) + ")";
        break;
      }
    }
    if (!finished_[i] && held(i)) {
      finished_[i] = true;
      state_[i] = Status::not_built;
      reason_[i] = stop_reason_;
    }
  }
}

bool Schedule::done() const {
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (!finished_[i]) return false;
  return true;
}

}  // namespace pw::engine
