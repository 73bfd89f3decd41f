// test_support/sluice_testing/coro_pool.hpp — a small M:N executor, shared by the unit tests,
// the Asio adapter's tests and the benchmark's sluice-async row (never by core/).
//
// Contract: `threads` workers take coroutine handles and resume them. schedule() may be called
// from any thread (it makes the pool a sluice::scheduler). Destruction runs everything still
// queued, then joins the workers. current() is the pool the calling thread works for (nullptr
// off the pool): tests use it to see where a coroutine was resumed.
//
// Two policies:
//  * fifo (the default): one mutex-guarded FIFO run queue; idle workers sleep on a condition
//    variable; every schedule() notifies one.
//  * local_first: a coroutine stays on the worker that woke it unless it waits there. The
//    shape is Go's scheduler (runtime/proc.go: `runnext`, per-P run queues, spinning Ms,
//    `wakep`), with one change of constants. A coroutine scheduled from one of the pool's own
//    workers goes to that worker's next slot and runs there as soon as the running coroutine
//    suspends, with no lock and no wake-up; the one it displaces goes to the back of the
//    worker's own queue. Coroutines scheduled from outside go to a shared queue that any
//    worker takes from at once. A worker with nothing of its own spins for a while before it
//    sleeps, taking from the shared queue and stealing from other workers: a next slot only
//    once the same coroutine has waited in it for next_steal_delay (Go: 3 us, runqgrab), a
//    queued coroutine only once it has waited queue_steal_delay, 200 us (Go steals at once;
//    20 us gave bounded(0) mpmc 2.6x the time of 200 us, docs/DESIGN.md section 7). Channel
//    coroutines hand each other messages, and a hand-off between two cores costs several times
//    one within a core (cache lines of the channel and of both frames move each time), so a
//    thief takes only what its owner is visibly not getting to. schedule() wakes a sleeping
//    worker only when no worker is spinning. After 61 consecutive runs from its next slot a
//    worker serves its queue first (Go checks its global queue every 61 ticks), so a ping-pong
//    pair cannot starve the rest.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace sluice_testing {

class coro_pool {
 public:
  enum class policy { fifo, local_first };

  explicit coro_pool(unsigned threads, policy pol = policy::fifo)
      : policy_(pol), workers_(std::make_unique<worker[]>(threads)), nworkers_(threads) {
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this, i] { work(i); });
  }
  coro_pool(const coro_pool&) = delete;
  coro_pool& operator=(const coro_pool&) = delete;
  ~coro_pool() {
    {
      std::lock_guard lk(m_);
      // ORDERING: seq_cst, read by spinning workers (spin()); the mutex orders it for sleepers.
      stop_.store(true, std::memory_order_seq_cst);
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  void schedule(std::coroutine_handle<> h) {
    if (policy_ == policy::fifo) {
      {
        std::lock_guard lk(m_);
        q_.push_back(h);
      }
      cv_.notify_one();
      return;
    }
    if (current() == this) {
      worker& w = workers_[index()];
      // ORDERING: seq_cst exchange: publishes h to a thief's CAS (spin()) and, with wake_one()'s
      // seq_cst loads, forms the Dekker pair with sleep()'s sleeping_ increment and re-check:
      // either the sleeper sees h or we see it asleep.
      void* displaced = w.next.exchange(h.address(), std::memory_order_seq_cst);
      if (displaced != nullptr) w.push(std::coroutine_handle<>::from_address(displaced), now_ns());
    } else {
      std::lock_guard lk(m_);
      q_.push_back(h);
      // ORDERING: seq_cst, pairs with the queued_ loads of take_shared(); the Dekker pair with
      // sleeping_ as above (sleep() also re-checks q_ under m_).
      queued_.fetch_add(1, std::memory_order_seq_cst);
    }
    wake_one();
  }

  bool running_in_this_thread() const { return current() == this; }
  static coro_pool*& current() {
    static thread_local coro_pool* p = nullptr;
    return p;
  }

 private:
  static constexpr std::int64_t none = std::numeric_limits<std::int64_t>::max();
  static constexpr int slot_streak_limit = 61;
  static constexpr std::int64_t spin_ns = 50'000;
  static constexpr std::int64_t next_steal_delay_ns = 3'000;
  static constexpr std::int64_t queue_steal_delay_ns = 200'000;
  static constexpr int poll_pauses = 32;

  static std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  struct alignas(64) worker {
    std::atomic<void*> next{nullptr};  // the coroutine to run when the current one suspends
    std::mutex m;
    std::deque<std::pair<std::coroutine_handle<>, std::int64_t>> q;  // displaced, with enqueue time
    std::atomic<std::int64_t> oldest{none};  // enqueue time of q.front(), `none` when empty

    void push(std::coroutine_handle<> h, std::int64_t t) {
      std::lock_guard lk(m);
      q.emplace_back(h, t);
      // ORDERING: seq_cst, the Dekker pair with a sleeper's re-check (any_work()), as in
      // schedule(); thieves read it as a pre-check before taking m.
      if (q.size() == 1) oldest.store(t, std::memory_order_seq_cst);
    }
    // The front coroutine if it was queued at or before `cutoff`.
    std::coroutine_handle<> pop(std::int64_t cutoff) {
      std::lock_guard lk(m);
      if (q.empty() || q.front().second > cutoff) return {};
      auto h = q.front().first;
      q.pop_front();
      // ORDERING: relaxed: written only under m; readers re-check under m.
      oldest.store(q.empty() ? none : q.front().second, std::memory_order_relaxed);
      return h;
    }
  };

  static unsigned& index() {
    static thread_local unsigned i = 0;
    return i;
  }

  // A worker may be asleep while work waits: wake one, unless a spinner will find it.
  void wake_one() {
    // ORDERING: seq_cst loads, the other half of the Dekker pairs named in schedule();
    // spinning_ pairs with spin()'s decrement, after which sleep() re-checks.
    if (spinning_.load(std::memory_order_seq_cst) != 0 || sleeping_.load(std::memory_order_seq_cst) == 0) return;
    { std::lock_guard lk(m_); }  // a sleeper between its re-check and its wait holds m_
    cv_.notify_one();
  }

  std::coroutine_handle<> take_shared() {
    // ORDERING: seq_cst load, pairs with schedule()'s increment; a stale zero only delays it.
    if (queued_.load(std::memory_order_seq_cst) == 0) return {};
    std::lock_guard lk(m_);
    return take_shared_locked();
  }
  std::coroutine_handle<> take_shared_locked() {
    if (q_.empty()) return {};
    auto h = q_.front();
    q_.pop_front();
    // ORDERING: relaxed: changed only under m_; readers re-check q_ under m_.
    queued_.fetch_sub(1, std::memory_order_relaxed);
    return h;
  }

  std::coroutine_handle<> take_next(unsigned w) {
    // ORDERING: acquire exchange, pairs with schedule()'s exchange (the frame's writes).
    void* p = workers_[w].next.exchange(nullptr, std::memory_order_acquire);
    return p ? std::coroutine_handle<>::from_address(p) : std::coroutine_handle<>{};
  }

  // Another worker's work that has waited long enough (header): its queue's front, else its
  // next slot if `seen` shows the same coroutine there for next_steal_delay.
  std::coroutine_handle<> steal(unsigned self, std::int64_t now, std::vector<std::pair<void*, std::int64_t>>& seen) {
    for (unsigned k = 1; k < nworkers_; ++k) {
      unsigned v = (self + k) % nworkers_;
      worker& w = workers_[v];
      // ORDERING: seq_cst load, a pre-check for pop(), which re-checks under the worker's mutex.
      if (w.oldest.load(std::memory_order_seq_cst) <= now - queue_steal_delay_ns)
        if (auto h = w.pop(now - queue_steal_delay_ns)) return h;
      // ORDERING: seq_cst load, a pre-check for the CAS below.
      void* p = w.next.load(std::memory_order_seq_cst);
      if (p != seen[v].first) {
        seen[v] = {p, now};
      } else if (p != nullptr && now - seen[v].second >= next_steal_delay_ns &&
                 // ORDERING: acquire CAS, pairs with schedule()'s exchange (the frame's writes).
                 w.next.compare_exchange_strong(p, nullptr, std::memory_order_acquire)) {
        return std::coroutine_handle<>::from_address(p);
      }
    }
    return {};
  }

  std::coroutine_handle<> spin(unsigned self) {
    // ORDERING: seq_cst, pairs with wake_one()'s load: while counted, wakers rely on us.
    spinning_.fetch_add(1, std::memory_order_seq_cst);
    std::vector<std::pair<void*, std::int64_t>> seen(nworkers_, {nullptr, 0});
    const std::int64_t start = now_ns();
    std::coroutine_handle<> h;
    for (;;) {
      h = take_shared();
      const std::int64_t now = now_ns();
      if (!h) h = steal(self, now, seen);
      // ORDERING: seq_cst load, pairs with the destructor's store.
      if (h || stop_.load(std::memory_order_seq_cst) || now - start >= spin_ns) break;
      // Poll about once a microsecond: each poll pulls the owners' lines into this core.
      for (int k = 0; k < poll_pauses; ++k) pause();
    }
    // ORDERING: seq_cst, pairs with wake_one()'s load; sleep() re-checks after this.
    spinning_.fetch_sub(1, std::memory_order_seq_cst);
    return h;
  }

  // Is there work anywhere (the shared queue is checked by the caller, under m_)?
  bool any_work() const {
    for (unsigned v = 0; v < nworkers_; ++v)
      // ORDERING: seq_cst loads, the sleeper's re-check of the Dekker pair named in schedule().
      if (workers_[v].next.load(std::memory_order_seq_cst) != nullptr ||
          workers_[v].oldest.load(std::memory_order_seq_cst) != none)
        return true;
    return false;
  }

  // Sleeps until the shared queue has work (returned), or returns null to spin again: at once
  // if the pool stops, after a short nap if other workers hold work they may yet run
  // themselves, else when woken.
  std::coroutine_handle<> sleep() {
    std::unique_lock lk(m_);
    // ORDERING: seq_cst, the Dekker pair with schedule() and wake_one() (see there).
    sleeping_.fetch_add(1, std::memory_order_seq_cst);
    std::coroutine_handle<> h = take_shared_locked();
    // ORDERING: relaxed: stop_ is written under m_, which we hold.
    if (!h && !stop_.load(std::memory_order_relaxed)) {
      if (any_work())
        cv_.wait_for(lk, std::chrono::nanoseconds(queue_steal_delay_ns));
      else
        cv_.wait(lk);
      h = take_shared_locked();
    }
    // ORDERING: relaxed: a stale non-zero only costs a waker a lock and a notify.
    sleeping_.fetch_sub(1, std::memory_order_relaxed);
    return h;
  }

  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
  }

  void work(unsigned self) {
    current() = this;
    index() = self;
    if (policy_ == policy::fifo) return work_fifo();
    worker& me = workers_[self];
    int streak = 0;  // consecutive runs from the own next slot
    for (;;) {
      std::coroutine_handle<> h;
      if (streak < slot_streak_limit) h = take_next(self);
      if (h) {
        ++streak;
      } else {
        streak = 0;
        h = me.pop(none);
        if (!h) h = take_shared();
        if (!h) h = take_next(self);
        while (!h) {
          h = spin(self);
          if (!h) h = sleep();
          if (!h) h = me.pop(none);  // pushed by a coroutine's destructor, say
          if (!h) h = take_next(self);
          // ORDERING: seq_cst load, pairs with the destructor's store. Work left on other
          // workers is theirs to run; the shared queue was empty under m_ in sleep().
          if (!h && stop_.load(std::memory_order_seq_cst) && queued_.load(std::memory_order_seq_cst) == 0) return;
        }
      }
      h.resume();
    }
  }

  void work_fifo() {
    for (;;) {
      std::coroutine_handle<> h;
      {
        std::unique_lock lk(m_);
        // ORDERING: relaxed: stop_ is written under m_, which we hold.
        cv_.wait(lk, [&] { return stop_.load(std::memory_order_relaxed) || !q_.empty(); });
        if (q_.empty()) return;
        h = q_.front();
        q_.pop_front();
      }
      h.resume();
    }
  }

  const policy policy_;
  std::unique_ptr<worker[]> workers_;
  const unsigned nworkers_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::coroutine_handle<>> q_;  // fifo: the run queue; local_first: the shared queue
  std::atomic<bool> stop_{false};
  std::atomic<int> queued_{0}, spinning_{0}, sleeping_{0};
  std::vector<std::thread> threads_;
};

}  // namespace sluice_testing
