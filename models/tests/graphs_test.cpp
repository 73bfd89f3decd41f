// models/tests/graphs_test.cpp — the distinct-graph counter (options::graphs) can fail.
//
// Proves: executions that differ only in how independent events interleave count as one graph
// (two threads storing to different atomics: the unbounded DFS runs several interleavings, one
// graph); executions that differ in reads-from, modification order or another choice's outcome
// count apart (SB relaxed: exactly 4 graphs, under the DFS and under the reduction, hand count
// in models/README.md; two stores to one atomic: 2 mo orders; random_index(3): 3; a weak CAS
// that may fail spuriously: 2); a park that takes an unpark's token is one graph whether it
// blocked first or found the token (the parker's history, not the interleaving), and a spurious
// wake-up is another; executions a sleep set cut short are not graphs; the count is off (0) by
// default and the DFS and the reduction reach the same graph ids on these programs.
#include <cstdio>

#include "sluice/model.hpp"

namespace mc = sluice::model;
using P = mc::platform;
using A = P::atomic<int>;

namespace {

int failures = 0;
constexpr auto rlx = std::memory_order::relaxed;

void expect(bool ok, const char* what, const mc::result& r) {
  std::printf("%-78s %s  (executions %llu, pruned %llu, graphs %llu)\n", what, ok ? "ok" : "FAIL",
              static_cast<unsigned long long>(r.executions), static_cast<unsigned long long>(r.pruned),
              static_cast<unsigned long long>(r.graphs));
  if (!ok) ++failures;
}

mc::options opts(const char* name, mc::search_mode mode) {
  mc::options o;
  o.name = name;
  o.mode = mode;
  o.preemption_bound = -1;
  o.max_spurious = 0;
  o.graphs = 1;
  o.print_summary = false;
  o.print_failure = false;
  o.use_env = false;
  return o;
}

void independent() {
  A x(0), y(0);
  mc::thread a([&] {
    x.store(1, rlx);
    x.store(2, rlx);
  });
  mc::thread b([&] {
    y.store(1, rlx);
    y.store(2, rlx);
  });
  a.join();
  b.join();
}

void sb() {
  A x(0), y(0);
  mc::thread a([&] {
    x.store(1, rlx);
    (void)y.load(rlx);
  });
  mc::thread b([&] {
    y.store(1, rlx);
    (void)x.load(rlx);
  });
  a.join();
  b.join();
}

void two_writers() {
  A x(0);
  mc::thread a([&] { x.store(1, rlx); });
  mc::thread b([&] { x.store(2, rlx); });
  a.join();
  b.join();
}

void park_unpark() {
  P::parker p;
  mc::thread a([&] { p.unpark(); });
  mc::thread b([&] { (void)p.park(); });
  a.join();
  b.join();
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  using mc::search_mode;

  {
    mc::result r = mc::check(opts("independent", search_mode::dfs), independent);
    expect(r.passed() && r.exhausted && r.executions > 1 && r.graphs == 1,
           "independent stores: several DFS interleavings, one graph", r);
    mc::options o = opts("independent", search_mode::dfs);
    o.graphs = 0;
    mc::result off = mc::check(o, independent);
    expect(off.graphs == 0 && off.graph_ids.empty() && off.executions == r.executions,
           "off by default: no count, the same executions", off);
  }
  {
    mc::result d = mc::check(opts("sb", search_mode::dfs), sb);
    expect(d.passed() && d.exhausted && d.graphs == 4 && d.executions > 4, "SB relaxed, DFS: exactly 4 graphs", d);
    mc::result x = mc::check(opts("sb", search_mode::exhaustive), sb);
    expect(x.passed() && x.exhausted && x.graphs == 4 && x.graph_ids == d.graph_ids,
           "SB relaxed, reduction: the same 4 graphs", x);
    mc::options o = opts("sb", search_mode::exhaustive);
    o.rf_sleep = false;
    mc::result pl = mc::check(o, sb);
    expect(pl.graph_ids == d.graph_ids && pl.graphs <= pl.executions - pl.pruned,
           "SB relaxed, plain sleep sets: the same 4 graphs", pl);
  }
  {
    mc::result r = mc::check(opts("two writers", search_mode::dfs), two_writers);
    expect(r.passed() && r.graphs == 2, "two stores to one atomic: two modification orders", r);
  }
  {
    mc::result r = mc::check(opts("random", search_mode::dfs), [] {
      A x(0);
      mc::thread a([&] { x.store(1, rlx); });
      x.store(static_cast<int>(P::random_index(3)) + 2, rlx);
      a.join();
    });
    // 3 random values x 2 mo orders of the two stores.
    expect(r.passed() && r.graphs == 6, "random_index(3) beside a racing store: 3 x 2 graphs", r);
  }
  {
    mc::options o = opts("weak cas", search_mode::dfs);
    o.max_spurious = 1;
    mc::result r = mc::check(o, [] {
      A x(0);
      int expected = 0;
      (void)x.compare_exchange_weak(expected, 1, rlx, rlx);
    });
    expect(r.passed() && r.executions == 2 && r.graphs == 2, "weak CAS: success and spurious failure", r);
  }
  {
    mc::result r = mc::check(opts("park", search_mode::dfs), park_unpark);
    expect(r.passed() && r.exhausted && r.executions >= 2 && r.graphs == 1,
           "park takes the unpark's token, blocked first or not: one graph", r);
    mc::result x = mc::check(opts("park", search_mode::exhaustive), park_unpark);
    expect(x.passed() && x.graph_ids == r.graph_ids, "park/unpark, reduction: the same graph", x);
    mc::options o = opts("park", search_mode::dfs);
    o.max_spurious = 1;
    mc::result s = mc::check(o, park_unpark);
    expect(s.passed() && s.graphs == 2, "park/unpark with a spurious wake-up: two graphs", s);
  }
  {
    // Executions a sleep set cut short are not graphs: IRIW's reduction prunes some when every
    // race is reversed (the race rules off; with them on it runs 16 executions, none
    // pruned, litmus_test).
    mc::options io = opts("iriw", search_mode::exhaustive);
    io.rf_races = false;
    io.mo_races = false;
    io.fence_races = false;
    io.rmw_races = false;
    mc::result r = mc::check(io, [] {
      A x(0), y(0);
      mc::thread a([&] { x.store(1, rlx); });
      mc::thread b([&] { y.store(1, rlx); });
      mc::thread c([&] {
        (void)x.load(rlx);
        (void)y.load(rlx);
      });
      mc::thread d([&] {
        (void)y.load(rlx);
        (void)x.load(rlx);
      });
      a.join();
      b.join();
      c.join();
      d.join();
    });
    // By hand: each of the four loads reads the initial value or the one store: 2^4 graphs.
    expect(r.passed() && r.pruned > 0 && r.graphs == 16, "IRIW relaxed: 16 graphs, pruned executions not counted",
           r);
  }
  {
    auto body = [] {
      A x(0);
      mc::thread a([&] { x.store(1, rlx); });
      MODEL_ASSERT(x.load(rlx) == 0);
      a.join();
    };
    mc::result r = mc::check(opts("failure", search_mode::dfs), body);
    mc::options o = opts("failure", search_mode::dfs);
    o.replay = r.replay;
    mc::result again = mc::check(o, body);
    expect(r.failure == mc::failure_kind::assertion && again.failure == r.failure && again.executions == 1 &&
               again.graphs == 1 && r.graphs <= r.executions,
           "a failing execution counts as a graph (replayed alone: 1)", again);
  }
  std::printf("%s: %d check(s) failed\n", failures ? "FAILED" : "PASSED", failures);
  return failures ? 1 : 0;
}
