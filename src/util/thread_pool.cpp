#include "util/thread_pool.h"

#include <atomic>
#include <system_error>

#include "util/error.h"

namespace pw {

void rethrow_as_std_exception() {
  try {
    throw;
  } catch (const std::exception&) {
    throw;
  } catch (...) {
    throw Error("unknown exception (not a std::exception)");
  }
}

ThreadPool::ThreadPool(std::size_t threads) {
  for (std::size_t i = 0; i < threads; ++i) {
    try {
      workers_.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
      break;  // as many as the system gives; with none, submit() runs tasks inline
    }
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::enqueue(std::function<void()> job) {
  if (workers_.empty()) {
    job();  // a packaged_task: its exception is already in its future
    return;
  }
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void ThreadPool::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();  // never throws: submit() wraps every task in a packaged_task
  }
}

void parallel_for(std::size_t n, std::size_t workers, const std::function<void(std::size_t)>& fn) {
  if (n == 0) return;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::size_t first_index = n;
  std::exception_ptr first;
  auto drain = [&] {
    for (std::size_t i; !failed.load() && (i = next.fetch_add(1)) < n;) {
      try {
        fn(i);
      } catch (...) {
        std::exception_ptr e;
        try {
          rethrow_as_std_exception();
        } catch (...) {
          e = std::current_exception();
        }
        std::lock_guard lock(mu);
        if (i < first_index) {
          first_index = i;
          first = e;
        }
        failed = true;
      }
    }
  };
  std::size_t count = std::min(n, std::max<std::size_t>(1, workers));
  {
    ThreadPool pool(count - 1);
    std::vector<std::future<void>> helpers;
    for (std::size_t t = 0; t < pool.size(); ++t) helpers.push_back(pool.submit(drain));
    drain();
    for (auto& h : helpers) h.get();  // drain() itself never throws
  }
  if (first) std::rethrow_exception(first);
}

}  // namespace pw
