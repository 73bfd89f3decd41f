// models/tests/await_test.cpp — await loads (core's detail::await_load on the model platform).
//
// Proves, in every search mode (the reduction, the DFS, random, PCT):
//  1. an await that some thread eventually satisfies passes, and reads only satisfying values
//     (one awaiter; two awaiters on one setter, the await form of fidelity_test's spinners);
//  2. an await nobody satisfies is reported as a livelock whose message names the await's
//     source line (the caller of detail::await_load, not await.hpp), and its replay string
//     reproduces it; so is an await whose setter stores only values that fail the predicate;
//  3. the pruning loses nothing: on small programs (release/acquire with a competing relaxed
//     store; all seq_cst; a stale-able relaxed wait) the await and the plain spin loop it stands
//     for (load, test, yield) reach the same outcomes under the unbounded DFS; every graph of
//     the await form is a graph of the spin form (the one whose first load succeeded); and the
//     reduction reaches exactly the DFS's graphs of the await form.
#include <cstdio>
#include <set>
#include <string>
#include <tuple>

#include "sluice/detail/await.hpp"
#include "sluice/model.hpp"

namespace mc = sluice::model;
using P = mc::platform;

namespace {

constexpr auto rlx = std::memory_order::relaxed;
constexpr auto acq = std::memory_order::acquire;
constexpr auto rel = std::memory_order::release;
constexpr auto sc = std::memory_order::seq_cst;

int failures = 0;

const char* mode_name(mc::search_mode m) {
  switch (m) {
    case mc::search_mode::exhaustive: return "reduction";
    case mc::search_mode::dfs: return "dfs";
    case mc::search_mode::random: return "random";
    case mc::search_mode::pct: return "pct";
  }
  return "?";
}

void expect(bool ok, const std::string& what, const mc::result& r) {
  std::printf("%-78s %8llu executions %s\n", what.c_str(), static_cast<unsigned long long>(r.executions),
              ok ? "ok" : "FAIL");
  if (!ok) {
    ++failures;
    std::printf("    %s: %s\n%s\n", mc::to_string(r.failure), r.message.c_str(), r.trace.c_str());
  }
}

mc::options opts(const char* name, mc::search_mode mode) {
  mc::options o;
  o.name = name;
  o.mode = mode;
  o.print_summary = false;
  o.print_failure = false;
  o.use_env = false;
  o.preemption_bound = -1;
  o.iterations = mode == mc::search_mode::random || mode == mc::search_mode::pct ? 3000 : 0;
  return o;
}

constexpr mc::search_mode modes[] = {mc::search_mode::exhaustive, mc::search_mode::dfs, mc::search_mode::random,
                                     mc::search_mode::pct};

bool exhaustive_mode(mc::search_mode m) { return m == mc::search_mode::exhaustive || m == mc::search_mode::dfs; }

// 1. Message passing through an await: the data written before the release is seen.
void mp_await(int awaiters) {
  P::cell<int> data(0);
  P::atomic<int> flag(0);
  mc::thread setter([&] {
    data.with_mut([](int* p) { *p = 42; });
    flag.store(1, rel);
    flag.store(2, rlx);
  });
  auto wait = [&] {
    const int v = sluice::detail::await_load<P>(flag, acq, [](int f) { return f != 0; });
    MODEL_ASSERT(v == 1 || v == 2);
    if (v == 1) data.with([](const int* p) { MODEL_ASSERT(*p == 42); });
  };
  mc::thread w1(wait);
  if (awaiters == 2) {
    mc::thread w2(wait);
    w2.join();
  }
  setter.join();
  w1.join();
}

// 2. An await nobody satisfies (`stores`: values the other thread stores, all failing).
unsigned never_line = 0;
void never_satisfied(int stores) {
  P::atomic<int> flag(0);
  mc::thread setter([&] {
    for (int i = 0; i < stores; ++i) flag.store(-1 - i, rlx);
  });
  mc::thread waiter([&] {
    never_line = __LINE__ + 1;
    (void)sluice::detail::await_load<P>(flag, acq, [](int f) { return f > 0; });
  });
  setter.join();
  waiter.join();
}

// 3. Programs run in two forms: the waiting thread awaits, or spins (load, test, yield).
using outcome = std::tuple<int, int, int>;

template <bool Await, class Pred>
int wait_on(P::atomic<int>& a, std::memory_order mo, Pred pred) {
  if constexpr (Await) {
    return sluice::detail::await_load<P>(a, mo, pred);
  } else {
    for (;;) {
      const int v = a.load(mo);
      if (pred(v)) return v;
      P::yield_now();
    }
  }
}

// Release/acquire publication with a competing relaxed store to the flag and a relaxed
// data atomic written on both sides: which flag value the wait ends on decides what it sees.
template <bool Await>
void prog_ra(std::set<outcome>& seen) {
  P::atomic<int> y(0), a(0);
  int v = -1, r = -1;
  mc::thread t1([&] {
    a.store(1, rlx);
    y.store(1, rel);
  });
  mc::thread t2([&] {
    y.store(2, rlx);
    a.store(2, rlx);
  });
  mc::thread t3([&] {
    v = wait_on<Await>(y, acq, [](int f) { return f != 0; });
    r = a.load(rlx);
  });
  t1.join();
  t2.join();
  t3.join();
  seen.insert({v, r, 0});
}

// All seq_cst: a store-buffering shape where one side's read is an await on a counter the
// other side moves through a value the predicate refuses.
template <bool Await>
void prog_sc(std::set<outcome>& seen) {
  P::atomic<int> x(0), y(0);
  int v = -1, r = -1;
  mc::thread t1([&] {
    x.store(1, sc);
    x.store(2, sc);
    r = y.load(sc);
  });
  mc::thread t2([&] {
    y.store(1, sc);
    v = wait_on<Await>(x, sc, [](int f) { return f != 1; });
  });
  t1.join();
  t2.join();
  seen.insert({v, r, 0});
}

// Relaxed: the awaited counter is bumped by two RMWs; the wait may end on either value >= 1.
template <bool Await>
void prog_rlx(std::set<outcome>& seen) {
  P::atomic<int> n(0), z(0);
  int v = -1, r = -1, s = -1;
  mc::thread t1([&] {
    n.fetch_add(1, rlx);
    z.store(1, rlx);
  });
  mc::thread t2([&] {
    s = z.load(rlx);
    n.fetch_add(1, rlx);
  });
  mc::thread t3([&] {
    v = wait_on<Await>(n, rlx, [](int c) { return c >= 1; });
    r = z.load(rlx);
  });
  t1.join();
  t2.join();
  t3.join();
  seen.insert({v, r, s});
}

template <void (*Spin)(std::set<outcome>&), void (*Await)(std::set<outcome>&)>
void compare(const char* name) {
  std::set<outcome> spin_out, await_out, red_out;
  mc::options o = opts(name, mc::search_mode::dfs);
  o.graphs = 1;
  mc::result spin = mc::check(o, [&] { Spin(spin_out); });
  mc::result aw = mc::check(o, [&] { Await(await_out); });
  mc::options ro = opts(name, mc::search_mode::exhaustive);
  ro.graphs = 1;
  mc::result red = mc::check(ro, [&] { Await(red_out); });
  std::set<std::pair<std::uint64_t, std::uint64_t>> spin_ids(spin.graph_ids.begin(), spin.graph_ids.end());
  bool subset = true;
  for (const auto& id : aw.graph_ids) subset = subset && spin_ids.count(id) != 0;
  std::printf("  %s: spin %llu executions, %llu graphs, %zu outcomes; await (dfs) %llu executions, %llu graphs, "
              "%zu outcomes; await (reduction) %llu executions, %llu graphs\n",
              name, static_cast<unsigned long long>(spin.executions), static_cast<unsigned long long>(spin.graphs),
              spin_out.size(), static_cast<unsigned long long>(aw.executions),
              static_cast<unsigned long long>(aw.graphs), await_out.size(),
              static_cast<unsigned long long>(red.executions), static_cast<unsigned long long>(red.graphs));
  expect(spin.passed() && spin.exhausted && aw.passed() && aw.exhausted && red.passed() && red.exhausted,
         std::string("3. ") + name + ": both forms exhaust the unbounded DFS, the await the reduction", aw);
  expect(spin_out == await_out && red_out == await_out,
         std::string("3. ") + name + ": the await reaches the spin loop's outcomes", aw);
  expect(subset && aw.graphs <= spin.graphs, std::string("3. ") + name + ": every await graph is a spin graph", aw);
  expect(red.graph_ids == aw.graph_ids, std::string("3. ") + name + ": the reduction reaches the DFS's graphs", red);
  expect(aw.executions <= spin.executions, std::string("3. ") + name + ": the await explores no more than the spin",
         aw);
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  for (auto mode : modes) {
    mc::result r = mc::check(opts("mp await", mode), [] { mp_await(1); });
    expect(r.passed() && (!exhaustive_mode(mode) || r.exhausted),
           std::string("1. an await its setter satisfies passes (") + mode_name(mode) + ")", r);
    mc::result two = mc::check(opts("two awaiters", mode), [] { mp_await(2); });
    expect(two.passed() && (!exhaustive_mode(mode) || two.exhausted),
           std::string("1. two awaiters, one setter: no livelock (") + mode_name(mode) + ")", two);
  }

  for (auto mode : modes) {
    for (int stores : {0, 2}) {
      mc::result r = mc::check(opts("never satisfied", mode), [stores] { never_satisfied(stores); });
      const std::string where = "await_test.cpp:" + std::to_string(never_line);
      const bool named = r.message.find(where) != std::string::npos && r.message.find("await") != std::string::npos;
      expect(r.failure == mc::failure_kind::livelock && named,
             std::string("2. an await nobody satisfies: livelock naming ") + where + " (" + mode_name(mode) +
                 (stores ? ", failing stores)" : ")"),
             r);
      mc::options o = opts("never satisfied, replay", mode);
      o.replay = r.replay;
      mc::result again = mc::check(o, [stores] { never_satisfied(stores); });
      expect(again.failure == mc::failure_kind::livelock && again.message == r.message && again.executions == 1,
             std::string("2. its replay string reproduces it (") + mode_name(mode) + ")", again);
    }
  }

  compare<prog_ra<false>, prog_ra<true>>("release/acquire, competing store");
  compare<prog_sc<false>, prog_sc<true>>("seq_cst, refused value");
  compare<prog_rlx<false>, prog_rlx<true>>("relaxed, two RMWs");

  std::printf("%s: %d check(s) failed\n", failures ? "FAILED" : "PASSED", failures);
  return failures ? 1 : 0;
}
