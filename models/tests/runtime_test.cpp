// models/tests/runtime_test.cpp — the checker's own machinery.
//
// Proves: replay strings rerun exactly the failing execution; leaks, double frees, livelocks
// and deadlocks are reported with the right class; ordering overrides by name and by file:line
// change what is found; timed parks can time out and untimed ones wake spuriously as model
// choices; a stop callback runs without preemption; thread ids are distinct and non-zero;
// random_index is a choice every mode explores and replay reproduces.
#include <cstdio>
#include <cstring>
#include <functional>
#include <new>
#include <stop_token>
#include <string>

#include "sluice/model.hpp"

namespace mc = sluice::model;
using P = mc::platform;

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
  std::printf("%-70s %s\n", what, ok ? "ok" : "FAIL");
  if (!ok) ++failures;
}

mc::options quiet(const char* name) {
  mc::options o;
  o.name = name;
  o.print_summary = false;
  o.print_failure = false;
  o.use_env = false;
  return o;
}

constexpr sluice::named_order publish{"test.publish", std::memory_order::release};
constexpr sluice::named_order consume_flag{"test.consume", std::memory_order::acquire};

unsigned load_line = 0;  // the line of named_mp's flag load, for the file:line override

void named_mp() {
  P::cell<int> d(0);
  P::atomic<int> f(0);
  mc::thread a([&] {
    d.with_mut([](int* p) { *p = 1; });
    f.store(1, publish);
  });
  mc::thread b([&] {
    load_line = __LINE__ + 1;
    if (f.load(consume_flag) == 1) d.with([](const int*) {});
  });
  a.join();
  b.join();
}

void lost_update() {
  P::atomic<int> n(0);
  auto inc = [&] { n.store(n.load(std::memory_order::relaxed) + 1, std::memory_order::relaxed); };
  mc::thread a(inc);
  mc::thread b(inc);
  a.join();
  b.join();
  MODEL_ASSERT(n.load(std::memory_order::relaxed) == 2);
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  // Replay: the same failure, the same trace, in one execution; in every mode.
  for (auto mode : {mc::search_mode::exhaustive, mc::search_mode::dfs, mc::search_mode::random, mc::search_mode::pct}) {
    mc::options o = quiet("lost update");
    o.mode = mode;
    mc::result first = mc::check(o, lost_update);
    o.replay = first.replay;
    mc::result again = mc::check(o, lost_update);
    expect(first.failure == mc::failure_kind::assertion && again.failure == first.failure &&
               again.trace == first.trace && again.executions == 1,
           "replay string reruns exactly the failing execution");
  }
  {
    mc::options o = quiet("bad replay");
    o.replay = "mc1:zzzz";
    expect(mc::check(o, lost_update).failure == mc::failure_kind::nondeterminism, "a replay that does not fit is reported");
  }

  // Allocation errors.
  expect(mc::check(quiet("leak"), [] { (void)P::allocate(16, 8); }).failure == mc::failure_kind::leak, "leak reported");
  expect(mc::check(quiet("double free"), [] {
           void* p = P::allocate(16, 8);
           P::deallocate(p, 16, 8);
           P::deallocate(p, 16, 8);
         }).failure == mc::failure_kind::double_free,
         "double free reported");
  expect(mc::check(quiet("uaf"), [] {
           void* p = P::allocate(sizeof(P::atomic<int>), alignof(P::atomic<int>));
           auto* a = new (p) P::atomic<int>(1);
           P::deallocate(p, sizeof(P::atomic<int>), alignof(P::atomic<int>));
           (void)a->load(std::memory_order::relaxed);
         }).failure == mc::failure_kind::use_after_free,
         "access to an atomic in freed memory reported");
  expect(mc::check(quiet("clean alloc"), [] {
           void* p = P::allocate(32, 16);
           P::deallocate(p, 32, 16);
         }).passed(),
         "allocate + deallocate passes");

  // Livelock: a spin that nothing will ever end hits the step bound.
  {
    mc::options o = quiet("livelock");
    o.step_bound = 500;
    mc::result r = mc::check(o, [] {
      P::atomic<int> never(0);
      while (never.load(std::memory_order::acquire) == 0) P::spin_hint();
    });
    expect(r.failure == mc::failure_kind::livelock, "livelock reported at the step bound");
  }
  // A spin loop waiting for another thread terminates (yields do not blow up the search).
  {
    mc::result r = mc::check(quiet("spin handoff"), [] {
      P::atomic<int> flag(0);
      mc::thread t([&] { flag.store(1, std::memory_order::release); });
      while (flag.load(std::memory_order::acquire) == 0) P::spin_hint();
      t.join();
    });
    expect(r.passed() && r.exhausted, "spin-wait on another thread is explored exhaustively");
  }
  // Two spinners and the thread they wait for: the exhaustive mode's reduction masks a yielder
  // until a transition writes, so the spinners cannot keep each other runnable (issue 12 b).
  {
    mc::result r = mc::check(quiet("two spinners"), [] {
      P::atomic<int> flag(0);
      auto spin = [&] {
        while (flag.load(std::memory_order::acquire) == 0) P::spin_hint();
      };
      mc::thread a(spin);
      mc::thread b(spin);
      mc::thread setter([&] { flag.store(1, std::memory_order::release); });
      a.join();
      b.join();
      setter.join();
    });
    expect(r.passed() && r.exhausted, "two spinners and a setter: no false livelock under the reduction");
  }

  // Deadlock: park with nobody to unpark.
  expect(mc::check(quiet("deadlock"), [] {
           P::parker p;
           while (!p.park()) {
           }
         }).failure == mc::failure_kind::deadlock,
         "untimed park with no token is a deadlock");

  // Timed park: both outcomes reachable; virtual time advances on timeout.
  {
    bool saw_timeout = false, saw_wake = false;
    mc::result r = mc::check(quiet("timed park"), [&] {
      P::parker p;
      mc::thread t([&] { p.unpark(); });
      auto deadline = P::clock::now() + std::chrono::milliseconds(5);
      bool woke = p.park_until(deadline);
      if (woke) saw_wake = true;
      else {
        saw_timeout = true;
        MODEL_ASSERT(P::clock::now() >= deadline);
      }
      t.join();
    });
    expect(r.passed() && saw_timeout && saw_wake, "timed park both times out and wakes");
  }
  // Spurious wake-up: park returns false without an unpark.
  {
    bool spurious = false;
    mc::options o = quiet("spurious");
    mc::result r = mc::check(o, [&] {
      P::parker p;
      mc::thread t([&] { p.unpark(); });
      if (!p.park()) spurious = true;
      t.join();
    });
    expect(r.passed() && spurious, "park may wake spuriously");
  }

  // Ordering overrides.
  expect(mc::check(quiet("named mp"), named_mp).passed(), "message passing with named rel/acq passes");
  {
    mc::options o = quiet("override by name");
    o.overrides.push_back({"test.publish", std::memory_order::relaxed});
    expect(mc::check(o, named_mp).failure == mc::failure_kind::data_race, "override by name weakens test.publish");
  }
  {
    mc::options o = quiet("override by file:line");
    o.overrides.push_back({"runtime_test.cpp:" + std::to_string(load_line), std::memory_order::relaxed});
    mc::result r = mc::check(o, named_mp);
    expect(r.failure == mc::failure_kind::data_race, "override by file:line weakens the load");
  }

  // Stop callback runs without preemption and its model operations are recorded.
  {
    mc::result r = mc::check(quiet("stop callback"), [] {
      std::stop_source src;
      P::atomic<int> hit(0);
      P::parker p;
      P::stop_callback<std::function<void()>> cb(src.get_token(), std::function<void()>([&] {
                                                  hit.store(1, std::memory_order::release);
                                                  p.unpark();
                                                }));
      mc::thread t([&] { src.request_stop(); });
      while (hit.load(std::memory_order::acquire) == 0) p.park();
      t.join();
    });
    expect(r.passed() && r.exhausted, "stop callback wakes a parked thread without hanging");
  }

  // random_index(n): a checker choice. Exhaustive search visits every value (two draws: every
  // pair, once each); random and PCT reach every value; replay reproduces the failing draw.
  {
    bool seen[5][3] = {};
    mc::result r = mc::check(quiet("random_index exhaustive"), [&] {
      std::size_t a = P::random_index(5), b = P::random_index(3);
      MODEL_ASSERT(a < 5 && b < 3 && P::random_index(1) == 0);
      seen[a][b] = true;
    });
    bool all = true;
    for (auto& row : seen)
      for (bool v : row) all = all && v;
    expect(r.passed() && r.exhausted && r.executions == 15 && all, "exhaustive search visits every random_index pair once");
  }
  for (auto mode : {mc::search_mode::exhaustive, mc::search_mode::random, mc::search_mode::pct}) {
    bool seen[7] = {};
    mc::options o = quiet("random_index modes");
    o.mode = mode;
    o.iterations = 2000;
    mc::result all = mc::check(o, [&] {
      mc::thread t([] {});
      seen[P::random_index(7)] = true;
      t.join();
    });
    bool every = all.passed();
    for (bool v : seen) every = every && v;
    std::size_t drawn = 99, replayed = 99;
    bool replaying = false;
    auto fails_on_five = [&] {
      std::size_t v = P::random_index(7);
      (replaying ? replayed : drawn) = v;
      MODEL_ASSERT(v != 5);
    };
    mc::result first = mc::check(o, fails_on_five);
    o.replay = first.replay;
    replaying = true;
    mc::result again = mc::check(o, fails_on_five);
    expect(every && first.failure == mc::failure_kind::assertion && drawn == 5 && replayed == 5 &&
               again.trace == first.trace && again.executions == 1,
           "random_index: every mode reaches all values; replay reproduces the draw");
  }

  // Thread ids.
  {
    mc::result r = mc::check(quiet("thread ids"), [] {
      std::uintptr_t main_id = mc::rt::thread_id(), other = 0;
      mc::thread t([&] { other = mc::rt::thread_id(); });
      t.join();
      MODEL_ASSERT(main_id != 0 && other != 0 && main_id != other);
    });
    expect(r.passed(), "thread ids are non-zero and distinct");
  }

  // Too many threads is a usage error, not a crash.
  {
    mc::options o = quiet("threads");
    o.max_threads = 2;
    mc::result r = mc::check(o, [] {
      mc::thread a([] {});
      mc::thread b([] {});
      a.join();
      b.join();
    });
    expect(r.failure == mc::failure_kind::usage, "thread limit enforced");
  }

  // The DOT graph has the four edge kinds for a synchronizing execution.
  {
    mc::result r = mc::check(quiet("dot"), [] {
      P::atomic<int> x(0), f(0);
      mc::thread a([&] {
        x.store(1, std::memory_order::relaxed);
        f.store(1, std::memory_order::release);
      });
      mc::thread b([&] {
        if (f.load(std::memory_order::acquire) == 1) MODEL_ASSERT(x.load(std::memory_order::relaxed) == 0);
      });
      a.join();
      b.join();
    });
    bool edges = r.dot.find("label=sb") != std::string::npos && r.dot.find("label=rf") != std::string::npos &&
                 r.dot.find("label=sw") != std::string::npos && r.dot.find("digraph") != std::string::npos;
    expect(r.failure == mc::failure_kind::assertion && edges, "failure DOT graph has sb, rf and sw edges");
  }

  std::printf("%s: %d check(s) failed\n", failures ? "FAILED" : "PASSED", failures);
  return failures ? 1 : 0;
}
