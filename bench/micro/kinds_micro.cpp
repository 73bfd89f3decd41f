// bench/micro/kinds_micro.cpp — Google Benchmark rows for the other kinds (issue 7), linked
// into the same sluice_micro binary as micro.cpp (so the report's micro section lists them):
//   kinds_oneshot/*       create + send + receive of one message, the oneshot against a
//                         bounded(1) channel used as a oneshot and std::promise/std::future,
//                         on one thread; the same from a coroutine (co_await rx, ready at once);
//                         and a cross-thread request-reply in which each round creates the
//                         reply channel, ships its sending end to a responder thread over a
//                         bounded(1) sluice channel, and waits for the answer (the oneshot
//                         crate's "cross-thread create+send+await" shape).
//   kinds_broadcast/*     one send and a receive by each of N receivers (1, 4), one thread.
//   kinds_watermark/*     try_send + try_recv on one thread.
#include <benchmark/benchmark.h>

#include <coroutine>
#include <cstddef>
#include <exception>
#include <future>
#include <thread>
#include <utility>
#include <vector>

#include "../harness/workloads.hpp"

#if __has_include(<sluice/sluice.hpp>)
#include <sluice/broadcast.hpp>
#include <sluice/oneshot.hpp>
#include <sluice/sluice.hpp>
#include <sluice/watermark.hpp>
#define KINDS_MICRO_HAVE_SLUICE 1
#endif

namespace {

using bench::msg;

// ---- std::promise / std::future: the baseline ---------------------------------------------
void kinds_oneshot_promise_future_create_set_get(benchmark::State& st) {
  std::size_t i = 0;
  for (auto _ : st) {
    std::promise<msg> p;
    std::future<msg> f = p.get_future();
    p.set_value(msg{i++});
    benchmark::DoNotOptimize(f.get());
  }
}
BENCHMARK(kinds_oneshot_promise_future_create_set_get);

#ifdef KINDS_MICRO_HAVE_SLUICE
void kinds_oneshot_create_send_recv(benchmark::State& st) {
  std::size_t i = 0;
  for (auto _ : st) {
    auto ch = sluice::oneshot<msg>();
    (void)std::move(ch.first).send(msg{i++});
    auto r = ch.second.recv();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(kinds_oneshot_create_send_recv);

void kinds_oneshot_bounded1_create_send_recv(benchmark::State& st) {
  std::size_t i = 0;
  for (auto _ : st) {
    auto ch = sluice::bounded<msg>(1);
    (void)ch.first.send(msg{i++});
    auto r = ch.second.recv();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(kinds_oneshot_bounded1_create_send_recv);

// A coroutine that runs to completion at once (eager start; the receive never waits).
struct eager {
  struct promise_type {
    eager get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};
eager await_ready_oneshot(sluice::oneshot_receiver<msg>& rx, std::size_t* out) {
  auto r = co_await rx;
  *out = r ? r->v : 0;
}

void kinds_oneshot_create_send_co_await(benchmark::State& st) {
  std::size_t i = 0, got = 0;
  for (auto _ : st) {
    auto ch = sluice::oneshot<msg>();
    (void)std::move(ch.first).send(msg{i++});
    await_ready_oneshot(ch.second, &got);
    benchmark::DoNotOptimize(got);
  }
}
BENCHMARK(kinds_oneshot_create_send_co_await);

// Cross-thread request-reply: the request channel is the same for the three rows; what
// differs is the reply channel created each round.
template <class Reply, class Make, class Send, class Wait>
void request_reply(benchmark::State& st, Make make, Send send, Wait wait) {
  auto req = sluice::bounded<Reply>(1);
  std::thread responder([rx = std::move(req.second), send]() mutable {
    std::size_t i = 0;
    while (auto r = rx.recv()) send(*r, msg{i++});
  });
  for (auto _ : st) {
    auto [reply_tx, reply_rx] = make();
    (void)req.first.send(std::move(reply_tx));
    benchmark::DoNotOptimize(wait(reply_rx));
  }
  req.first.close();
  responder.join();
}

void kinds_oneshot_cross_thread_request_reply(benchmark::State& st) {
  request_reply<sluice::oneshot_sender<msg>>(
      st, [] { return sluice::oneshot<msg>(); },
      [](sluice::oneshot_sender<msg>& tx, msg m) { (void)std::move(tx).send(m); },
      [](sluice::oneshot_receiver<msg>& rx) { return rx.recv().value().v; });
}
BENCHMARK(kinds_oneshot_cross_thread_request_reply)->UseRealTime();

void kinds_oneshot_bounded1_cross_thread_request_reply(benchmark::State& st) {
  request_reply<sluice::sender<msg>>(
      st, [] { return sluice::bounded<msg>(1); }, [](sluice::sender<msg>& tx, msg m) { (void)tx.send(m); },
      [](sluice::receiver<msg>& rx) { return rx.recv().value().v; });
}
BENCHMARK(kinds_oneshot_bounded1_cross_thread_request_reply)->UseRealTime();

void kinds_oneshot_promise_future_cross_thread_request_reply(benchmark::State& st) {
  request_reply<std::promise<msg>>(
      st,
      [] {
        std::promise<msg> p;
        std::future<msg> f = p.get_future();
        return std::pair<std::promise<msg>, std::future<msg>>(std::move(p), std::move(f));
      },
      [](std::promise<msg>& p, msg m) { p.set_value(m); }, [](std::future<msg>& f) { return f.get().v; });
}
BENCHMARK(kinds_oneshot_promise_future_cross_thread_request_reply)->UseRealTime();

// ---- broadcast: one send, then every receiver receives it ----------------------------------
void kinds_broadcast_send_recv(benchmark::State& st) {
  const auto receivers = static_cast<std::size_t>(st.range(0));
  auto ch = sluice::broadcast<msg>(64);
  std::vector<sluice::broadcast_receiver<msg>> rxs;
  rxs.push_back(std::move(ch.second));
  while (rxs.size() < receivers) rxs.push_back(rxs.front());
  std::size_t i = 0;
  for (auto _ : st) {
    (void)ch.first.send(msg{i++});
    for (auto& rx : rxs) {
      auto r = rx.recv();
      benchmark::DoNotOptimize(r);
    }
  }
}
BENCHMARK(kinds_broadcast_send_recv)->Arg(1)->Arg(4);

void kinds_broadcast_overwrite_send_recv(benchmark::State& st) {
  const auto receivers = static_cast<std::size_t>(st.range(0));
  auto ch = sluice::broadcast<msg>(64, sluice::overflow::overwrite_oldest);
  std::vector<sluice::broadcast_receiver<msg>> rxs;
  rxs.push_back(std::move(ch.second));
  while (rxs.size() < receivers) rxs.push_back(rxs.front());
  std::size_t i = 0;
  for (auto _ : st) {
    (void)ch.first.send(msg{i++});
    for (auto& rx : rxs) {
      auto r = rx.recv();
      benchmark::DoNotOptimize(r);
    }
  }
}
BENCHMARK(kinds_broadcast_overwrite_send_recv)->Arg(1)->Arg(4);

// ---- watermark: try_send + try_recv, below the low watermark ------------------------------
void kinds_watermark_send_recv(benchmark::State& st) {
  auto ch = sluice::watermark<msg>(16, 64);
  std::size_t i = 0;
  for (auto _ : st) {
    (void)ch.first.try_send(msg{i++});
    auto r = ch.second.try_recv();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(kinds_watermark_send_recv);
#endif

}  // namespace
