// When to try an S3 request again and how long to wait first. Throttling (429, 503 SlowDown),
// server errors (5xx) and lost connections are worth another attempt; any other 4xx is the
// caller's mistake (wrong keys, a missing bucket) and retrying it only hides the message.
// Delays grow exponentially with "equal jitter" (half fixed, half random) so many parallel
// uploads that failed together do not all come back at the same instant.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace pw::s3 {

struct RetryPolicy {
  int max_attempts = 5;  // including the first
  std::chrono::milliseconds base_delay{200};
  std::chrono::milliseconds max_delay{10000};

  // Whether an HTTP answer with this status is worth another attempt.
  static bool retryable_status(long status);
  // The wait before attempt `attempt` + 1 (attempt counts from 1): a random duration in
  // [cap/2, cap] with cap = min(max_delay, base_delay * 2^(attempt-1)).
  std::chrono::milliseconds delay(int attempt, std::mt19937_64& rng) const;
};

}  // namespace pw::s3
