// Shared helpers of the unit tests: the flavor parameter, counted message types, and a way to
// know (without sleeping) that a thread is parked inside a blocking call.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "sluice/sluice.hpp"

namespace sluice_test {

using namespace std::chrono_literals;

// A generous bound for "must not block forever": a lost wake-up fails the test instead of
// hanging it. Never reached when the code is right.
inline constexpr auto forever = 30s;

// One channel flavor: unbounded (cap == nullopt), rendezvous (cap == 0) or a ring (cap >= 1).
struct flavor {
  const char* name;
  std::optional<std::size_t> cap;

  bool rendezvous() const { return cap == std::size_t{0}; }
  bool unbounded() const { return !cap.has_value(); }
  // Messages a single thread can send without a receiver before a send would block.
  std::size_t buffer() const { return cap ? *cap : std::size_t{1} << 20; }
};

inline std::ostream& operator<<(std::ostream& os, const flavor& f) { return os << f.name; }

inline const flavor unbounded_flavor{"unbounded", std::nullopt};
inline const flavor rendezvous_flavor{"rendezvous", std::size_t{0}};
inline const flavor bounded1_flavor{"bounded1", std::size_t{1}};
inline const flavor bounded2_flavor{"bounded2", std::size_t{2}};
inline const flavor bounded16_flavor{"bounded16", std::size_t{16}};

inline std::vector<flavor> all_flavors() {
  return {unbounded_flavor, rendezvous_flavor, bounded1_flavor, bounded2_flavor, bounded16_flavor};
}
// Flavors that buffer at least one message (everything but the rendezvous).
inline std::vector<flavor> buffered_flavors() {
  return {unbounded_flavor, bounded1_flavor, bounded2_flavor, bounded16_flavor};
}
// Flavors that can be full (a send may block).
inline std::vector<flavor> blocking_send_flavors() {
  return {rendezvous_flavor, bounded1_flavor, bounded2_flavor, bounded16_flavor};
}

struct flavor_name {
  std::string operator()(const testing::TestParamInfo<flavor>& info) const { return info.param.name; }
};

template <class T>
std::pair<sluice::sender<T>, sluice::receiver<T>> make(const flavor& f) {
  return f.cap ? sluice::bounded<T>(*f.cap) : sluice::unbounded<T>();
}

// A message that counts its live instances and remembers its payload; a moved-from instance
// has payload -1. Every instance must be destroyed exactly once (checked by `live`).
struct tracked {
  static inline std::atomic<long> live{0};
  static inline std::atomic<long> destroyed_with_payload{0};

  explicit tracked(int v) : value(v) { live.fetch_add(1, std::memory_order_relaxed); }
  tracked(tracked&& o) noexcept : value(std::exchange(o.value, -1)) {
    live.fetch_add(1, std::memory_order_relaxed);
  }
  tracked(const tracked&) = delete;
  tracked& operator=(const tracked&) = delete;
  tracked& operator=(tracked&& o) noexcept {
    if (value >= 0) destroyed_with_payload.fetch_add(1, std::memory_order_relaxed);
    value = std::exchange(o.value, -1);
    return *this;
  }
  ~tracked() {
    if (value >= 0) destroyed_with_payload.fetch_add(1, std::memory_order_relaxed);
    live.fetch_sub(1, std::memory_order_relaxed);
  }
  int value;
};

// Resets and checks tracked's counters around a test body.
struct tracked_scope {
  tracked_scope() {
    tracked::live = 0;
    tracked::destroyed_with_payload = 0;
  }
};

// Move-only and not default-constructible.
struct move_only {
  explicit move_only(int v) : value(std::make_unique<int>(v)) {}
  move_only(move_only&&) noexcept = default;
  move_only& operator=(move_only&&) noexcept = default;
  std::unique_ptr<int> value;
};
static_assert(!std::is_default_constructible_v<move_only>);
static_assert(!std::is_copy_constructible_v<move_only>);

// A message whose move constructor may throw: it throws when the source is marked `poison`,
// or when the moving thread has set `throw_on_this_thread`. Counts live instances.
struct throwing_move {
  static inline std::atomic<long> live{0};
  static inline thread_local bool throw_on_this_thread = false;
  struct boom : std::runtime_error {
    boom() : std::runtime_error("throwing_move: move failed") {}
  };

  explicit throwing_move(int v, bool p = false) : value(v), poison(p) {
    live.fetch_add(1, std::memory_order_relaxed);
  }
  throwing_move(throwing_move&& o) noexcept(false) : value(o.value), poison(o.poison) {
    if (o.poison || throw_on_this_thread) throw boom();
    o.value = -1;
    live.fetch_add(1, std::memory_order_relaxed);
  }
  throwing_move(const throwing_move&) = delete;
  throwing_move& operator=(const throwing_move&) = delete;
  throwing_move& operator=(throwing_move&& o) noexcept(false) {
    if (o.poison || throw_on_this_thread) throw boom();
    value = std::exchange(o.value, -1);
    poison = o.poison;
    return *this;
  }
  ~throwing_move() { live.fetch_sub(1, std::memory_order_relaxed); }
  int value;
  bool poison;
};
static_assert(!std::is_nothrow_move_constructible_v<throwing_move>);

// Elapsed time of a callable.
template <class F>
std::chrono::steady_clock::duration timed(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  std::forward<F>(f)();
  return std::chrono::steady_clock::now() - t0;
}

// A thread whose kernel id is known, so the test can wait (by polling /proc, not by sleeping)
// until the thread is asleep in the kernel, i.e. parked inside a blocking channel call.
class probe_thread {
 public:
  template <class F>
  explicit probe_thread(F&& f)
      : thread_([this, f = std::forward<F>(f)]() mutable {
#if defined(__linux__)
          tid_.store(static_cast<long>(::syscall(SYS_gettid)), std::memory_order_release);
#endif
          f();
          done_.store(true, std::memory_order_release);
        }) {}
  probe_thread(const probe_thread&) = delete;
  probe_thread& operator=(const probe_thread&) = delete;
  ~probe_thread() {
    if (thread_.joinable()) thread_.join();
  }

  void join() { thread_.join(); }
  bool done() const { return done_.load(std::memory_order_acquire); }

  // Returns once the thread sleeps in the kernel (state S) or has finished. A channel call
  // only sleeps when it parks, so this says "the call is blocked now" without any sleep in
  // the test. Off Linux, returns immediately (the tests stay correct, only less sharp).
  void wait_until_blocked() const {
#if defined(__linux__)
    long tid;
    while ((tid = tid_.load(std::memory_order_acquire)) == 0) std::this_thread::yield();
    const std::string path = "/proc/self/task/" + std::to_string(tid) + "/stat";
    const auto give_up = std::chrono::steady_clock::now() + forever;
    while (!done() && std::chrono::steady_clock::now() < give_up) {
      std::string stat;
      try {
        std::ifstream in(path);
        stat.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      } catch (const std::exception&) {
        continue;  // the thread ended between done() and the read (ESRCH): done() says so next
      }
      const auto paren = stat.rfind(')');
      if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'S') return;
      std::this_thread::yield();
    }
#endif
  }

 private:
  std::atomic<long> tid_{0};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace sluice_test
