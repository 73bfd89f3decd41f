// bench/harness/asio_peer.hpp — the Asio peer: standalone Asio's
// experimental::concurrent_channel driven by Asio's own C++20 coroutines (asio::awaitable) on one
// io_context run by as many threads as CPUs. Its operations are all async_* completing on an
// executor, so the crossbeam workloads are written as coroutines here, exactly as the
// sluice-async row writes them (async_peer.hpp): the two M:N rows compare on equal terms.
// Asio's channels are bounded (capacity 0 is a rendezvous); there is no unbounded flavor and
// no select over channels in this row.
#pragma once

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/concurrent_channel.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "workloads.hpp"

namespace bench {

struct asio_peer {
  static constexpr const char* name = "asio";
  using channel = asio::experimental::concurrent_channel<void(asio::error_code, std::size_t)>;
  using task = asio::awaitable<void>;

  static const char* unsupported(flavor f, workload w) {
    if (f == flavor::unbounded) return "Asio's channels are bounded";
    if (w == workload::select_rx || w == workload::select_both) return "select over channels is not written for this row";
    return nullptr;
  }
  static unsigned threads() { return std::max(1u, std::thread::hardware_concurrency()); }
  static std::size_t capacity(flavor f, std::size_t n) {
    return f == flavor::bounded0 ? 0 : f == flavor::bounded1 ? 1 : n;
  }

  static task produce(channel& ch, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) co_await ch.async_send(asio::error_code{}, i, asio::use_awaitable);
  }
  static task consume(channel& ch, std::size_t count, std::atomic<std::size_t>* sum) {
    std::size_t s = 0;
    for (std::size_t i = 0; i < count; ++i) s += co_await ch.async_receive(asio::use_awaitable);
    sum->fetch_add(s, std::memory_order_relaxed);
  }
  static task sequential(channel& ch, std::size_t count, std::atomic<std::size_t>* sum) {
    co_await produce(ch, count);
    co_await consume(ch, count, sum);
  }
  // The echo side of the ping-pong: returns v + 1 for every message.
  static task echo(channel& in, channel& out, std::size_t iters) {
    for (std::size_t i = 0; i < iters; ++i) {
      const std::size_t v = co_await in.async_receive(asio::use_awaitable);
      co_await out.async_send(asio::error_code{}, v + 1, asio::use_awaitable);
    }
  }
  static task serve(channel& out, channel& in, std::size_t iters, bool* ok) {
    std::size_t v = 0;
    for (std::size_t i = 0; i < iters; ++i) {
      co_await out.async_send(asio::error_code{}, v, asio::use_awaitable);
      const std::size_t back = co_await in.async_receive(asio::use_awaitable);
      if (back != v + 1) *ok = false;
      v = back;
    }
  }

  // Runs `ioc` on threads() threads until every spawned coroutine has finished. A coroutine
  // that throws (a channel error: none is expected) ends the process, like the other rows' abort.
  static void spawn(asio::io_context& ioc, task t) {
    asio::co_spawn(ioc, std::move(t), [](const std::exception_ptr& e) {
      if (e) std::abort();
    });
  }
  static void run_pool(asio::io_context& ioc) {
    std::vector<std::thread> pool;
    for (unsigned k = 0; k < threads(); ++k) pool.emplace_back([&ioc] { ioc.run(); });
    for (auto& th : pool) th.join();
  }

  static run_result run(workload w, flavor f, std::size_t n, int t) {
    using clock = std::chrono::steady_clock;
    const std::size_t per = n / static_cast<std::size_t>(t);
    std::size_t expected_mp = 0;
    for (int k = 0; k < t; ++k) expected_mp += per * (per - 1) / 2;
    std::atomic<std::size_t> sum{0};
    auto start = clock::now();
    {
      asio::io_context ioc;
      channel ch(ioc.get_executor(), capacity(f, n));
      switch (w) {
        case workload::seq: spawn(ioc, sequential(ch, n, &sum)); break;
        case workload::spsc:
          spawn(ioc, produce(ch, n));
          spawn(ioc, consume(ch, n, &sum));
          break;
        case workload::mpsc:
          for (int k = 0; k < t; ++k) spawn(ioc, produce(ch, per));
          spawn(ioc, consume(ch, per * static_cast<std::size_t>(t), &sum));
          break;
        case workload::mpmc:
          for (int k = 0; k < t; ++k) spawn(ioc, produce(ch, per));
          for (int k = 0; k < t; ++k) spawn(ioc, consume(ch, per, &sum));
          break;
        case workload::select_rx:
        case workload::select_both: return {0, false};
      }
      run_pool(ioc);
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
      asio::io_context ioc;
      channel ping(ioc.get_executor(), capacity(f, 1));
      channel pong(ioc.get_executor(), capacity(f, 1));
      spawn(ioc, echo(ping, pong, iters));
      spawn(ioc, serve(ping, pong, iters, &ok));
      run_pool(ioc);
    }
    return {std::chrono::duration<double>(clock::now() - start).count(), ok};
  }
};

}  // namespace bench
