// The one thread pool of pipewright. Uploads, advisory imports and the split XML parse all
// fan work out over threads; a task that throws (a std::exception of any kind, or something
// that is not one) must reach the code that waits for it rather than end the process with
// std::terminate, so every way to run a task here hands its exception back to the caller.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace pw {

// Rethrows the exception in flight as itself when it is a std::exception, else as a pw::Error
// saying "unknown exception (not a std::exception)": callers then catch std::exception only.
// Must be called inside a catch block.
[[noreturn]] void rethrow_as_std_exception();

class ThreadPool {
 public:
  // Starts up to `threads` workers. If the system gives none (std::system_error), tasks run
  // on the thread that submits them: slower, never lost.
  explicit ThreadPool(std::size_t threads);
  // Runs what is queued, then joins every worker.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  std::size_t size() const { return workers_.size(); }

  // Queues `fn`; the future holds its result or its exception (see rethrow_as_std_exception).
  template <class F>
  std::future<std::invoke_result_t<F>> submit(F fn) {
    using R = std::invoke_result_t<F>;
    auto task = std::make_shared<std::packaged_task<R()>>([fn = std::move(fn)]() mutable -> R {
      try {
        return fn();
      } catch (...) {
        rethrow_as_std_exception();
      }
    });
    std::future<R> result = task->get_future();
    enqueue([task] { (*task)(); });
    return result;
  }

 private:
  void enqueue(std::function<void()> job);
  void work();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// Calls fn(i) for every i in [0, n) on up to `workers` threads, the caller's among them, and
// returns when all calls have returned. When calls throw, no new index starts, and the
// exception of the lowest index that threw is rethrown here (see rethrow_as_std_exception).
void parallel_for(std::size_t n, std::size_t workers, const std::function<void(std::size_t)>& fn);

}  // namespace pw
