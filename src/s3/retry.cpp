#include "s3/retry.h"

#include <algorithm>

namespace pw::s3 {

bool RetryPolicy::retryable_status(long status) {
  return status == 429 || (status >= 500 && status <= 599);
}

std::chrono::milliseconds RetryPolicy::delay(int attempt, std::mt19937_64& rng) const {
  int shift = std::clamp(attempt - 1, 0, 30);
  long long cap =
      std::min<long long>(max_delay.count(), static_cast<long long>(base_delay.count()) << shift);
  if (cap <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<long long> half(0, cap / 2);
  return std::chrono::milliseconds(cap - cap / 2 + half(rng));
}

}  // namespace pw::s3
