// A one-shot "stop now" that process loops can poll beside their pipes: the engine cancels the
// running stages of a build with it (fail-fast after a blocking failure, or an interrupt).
#pragma once

#include <atomic>

namespace pw::exec {

class CancelToken {
 public:
  CancelToken();
  ~CancelToken();
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  void cancel();
  bool cancelled() const { return cancelled_.load(); }
  int fd() const { return fd_; }  // readable once cancelled

 private:
  int fd_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace pw::exec
