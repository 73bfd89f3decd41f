// test_support/sluice_testing/coro_pool.hpp — the plainest M:N executor, shared by the unit
// tests, the Asio adapter's tests and the benchmark's sluice-async row (never by core/).
//
// Contract: `threads` workers take coroutine handles from one mutex-guarded FIFO run queue and
// resume them; idle workers sleep on a condition variable. schedule() may be called from any
// thread (it makes the pool a sluice::scheduler). Destruction runs everything still queued,
// then joins the workers. current() is the pool the calling thread works for (nullptr off the
// pool): tests use it to see where a coroutine was resumed.
#pragma once

#include <condition_variable>
#include <coroutine>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace sluice_testing {

class coro_pool {
 public:
  explicit coro_pool(unsigned threads) {
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
  }
  coro_pool(const coro_pool&) = delete;
  coro_pool& operator=(const coro_pool&) = delete;
  ~coro_pool() {
    {
      std::lock_guard lk(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  void schedule(std::coroutine_handle<> h) {
    {
      std::lock_guard lk(m_);
      q_.push_back(h);
    }
    cv_.notify_one();
  }

  bool running_in_this_thread() const { return current() == this; }
  static coro_pool*& current() {
    static thread_local coro_pool* p = nullptr;
    return p;
  }

 private:
  void work() {
    current() = this;
    for (;;) {
      std::coroutine_handle<> h;
      {
        std::unique_lock lk(m_);
        cv_.wait(lk, [&] { return stop_ || !q_.empty(); });
        if (q_.empty()) return;
        h = q_.front();
        q_.pop_front();
      }
      h.resume();
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::coroutine_handle<>> q_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sluice_testing
