// models/tests/fidelity_test.cpp — probes from an outside corpus that once fooled the checker.
//
// Proves (issue 12, a-c), each in every search mode:
//  a. no fixed-size table drops seq_cst constraints: SB with seq_cst fences never reaches
//     r1=r2=0, even after one thread has first run 70 seq_cst fences (the fence table held 64);
//  b. spin loops (with yields) waiting for a thread that can still run are never a livelock:
//     two spinners on a flag a third thread sets;
//  c. an atomic's construction is a non-atomic write: a load that does not happen after it is a
//     data race (a Michael-Scott-like queue whose node payload is an atomic published by a
//     relaxed link CAS; placement-new of an atomic racing a load); the correct versions pass.
#include <cstdio>
#include <memory>
#include <new>
#include <set>
#include <utility>

#include "sluice/model.hpp"

namespace mc = sluice::model;
using P = mc::platform;

namespace {

constexpr auto rlx = std::memory_order::relaxed;
constexpr auto acq = std::memory_order::acquire;
constexpr auto rel = std::memory_order::release;
constexpr auto sc = std::memory_order::seq_cst;

int failures = 0;

void expect(bool ok, const char* what, mc::search_mode mode, const mc::result& r) {
  const char* m = mode == mc::search_mode::exhaustive ? "exhaustive" : mode == mc::search_mode::random ? "random" : "pct";
  std::printf("%-66s %-10s %7llu executions %s\n", what, m, static_cast<unsigned long long>(r.executions),
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
  o.iterations = mode == mc::search_mode::exhaustive ? 0 : 5000;
  return o;
}

constexpr mc::search_mode modes[] = {mc::search_mode::exhaustive, mc::search_mode::random, mc::search_mode::pct};

// a. SB + seq_cst fences, thread 1 first runs `warmup` seq_cst fences.
void sb_after_fences(int warmup, std::set<std::pair<int, int>>& seen) {
  P::atomic<int> x(0), y(0);
  int r1 = -1, r2 = -1;
  mc::thread t1([&] {
    for (int i = 0; i < warmup; ++i) P::fence(sc);
    x.store(1, rlx);
    P::fence(sc);
    r1 = y.load(rlx);
  });
  mc::thread t2([&] {
    y.store(1, rlx);
    P::fence(sc);
    r2 = x.load(rlx);
  });
  t1.join();
  t2.join();
  seen.insert({r1, r2});
  MODEL_ASSERT(r1 == 1 || r2 == 1);
}

// b. Two spinners (one with spin_hint, one with yield_now) wait on a flag; `setters` threads
// (0 or 1) set it after a few operations of their own.
void two_spinners(bool with_setter) {
  P::atomic<int> flag(0), noise(0);
  auto spin_hint = [&] {
    while (flag.load(acq) == 0) P::spin_hint();
  };
  auto spin_yield = [&] {
    while (flag.load(acq) == 0) P::yield_now();
  };
  mc::thread s1(spin_hint);
  mc::thread s2(spin_yield);
  if (with_setter) {
    mc::thread setter([&] {
      noise.store(1, rlx);
      (void)noise.load(rlx);
      flag.store(1, rel);
    });
    setter.join();
  } else {
    while (noise.load(rlx) == 0) P::spin_hint();  // nobody sets anything: a true livelock
  }
  s1.join();
  s2.join();
}

// c. A Michael-Scott-like queue whose node payload is an atomic; `link` orders the CAS that
// links a new node (relaxed: a consumer that reaches the node does not happen after its
// construction). Two producers, one consumer; nodes are freed after the joins.
struct ms_node {
  P::atomic<int> value;
  P::atomic<ms_node*> next;
  explicit ms_node(int v) : value(v), next(nullptr) {}
};

ms_node* new_node(int v) { return new (P::allocate(sizeof(ms_node), alignof(ms_node))) ms_node(v); }

void ms_queue(std::memory_order link) {
  ms_node* dummy = new_node(0);
  P::atomic<ms_node*> head(dummy), tail(dummy);
  auto enqueue = [&](int v) {
    ms_node* n = new_node(v);
    for (;;) {
      ms_node* t = tail.load(acq);
      ms_node* next = t->next.load(acq);
      if (next == nullptr) {
        if (t->next.compare_exchange_strong(next, n, link, rlx)) {
          (void)tail.compare_exchange_strong(t, n, rel, rlx);
          return;
        }
      } else {
        (void)tail.compare_exchange_strong(t, next, rel, rlx);
      }
    }
  };
  int got = -1;
  mc::thread p1([&] { enqueue(1); });
  mc::thread p2([&] { enqueue(2); });
  mc::thread consumer([&] {
    ms_node* h = head.load(acq);
    ms_node* next = h->next.load(acq);
    if (next == nullptr) return;
    int v = next->value.load(rlx);
    if (head.compare_exchange_strong(h, next, acq, rlx)) got = v;
  });
  p1.join();
  p2.join();
  consumer.join();
  MODEL_ASSERT(got == -1 || got == 1 || got == 2);
  for (ms_node* n = dummy; n != nullptr;) {
    ms_node* next = n->next.load(rlx);
    n->~ms_node();
    P::deallocate(n, sizeof(ms_node), alignof(ms_node));
    n = next;
  }
}

// c. Placement-new of an atomic on one thread, a load of it on another; `published` says whether
// the load waits for a release/acquire flag set after the construction.
void placement_new_vs_load(bool published) {
  void* buf = P::allocate(sizeof(P::atomic<int>), alignof(P::atomic<int>));
  P::atomic<int> ready(0);
  P::atomic<int>* a = nullptr;
  mc::thread maker([&] {
    a = new (buf) P::atomic<int>(7);
    ready.store(1, rel);
  });
  mc::thread reader([&] {
    if (published && ready.load(acq) == 0) return;
    MODEL_ASSERT(static_cast<P::atomic<int>*>(buf)->load(rlx) == 7);
  });
  maker.join();
  reader.join();
  std::destroy_at(a);
  P::deallocate(buf, sizeof(P::atomic<int>), alignof(P::atomic<int>));
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  for (auto mode : modes) {
    std::set<std::pair<int, int>> seen;
    mc::result r = mc::check(opts("sb fences after 70 fences", mode), [&] { sb_after_fences(70, seen); });
    expect(r.passed() && (mode != mc::search_mode::exhaustive || (r.exhausted && seen.size() == 3)),
           "a. SB+sc fences after 70 sc fences: never r1=r2=0", mode, r);
  }

  for (auto mode : modes) {
    mc::result r = mc::check(opts("two spinners", mode), [] { two_spinners(true); });
    expect(r.passed() && (mode != mc::search_mode::exhaustive || r.exhausted),
           "b. two spinners and their setter: no livelock", mode, r);
    mc::options o = opts("two spinners, no setter", mode);
    o.step_bound = 400;
    mc::result never = mc::check(o, [] { two_spinners(false); });
    expect(never.failure == mc::failure_kind::livelock, "b. spinners nobody releases: still a livelock", mode, never);
  }

  for (auto mode : modes) {
    mc::result bad = mc::check(opts("ms queue, relaxed link", mode), [] { ms_queue(rlx); });
    expect(bad.failure == mc::failure_kind::data_race, "c. MS queue, relaxed link CAS: race with the payload's construction",
           mode, bad);
    mc::result good = mc::check(opts("ms queue, release link", mode), [] { ms_queue(rel); });
    expect(good.passed() && (mode != mc::search_mode::exhaustive || good.exhausted), "c. MS queue, release link CAS: passes",
           mode, good);
    mc::result racy = mc::check(opts("placement new vs load", mode), [] { placement_new_vs_load(false); });
    expect(racy.failure == mc::failure_kind::data_race, "c. placement-new of an atomic racing a load: race", mode, racy);
    mc::result fine = mc::check(opts("placement new, published", mode), [] { placement_new_vs_load(true); });
    expect(fine.passed() && (mode != mc::search_mode::exhaustive || fine.exhausted),
           "c. placement-new published by release/acquire: passes", mode, fine);
  }

  std::printf("%s: %d check(s) failed\n", failures ? "FAILED" : "PASSED", failures);
  return failures ? 1 : 0;
}
