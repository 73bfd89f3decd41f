// relacy_tests/support/common.hpp — what every scenario shares, on every platform.
//
// A scenario is a function template `template <class P, class F> void name(const config&)`:
// P is the platform (model, std, jitter), F the flavor (bounded(1), bounded(2), rendezvous,
// unbounded). It builds a channel, runs a few threads through `harness<P>`, and checks its
// claim with SLUICE_VERIFY. The same text runs in every tier (docs/DESIGN.md section 6):
//
//   relacy_tests  harness<model::platform>: model threads, the checker's assertion, tiny sizes
//   tsan_tests    harness<std_platform>:    std::thread, abort on failure, repeated many times
//   stress        harness<jitter_platform>: std::thread, random sleeps in the race windows
//
// Messages are `msg` objects that report their own destruction to a `ledger`, so every
// scenario can end with "each message was destroyed exactly once" (no leak, no double drop),
// and know the fate of each message: received by the test, handed back in a send error, or
// destroyed inside the channel when its shared state died. The ledger's counters are plain
// std::atomic: they are bookkeeping read only after the threads are joined (join is the
// happens-before edge on every platform), never a synchronization the channel relies on.
// When a scenario needs a happens-before edge of its own (the try-ops scenarios), it uses
// P::atomic with release/acquire, so the model checker sees that edge too.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sluice/sluice.hpp>

namespace sluice::verif {

// ---------------------------------------------------------------------------------------------
// Tier harness. The primary template is the real-thread harness (std and jitter platforms);
// the model tier specializes it for the model platform (relacy_tests/support/model_harness.hpp).
inline std::uint32_t harness_random() noexcept {
  static thread_local std::uint64_t s =
      0x9E3779B97F4A7C15ull ^ static_cast<std::uint64_t>(
                                   std::hash<std::thread::id>{}(std::this_thread::get_id()));
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return static_cast<std::uint32_t>(s);
}

// Longest timeout a real-thread scenario gives recv_for/send_for: short enough that both
// outcomes (timed out, completed) happen often in a run.
inline constexpr std::chrono::microseconds real_max_timeout{100};

template <class P>
struct harness {
  static constexpr bool is_model = false;
  using thread = std::thread;

  // The callable a thread runs (the model harness wraps it; std::thread needs nothing).
  template <class Fn>
  static Fn&& wrap(Fn&& fn) {
    return std::forward<Fn>(fn);
  }

  template <class Fn>
  static thread spawn(Fn&& fn) {
    return thread(std::forward<Fn>(fn));
  }

  // Whether p is a freed platform allocation: only the model can tell; real threads say no.
  static bool freed_allocation(const void*) noexcept { return false; }

  [[noreturn]] static void fail(const char* what, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: scenario check failed: %s\n", file, line, what);
    std::fflush(stderr);
    std::abort();
  }

  // A timeout for recv_for/send_for: random in [0, real_max_timeout].
  static typename P::clock::duration timeout() {
    return std::chrono::duration_cast<typename P::clock::duration>(
        std::chrono::microseconds(harness_random() % (real_max_timeout.count() + 1)));
  }
};

#define SLUICE_VERIFY(...)                                                          \
  ((__VA_ARGS__) ? static_cast<void>(0)                                             \
                 : ::sluice::verif::harness<P>::fail(#__VA_ARGS__, __FILE__, __LINE__))

// Sizes a tier chooses: tiny under the model, larger on real threads.
struct config {
  int per_producer = 2;  // messages each producer sends in the delivery scenarios
  int buffered = 2;      // messages left in an unbounded channel when it dies
};

// ---------------------------------------------------------------------------------------------
// Flavors. `capacity` is the bounded capacity (0 = rendezvous); unbounded has none.
struct bounded1 {
  static constexpr const char* name = "bounded1";
  static constexpr bool is_unbounded = false;
  static constexpr std::size_t capacity = 1;
};
struct bounded2 {
  static constexpr const char* name = "bounded2";
  static constexpr bool is_unbounded = false;
  static constexpr std::size_t capacity = 2;
};
struct rendezvous {
  static constexpr const char* name = "rendezvous";
  static constexpr bool is_unbounded = false;
  static constexpr std::size_t capacity = 0;
};
struct unbounded {
  static constexpr const char* name = "unbounded";
  static constexpr bool is_unbounded = true;
  static constexpr std::size_t capacity = 0;  // unused
};

template <class F>
inline constexpr bool can_block_sender = !F::is_unbounded;
template <class F>
inline constexpr bool buffers = F::is_unbounded || F::capacity > 0;

template <class T, class P, class F>
auto make_channel() {
  if constexpr (F::is_unbounded)
    return basic_unbounded<T, P>();
  else
    return basic_bounded<T, P>(F::capacity);
}

// ---------------------------------------------------------------------------------------------
// The ledger and the tracked message.
class ledger {
 public:
  explicit ledger(int ids)
      : ids_(ids),
        destroyed_(new std::atomic<int>[static_cast<std::size_t>(ids)]),
        received_(new std::atomic<int>[static_cast<std::size_t>(ids)]),
        handed_back_(new std::atomic<int>[static_cast<std::size_t>(ids)]) {
    for (int i = 0; i < ids; ++i) {
      destroyed_[static_cast<std::size_t>(i)].store(0, std::memory_order_relaxed);
      received_[static_cast<std::size_t>(i)].store(0, std::memory_order_relaxed);
      handed_back_[static_cast<std::size_t>(i)].store(0, std::memory_order_relaxed);
    }
  }
  ledger(const ledger&) = delete;
  ledger& operator=(const ledger&) = delete;

  int ids() const noexcept { return ids_; }
  void on_destroyed(int id) noexcept { at(destroyed_, id).fetch_add(1, std::memory_order_relaxed); }
  void on_received(int id) noexcept { at(received_, id).fetch_add(1, std::memory_order_relaxed); }
  void on_handed_back(int id) noexcept {
    at(handed_back_, id).fetch_add(1, std::memory_order_relaxed);
  }
  int destroyed(int id) const noexcept { return at(destroyed_, id).load(std::memory_order_relaxed); }
  int received(int id) const noexcept { return at(received_, id).load(std::memory_order_relaxed); }
  int handed_back(int id) const noexcept {
    return at(handed_back_, id).load(std::memory_order_relaxed);
  }
  int total_received() const noexcept {
    int n = 0;
    for (int i = 0; i < ids_; ++i) n += received(i);
    return n;
  }

 private:
  using counters = std::unique_ptr<std::atomic<int>[]>;
  std::atomic<int>& at(const counters& c, int id) const noexcept {
    if (id < 0 || id >= ids_) {
      std::fprintf(stderr, "ledger: message id %d out of range [0, %d)\n", id, ids_);
      std::abort();
    }
    return c[static_cast<std::size_t>(id)];
  }
  int ids_;
  counters destroyed_, received_, handed_back_;
};

// A move-only, non-default-constructible message that reports its destruction once. Its
// `check_` word is a function of its id: a torn or stale read of a slot shows up as a bad
// checksum on receipt even where no race detector runs.
class msg {
 public:
  msg(ledger& l, int id, int producer = 0, int seq = 0) noexcept
      : ledger_(&l), id_(id), producer_(producer), seq_(seq), check_(checksum(id)) {}
  msg(msg&& o) noexcept
      : ledger_(std::exchange(o.ledger_, nullptr)),
        id_(o.id_),
        producer_(o.producer_),
        seq_(o.seq_),
        check_(o.check_) {}
  msg& operator=(msg&& o) noexcept {
    if (this != &o) {
      release();
      ledger_ = std::exchange(o.ledger_, nullptr);
      id_ = o.id_;
      producer_ = o.producer_;
      seq_ = o.seq_;
      check_ = o.check_;
    }
    return *this;
  }
  msg(const msg&) = delete;
  msg& operator=(const msg&) = delete;
  ~msg() { release(); }

  bool intact() const noexcept { return ledger_ != nullptr && check_ == checksum(id_); }
  int id() const noexcept { return id_; }
  int producer() const noexcept { return producer_; }
  int seq() const noexcept { return seq_; }

 private:
  static constexpr std::uint32_t checksum(int id) noexcept {
    return static_cast<std::uint32_t>(id) * 2654435761u + 0x5bd1e995u;
  }
  void release() noexcept {
    if (ledger_) ledger_->on_destroyed(id_);
    ledger_ = nullptr;
  }
  ledger* ledger_;
  int id_;
  int producer_;
  int seq_;
  std::uint32_t check_;
};

// Drops a handle now (a moved-from handle is empty, so its destructor does nothing).
template <class H>
void drop(H& h) {
  H gone(std::move(h));
}

// Every message destroyed exactly once, and none both received and handed back.
#define SLUICE_VERIFY_LEDGER_CLOSED(led)                                   \
  do {                                                                     \
    for (int id_ = 0; id_ < (led).ids(); ++id_) {                          \
      SLUICE_VERIFY((led).destroyed(id_) == 1);                            \
      SLUICE_VERIFY((led).received(id_) + (led).handed_back(id_) <= 1);    \
    }                                                                      \
  } while (0)

}  // namespace sluice::verif
