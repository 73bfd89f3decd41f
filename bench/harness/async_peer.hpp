// bench/harness/async_peer.hpp — the sluice-async row: crossbeam's workloads written as
// coroutines (co_await async_send / async_recv) on a pool with one thread per CPU, so sluice's
// M:N form is measured on the terms Go's goroutines are (GOMAXPROCS = the CPUs).
//
// The pool is test_support's coro_pool with its local_first policy (Go's scheduling shape: a
// woken coroutine runs next on the worker that woke it, idle workers spin and steal what waits;
// coro_pool.hpp says how it differs). SLUICE_BENCH_POOL=fifo runs the plain one-queue policy
// instead, for A/B runs. A woken coroutine is queued through its promise's scheduler().
// Every producer and consumer of a workload is one coroutine; the timed interval covers the
// same steps as run_workload (construction, spawn, transfer, completion, destruction).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <string_view>
#include <utility>
#include <vector>

#include <sluice/sluice.hpp>

#include "peers_ext.hpp"
#include "sluice_testing/coro_pool.hpp"
#include "workloads.hpp"

namespace bench {

using sluice_testing::coro_pool;  // test_support/sluice_testing/coro_pool.hpp

// Counts running coroutines; wait() returns when the last one finished.
class completion {
 public:
  void add() { live_.fetch_add(1, std::memory_order_relaxed); }
  void done() {
    if (live_.fetch_sub(1, std::memory_order_acq_rel) == 1) live_.notify_all();
  }
  void wait() {
    for (int n; (n = live_.load(std::memory_order_acquire)) != 0;) live_.wait(n);
  }

 private:
  std::atomic<int> live_{0};
};

// A fire-and-forget coroutine started on the pool; it resumes there after every wait.
struct pool_task {
  struct promise_type {
    coro_pool* pool;
    completion* done;
    template <class... Args>
    promise_type(coro_pool& p, completion& c, Args&&...) : pool(&p), done(&c) {}
    coro_pool* scheduler() const noexcept { return pool; }
    pool_task get_return_object() noexcept {
      return {std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    auto final_suspend() noexcept {
      struct finish {
        completion* done;
        bool await_ready() noexcept { return true; }  // the frame is freed on return
        void await_suspend(std::coroutine_handle<>) noexcept {}
        void await_resume() noexcept {}
      };
      done->done();
      return finish{done};
    }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
  std::coroutine_handle<promise_type> h;
};

inline void spawn(coro_pool& pool, completion& c, pool_task t) {
  c.add();
  pool.schedule(t.h);
}

struct sluice_async_peer {
  static constexpr const char* name = "sluice-async";
  using tx = sluice_peer::tx;
  using rx = sluice_peer::rx;

  static const char* unsupported(flavor, workload w) {
    if (w == workload::select_rx || w == workload::select_both)
      return "the async select rows are not written yet";
    return nullptr;
  }
  static unsigned threads() { return std::max(1u, std::thread::hardware_concurrency()); }
  static coro_pool::policy pool_policy() {
    const char* e = std::getenv("SLUICE_BENCH_POOL");
    return e && std::string_view(e) == "fifo" ? coro_pool::policy::fifo : coro_pool::policy::local_first;
  }

  static pool_task produce(coro_pool&, completion&, tx t, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i)
      if (!co_await t.async_send(msg{i})) std::abort();
  }
  static pool_task consume(coro_pool&, completion&, rx r, std::size_t count, std::atomic<std::size_t>* sum) {
    std::size_t s = 0;
    for (std::size_t i = 0; i < count; ++i) {
      auto m = co_await r.async_recv();
      if (!m) std::abort();
      s += m->v;
    }
    sum->fetch_add(s, std::memory_order_relaxed);
  }
  static pool_task sequential(coro_pool&, completion&, tx t, rx r, std::size_t count,
                              std::atomic<std::size_t>* sum) {
    for (std::size_t i = 0; i < count; ++i)
      if (!co_await t.async_send(msg{i})) std::abort();
    std::size_t s = 0;
    for (std::size_t i = 0; i < count; ++i) {
      auto m = co_await r.async_recv();
      if (!m) std::abort();
      s += m->v;
    }
    sum->fetch_add(s, std::memory_order_relaxed);
  }
  // The echo side of the ping-pong: returns v + 1 for every message.
  static pool_task echo(coro_pool&, completion&, rx in, tx out, std::size_t iters) {
    for (std::size_t i = 0; i < iters; ++i) {
      auto m = co_await in.async_recv();
      if (!m || !co_await out.async_send(msg{m->v + 1})) std::abort();
    }
  }
  static pool_task serve(coro_pool&, completion&, tx out, rx in, std::size_t iters, bool* ok) {
    std::size_t v = 0;
    for (std::size_t i = 0; i < iters; ++i) {
      if (!co_await out.async_send(msg{v})) std::abort();
      auto m = co_await in.async_recv();
      if (!m) std::abort();
      if (m->v != v + 1) *ok = false;
      v = m->v;
    }
  }

  static run_result run(workload w, flavor f, std::size_t n, int t) {
    using clock = std::chrono::steady_clock;
    const std::size_t per = n / static_cast<std::size_t>(t);
    std::size_t expected_mp = 0;
    for (int k = 0; k < t; ++k) expected_mp += per * (per - 1) / 2;
    std::atomic<std::size_t> sum{0};
    auto start = clock::now();
    {
      completion c;  // outlives the pool: a worker may still be inside c.done() when wait() returns
      coro_pool pool(threads(), pool_policy());
      auto [tx0, rx0] = make(f, n);
      switch (w) {
        case workload::seq: spawn(pool, c, sequential(pool, c, tx0, rx0, n, &sum)); break;
        case workload::spsc:
          spawn(pool, c, produce(pool, c, tx0, n));
          spawn(pool, c, consume(pool, c, rx0, n, &sum));
          break;
        case workload::mpsc:
          for (int k = 0; k < t; ++k) spawn(pool, c, produce(pool, c, tx0, per));
          spawn(pool, c, consume(pool, c, rx0, per * static_cast<std::size_t>(t), &sum));
          break;
        case workload::mpmc:
          for (int k = 0; k < t; ++k) spawn(pool, c, produce(pool, c, tx0, per));
          for (int k = 0; k < t; ++k) spawn(pool, c, consume(pool, c, rx0, per, &sum));
          break;
        case workload::select_rx:
        case workload::select_both: return {0, false};
      }
      c.wait();
    }
    auto secs = std::chrono::duration<double>(clock::now() - start).count();
    const std::size_t want = (w == workload::seq || w == workload::spsc) ? n * (n - 1) / 2 : expected_mp;
    return {secs, sum.load() == want};
  }

  static run_result pingpong(flavor f, std::size_t iters) {
    using clock = std::chrono::steady_clock;
    bool ok = true;
    auto start = clock::now();
    {
      completion c;
      coro_pool pool(threads(), pool_policy());
      auto [ping_tx, ping_rx] = make(f, 1);
      auto [pong_tx, pong_rx] = make(f, 1);
      spawn(pool, c, echo(pool, c, ping_rx, pong_tx, iters));
      spawn(pool, c, serve(pool, c, ping_tx, pong_rx, iters, &ok));
      c.wait();
    }
    return {std::chrono::duration<double>(clock::now() - start).count(), ok};
  }

  // The same channels as the thread-based sluice row.
  static std::pair<tx, rx> make(flavor f, std::size_t n) { return sluice_peer::make(f, n); }
};

}  // namespace bench
