#include "exec/cancel.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace pw::exec {

CancelToken::CancelToken() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

CancelToken::~CancelToken() {
  if (fd_ >= 0) ::close(fd_);
}

void CancelToken::cancel() {
  if (cancelled_.exchange(true)) return;
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(fd_, &one, sizeof one);
}

}  // namespace pw::exec
