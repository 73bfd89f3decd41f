// models/tests/leak_test.cpp — the checker itself leaks nothing per execution or per failure.
//
// Proves: the number of live heap blocks after a long search equals the number after a short
// one (no block per execution: a completed execution used to leave its fiber holding a string),
// and repeated failing checks of every failure kind leave no blocks behind either (a failure
// leaves the fiber for good, so no checker object with a destructor may be alive on it).
// Counts blocks through a replaced global operator new/delete in this binary.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "sluice/model.hpp"

namespace {
std::atomic<long long> live_blocks{0};

void* counted_new(std::size_t n, std::size_t align) {
  void* p = align > alignof(std::max_align_t) ? std::aligned_alloc(align, (n + align - 1) / align * align)
                                               : std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  live_blocks.fetch_add(1, std::memory_order_relaxed);
  return p;
}
void counted_delete(void* p) noexcept {
  if (p == nullptr) return;
  live_blocks.fetch_sub(1, std::memory_order_relaxed);
  std::free(p);
}
}  // namespace

void* operator new(std::size_t n) { return counted_new(n, 0); }
void* operator new[](std::size_t n) { return counted_new(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_new(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_new(n, static_cast<std::size_t>(a)); }
void operator delete(void* p) noexcept { counted_delete(p); }
void operator delete[](void* p) noexcept { counted_delete(p); }
void operator delete(void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_delete(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_delete(p); }

namespace mc = sluice::model;
using P = mc::platform;

namespace {
int failures = 0;

void expect(bool ok, const char* what, long long before, long long after) {
  std::printf("%-62s %lld -> %lld blocks %s\n", what, before, after, ok ? "ok" : "FAIL");
  if (!ok) ++failures;
}

mc::options quiet(const char* name, mc::search_mode mode, std::uint64_t iterations) {
  mc::options o;
  o.name = name;
  o.mode = mode;
  o.iterations = iterations;
  o.print_summary = false;
  o.print_failure = false;
  o.use_env = false;
  return o;
}

// Two threads, an atomic, a cell, a parker, an allocation: every execution completes.
void passing_body() {
  P::atomic<int> flag(0);
  P::cell<int> data(0);
  P::parker parker;
  mc::thread t([&] {
    void* p = P::allocate(16, 8);
    P::deallocate(p, 16, 8);
    data.with_mut([](int* d) { *d = 1; });
    flag.store(1, std::memory_order::release);
    parker.unpark();
  });
  while (flag.load(std::memory_order::acquire) == 0) parker.park();
  data.with([](const int* d) { MODEL_ASSERT(*d == 1); });
  t.join();
}

// The live block count after `run(small)` and after `run(large)` must be equal.
template <class Run>
void no_growth(const char* what, Run run, int small, int large) {
  run(small);  // warm-up: the checker's buffers reach their size
  long long before = live_blocks.load();
  run(large);
  long long after = live_blocks.load();
  expect(after == before, what, before, after);
}
}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  for (auto mode : {mc::search_mode::random, mc::search_mode::pct, mc::search_mode::exhaustive}) {
    no_growth(
        mode == mc::search_mode::random ? "random: 10000 executions, no block per execution"
        : mode == mc::search_mode::pct  ? "pct: 10000 executions, no block per execution"
                                        : "exhaustive: repeated searches, no block per execution",
        [mode](int n) {
          if (mode == mc::search_mode::exhaustive) {
            for (int i = 0; i < n / 100; ++i) (void)mc::check(quiet("leak", mode, 0), passing_body);
          } else {
            mc::result r = mc::check(quiet("leak", mode, static_cast<std::uint64_t>(n)), passing_body);
            if (!r.passed()) std::abort();
          }
        },
        1000, 10000);
  }

  // Failing checks: each failure kind, many times over.
  auto failing = [](int n) {
    for (int i = 0; i < n; ++i) {
      mc::options o = quiet("fail", mc::search_mode::exhaustive, 0);
      (void)mc::check(o, [] {  // data race
        P::cell<int> c(0);
        mc::thread t([&] { c.with_mut([](int* p) { *p = 1; }); });
        c.with_mut([](int* p) { *p = 2; });
        t.join();
      });
      (void)mc::check(o, [] { MODEL_ASSERT(P::random_index(2) == 0); });   // assertion
      (void)mc::check(o, [] { (void)P::allocate(8, 8); });                // leak
      (void)mc::check(o, [] {                                              // deadlock
        P::parker p;
        while (!p.park()) {
        }
      });
      (void)mc::check(o, [] {                                              // use after free
        void* p = P::allocate(16, 8);
        P::deallocate(p, 16, 8);
        P::deallocate(p, 16, 8);
      });
      mc::options spin = o;
      spin.step_bound = 50;
      (void)mc::check(spin, [] {                                           // livelock
        P::atomic<int> never(0);
        while (never.load(std::memory_order::relaxed) == 0) P::spin_hint();
      });
    }
  };
  no_growth("failing checks of six kinds, 10 then 100 times: no growth", failing, 10, 100);

  std::printf("%s: %d check(s) failed\n", failures ? "FAILED" : "PASSED", failures);
  return failures ? 1 : 0;
}
