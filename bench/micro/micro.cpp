// bench/micro/micro.cpp — Google Benchmark micro-benchmarks of the uncontended paths:
// send+recv on one thread, try_recv on an empty channel, create+destroy of each flavor and the
// oneshot pattern (create + send + recv + destroy). The mutex + condition_variable + deque
// baseline runs the same loops for scale. The sluice rows exist once <sluice/sluice.hpp> does.
#include <benchmark/benchmark.h>

#include <cstddef>

#include "../harness/peers_basic.hpp"

#if __has_include(<sluice/sluice.hpp>)
#include <sluice/sluice.hpp>
#define MICRO_HAVE_SLUICE 1
#endif
#include <sluice/std_platform.hpp>

namespace {

using bench::msg;

#ifdef MICRO_HAVE_SLUICE
void sluice_inout_bounded1(benchmark::State& st) {
  auto [tx, rx] = sluice::bounded<msg>(1);
  std::size_t i = 0;
  for (auto _ : st) {
    (void)tx.send(msg{i++});
    auto r = rx.recv();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(sluice_inout_bounded1);

void sluice_inout_bounded1024(benchmark::State& st) {
  auto [tx, rx] = sluice::bounded<msg>(1024);
  std::size_t i = 0;
  for (auto _ : st) {
    (void)tx.send(msg{i++});
    auto r = rx.recv();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(sluice_inout_bounded1024);

void sluice_inout_unbounded(benchmark::State& st) {
  auto [tx, rx] = sluice::unbounded<msg>();
  std::size_t i = 0;
  for (auto _ : st) {
    (void)tx.send(msg{i++});
    auto r = rx.recv();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(sluice_inout_unbounded);

void sluice_try_recv_empty_bounded0(benchmark::State& st) {
  auto [tx, rx] = sluice::bounded<msg>(0);
  for (auto _ : st) {
    auto r = rx.try_recv();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(sluice_try_recv_empty_bounded0);

void sluice_try_recv_empty_bounded1(benchmark::State& st) {
  auto [tx, rx] = sluice::bounded<msg>(1);
  for (auto _ : st) {
    auto r = rx.try_recv();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(sluice_try_recv_empty_bounded1);

void sluice_try_recv_empty_unbounded(benchmark::State& st) {
  auto [tx, rx] = sluice::unbounded<msg>();
  for (auto _ : st) {
    auto r = rx.try_recv();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(sluice_try_recv_empty_unbounded);

void sluice_create_destroy_bounded0(benchmark::State& st) {
  for (auto _ : st) {
    auto ch = sluice::bounded<msg>(0);
    benchmark::DoNotOptimize(ch);
  }
}
BENCHMARK(sluice_create_destroy_bounded0);

void sluice_create_destroy_bounded1(benchmark::State& st) {
  for (auto _ : st) {
    auto ch = sluice::bounded<msg>(1);
    benchmark::DoNotOptimize(ch);
  }
}
BENCHMARK(sluice_create_destroy_bounded1);

void sluice_create_destroy_unbounded(benchmark::State& st) {
  for (auto _ : st) {
    auto ch = sluice::unbounded<msg>();
    benchmark::DoNotOptimize(ch);
  }
}
BENCHMARK(sluice_create_destroy_unbounded);

void sluice_oneshot_bounded1(benchmark::State& st) {
  std::size_t i = 0;
  for (auto _ : st) {
    auto [tx, rx] = sluice::bounded<msg>(1);
    (void)tx.send(msg{i++});
    auto r = rx.recv();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(sluice_oneshot_bounded1);

void sluice_oneshot_unbounded(benchmark::State& st) {
  std::size_t i = 0;
  for (auto _ : st) {
    auto [tx, rx] = sluice::unbounded<msg>();
    (void)tx.send(msg{i++});
    auto r = rx.recv();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(sluice_oneshot_unbounded);
#else
void sluice_pending(benchmark::State& st) {
  for (auto _ : st) {
  }
  st.SkipWithError("pending: <sluice/sluice.hpp> not present when this binary was built");
}
BENCHMARK(sluice_pending);
#endif

// ---- baseline: mutex + condition_variable + deque ---------------------------------------------
void mutex_inout_bounded1(benchmark::State& st) {
  bench::mutex_channel<msg> ch(1);
  std::size_t i = 0;
  for (auto _ : st) {
    ch.send(msg{i++});
    auto r = ch.recv();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(mutex_inout_bounded1);

void mutex_inout_unbounded(benchmark::State& st) {
  bench::mutex_channel<msg> ch(~std::size_t{0});
  std::size_t i = 0;
  for (auto _ : st) {
    ch.send(msg{i++});
    auto r = ch.recv();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(mutex_inout_unbounded);

void mutex_create_destroy(benchmark::State& st) {
  for (auto _ : st) {
    auto ch = std::make_shared<bench::mutex_channel<msg>>(1);
    benchmark::DoNotOptimize(ch);
  }
}
BENCHMARK(mutex_create_destroy);

void mutex_oneshot_bounded1(benchmark::State& st) {
  std::size_t i = 0;
  for (auto _ : st) {
    auto ch = std::make_shared<bench::mutex_channel<msg>>(1);
    ch->send(msg{i++});
    auto r = ch->recv();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(mutex_oneshot_bounded1);

// ---- the std platform's parker, uncontended ---------------------------------------------------
void parker_unpark_then_park(benchmark::State& st) {
  sluice::std_platform::parker p;
  for (auto _ : st) {
    p.unpark();
    benchmark::DoNotOptimize(p.park());
  }
}
BENCHMARK(parker_unpark_then_park);

}  // namespace

BENCHMARK_MAIN();
