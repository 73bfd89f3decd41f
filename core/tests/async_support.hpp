// Test support for the async tests: a thread pool executor, coroutine types, a counting
// message type, and two timers (sluice::timer_scheduler) — one fired by the test, one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "sluice_testing/coro_pool.hpp"

namespace sluice_test {

// The test executor: a small thread pool (test_support/sluice_testing/coro_pool.hpp).
using pool = sluice_testing::coro_pool;

// A fire-and-forget coroutine; its promise exposes the pool it should resume on (or none).
struct task {
  struct promise_type {
    pool* sched = nullptr;
    template <class... Args>
    promise_type(pool* p, Args&&...) : sched(p) {}
    promise_type() = default;
    pool* scheduler() const noexcept { return sched; }
    task get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

// A coroutine the test owns and may destroy while it is suspended.
struct owned {
  struct promise_type {
    owned get_return_object() noexcept { return owned{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
  std::coroutine_handle<promise_type> h;
  owned(owned&& o) noexcept : h(std::exchange(o.h, {})) {}
  explicit owned(std::coroutine_handle<promise_type> handle) : h(handle) {}
  ~owned() {
    if (h) h.destroy();
  }
  bool done() const { return h.done(); }
};

struct counted {
  static inline std::atomic<int> live{0};
  int v;
  explicit counted(int x) : v(x) { ++live; }
  counted(counted&& o) noexcept : v(o.v) { ++live; }
  ~counted() { --live; }
};

// A timer the test fires by hand: schedule_at() only records; fire_all() runs everything
// recorded, whatever its time (the test decides when "the deadline has passed"). schedule()
// resumes at once. Whatever is left runs at destruction, as a real timer would eventually.
class manual_timer {
 public:
  ~manual_timer() { fire_all(); }
  void schedule(std::coroutine_handle<> h) { h.resume(); }
  void schedule_at(std::chrono::steady_clock::time_point, std::coroutine_handle<> h) {
    std::lock_guard lk(m_);
    due_.push_back(h);
  }
  std::size_t pending() {
    std::lock_guard lk(m_);
    return due_.size();
  }
  void fire_all() {
    std::vector<std::coroutine_handle<>> now;
    {
      std::lock_guard lk(m_);
      now.swap(due_);
    }
    for (auto h : now) h.resume();
  }

 private:
  std::mutex m_;
  std::vector<std::coroutine_handle<>> due_;
};

// A real timer: one thread that resumes each handle at its time point.
class thread_timer {
 public:
  thread_timer()
      : t_([this] {
          std::unique_lock lk(m_);
          for (;;) {
            if (stop_ && due_.empty()) return;
            if (due_.empty()) {
              cv_.wait(lk);
              continue;
            }
            auto first = due_.begin();
            if (!stop_ && std::chrono::steady_clock::now() < first->first) {
              cv_.wait_until(lk, first->first);
              continue;
            }
            const std::coroutine_handle<> h = first->second;
            due_.erase(first);
            lk.unlock();
            h.resume();
            lk.lock();
          }
        }) {}
  ~thread_timer() {
    {
      std::lock_guard lk(m_);
      stop_ = true;
    }
    cv_.notify_all();
    t_.join();
  }
  void schedule(std::coroutine_handle<> h) { schedule_at(std::chrono::steady_clock::now(), h); }
  void schedule_at(std::chrono::steady_clock::time_point tp, std::coroutine_handle<> h) {
    {
      std::lock_guard lk(m_);
      due_.emplace(tp, h);
    }
    cv_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::multimap<std::chrono::steady_clock::time_point, std::coroutine_handle<>> due_;
  bool stop_ = false;
  std::thread t_;
};

}  // namespace sluice_test
