// sluice/detail/waiter.hpp — one waiter type for every way to wait, and the lists that hold them.
//
// Contract. A `waiter` is one blocked operation: a thread (it owns a parker) or, through the
// resume hook, a suspended coroutine. It is registered, through one `wait_entry` per channel,
// in the wait lists of one or more channels (several for select). Whoever wants it to proceed
// claims it with ONE compare-exchange of its `select_` word from `waiting` to a final value:
//   waiting (0) -> aborted (1)        the waiter itself (ready while registering, or its deadline)
//               -> disconnected (2)   a channel's close/disconnect
//               -> cancelled (3)      the stop_token's callback
//               -> timed_out (4)      an async operation's deadline timer (async_timer.hpp)
//               -> an operation (>=8) a peer: the address of the chosen wait_entry (aligned)
// The first claim wins. Lifetime rule (what lets the waiter live on the waiting thread's
// stack): a winner other than the waiter itself makes `notify()` its last access, and the
// waiter does not return before consuming it; a loser touches the waiter no more; the lists
// are walked only under their lock, from which the waiter unregisters itself before returning.
//
// Synchronization
//   [W1] claim CAS (relaxed)     one winner by atomicity; [W2] (relaxed) reads it after the
//                                winner's notify() or as the claimer. The claimer's writes
//                                before notify() (a packet) travel by notify() -> unpark(),
//                                which happens-before the park() that consumes the token, or
//                                by the coroutine's phase word (coro_waiter.hpp).
//   [L1] is_empty_ store (seq_cst) in register, [L2] is_empty_ load (seq_cst) in notify: the
//   "nobody waits" fast path. A registering party stores false [L1], then re-checks its channel
//   with seq_cst loads; a notifier publishes with a seq_cst RMW or fence, then loads [L2]. Both
//   in S, at least one side sees the other (no store buffering under seq_cst): no lost wake-up.
#pragma once

#include <cstdint>
#include <optional>

#include "sluice/detail/guarded.hpp"
#include "sluice/platform.hpp"

namespace sluice::detail {
namespace waiter_order {
// ORDERING: relaxed — [W1] needs only atomicity; the claimer's writes travel by notify(), the
// waiter's by how the claimer found it (a list lock, [O4]/[O1], [T1]/[T2]) (papers/orderings.md:
// waiter.claim).
inline constexpr named_order claim{"waiter.claim", std::memory_order_relaxed};
// ORDERING: relaxed — [W2] is read by the claimer or after the winner's notify(), sequenced after
// [W1]: coherence makes it see the claim (papers/orderings.md: waiter.observe).
inline constexpr named_order observe{"waiter.observe", std::memory_order_relaxed};
// ORDERING: relaxed on a failed claim — the value is discarded; a loser touches the waiter no
// more (papers/orderings.md: waiter.claim_fail).
inline constexpr named_order claim_fail{"waiter.claim_fail", std::memory_order_relaxed};
// ORDERING: seq_cst — [L1]/[L2], the store-buffering pair of the "nobody waits" fast path.
inline constexpr named_order is_empty_store{"wait_list.is_empty_store", std::memory_order_seq_cst};
inline constexpr named_order is_empty_load{"wait_list.is_empty_load", std::memory_order_seq_cst};
// ORDERING: relaxed — has_waiters(), a scheduling hint (who spins), never a correctness check.
inline constexpr named_order hint{"wait_list.hint", std::memory_order_relaxed};
}  // namespace waiter_order

enum : std::uintptr_t {
  sel_waiting = 0, sel_aborted = 1, sel_disconnected = 2, sel_cancelled = 3, sel_timed_out = 4, sel_first_operation = 8
};

template <class P>
class waiter {
 public:
  using time_point = typename P::clock::time_point;

  waiter() noexcept : select_(sel_waiting) {}
  waiter(const waiter&) = delete;
  waiter& operator=(const waiter&) = delete;

  // Claims the waiter for `sel`; a winner other than the owner must then notify().
  bool try_select(std::uintptr_t sel) noexcept {
    std::uintptr_t expected = sel_waiting;
    // [W1] ORDERING: waiter.claim — see the header.
    return select_.compare_exchange_strong(expected, sel, waiter_order::claim,
                                           waiter_order::claim_fail);
  }
  // Claims the waiter on its own behalf (no notification will follow).
  bool try_select_self(std::uintptr_t sel) noexcept {
    if (!try_select(sel)) return false;
    self_selected_ = true;
    return true;
  }

  std::uintptr_t selected() const noexcept {
    // [W2] ORDERING: waiter.observe — pairs with [W1].
    return select_.load(waiter_order::observe);
  }
  // The claimer's last access. Threads: unpark; coroutines: the resume hook.
  void notify() noexcept {
    if (resume_)
      resume_(resume_context_);
    else
      parker_.unpark();
  }
  // Makes this waiter resume a coroutine instead of unparking a thread (used by async).
  void set_resume_hook(void (*hook)(void*), void* context) noexcept {
    resume_ = hook;
    resume_context_ = context;
  }
  // Blocks the owning thread until the waiter is claimed (by itself as `aborted` once
  // `deadline` passes); returns the claim.
  std::uintptr_t wait_until(const time_point* deadline) noexcept {
    bool token = false;
    for (;;) {
      const std::uintptr_t sel = selected();
      if (sel != sel_waiting) {
        if (!self_selected_)
          while (!token) token = parker_.park();
        return sel;
      }
      if (deadline) {
        token = parker_.park_until(*deadline);
        if (!token && P::clock::now() >= *deadline && try_select_self(sel_aborted))
          return sel_aborted;
      } else {
        token = parker_.park();
      }
    }
  }

 private:
  typename P::template atomic<std::uintptr_t> select_;
  typename P::parker parker_;
  bool self_selected_ = false;  // SAFETY: owner-only (plain bool, written and read by the owner)
  void (*resume_)(void*) = nullptr;
  void* resume_context_ = nullptr;
};

// One registration of a waiter in one channel's wait list.
template <class P>
struct wait_entry {
  waiter<P>* w = nullptr;
  void* packet = nullptr;  // flavor-defined (the rendezvous flavor's message hand-off)
  wait_entry* prev = nullptr;
  wait_entry* next = nullptr;
  std::uintptr_t operation() const noexcept { return reinterpret_cast<std::uintptr_t>(this); }
};
static_assert(alignof(wait_entry<struct any_platform_tag>) >= sel_first_operation,
              "wait_entry addresses must not collide with the final claim values");

// An intrusive FIFO of wait entries. Not synchronized: callers hold a lock.
template <class P>
class waiter_queue {
 public:
  bool empty() const noexcept { return head_ == nullptr; }

  template <class Pred>
  bool any_of(Pred pred) const noexcept {
    for (const wait_entry<P>* e = head_; e; e = e->next)
      if (pred(*e)) return true;
    return false;
  }

  void push(wait_entry<P>& e) noexcept {
    e.prev = tail_;
    e.next = nullptr;
    if (tail_)
      tail_->next = &e;
    else
      head_ = &e;
    tail_ = &e;
  }
  // Removes `e` if it is still queued; returns whether it was.
  bool remove(wait_entry<P>& e) noexcept {
    if (!e.prev && head_ != &e) return false;
    if (e.prev)
      e.prev->next = e.next;
    else
      head_ = e.next;
    if (e.next)
      e.next->prev = e.prev;
    else
      tail_ = e.prev;
    e.prev = e.next = nullptr;
    return true;
  }
  // Claims and dequeues the oldest waiter; the caller notify()s it after unlocking.
  std::optional<wait_entry<P>> try_claim() noexcept {
    return try_claim_if([](const wait_entry<P>&) { return true; });
  }
  // The same, among the entries that satisfy `pred` and are not `self`'s (a select must not
  // pair with itself; not a thread test: a coroutine resumed inline runs on its waker's thread).
  template <class Pred>
  std::optional<wait_entry<P>> try_claim_if(Pred pred, const waiter<P>* self = nullptr) noexcept {
    for (wait_entry<P>* e = head_; e; e = e->next) {
      if (e->w == self || !pred(*e)) continue;
      if (e->w->try_select(e->operation())) {
        wait_entry<P> copy = *e;
        remove(*e);
        return copy;
      }
    }
    return std::nullopt;
  }
  // Claims every waiter as disconnected and dequeues all; returns the claimed ones chained
  // through `next`, for notify_chain.
  wait_entry<P>* claim_all_disconnected() noexcept {
    wait_entry<P>* claimed = nullptr;
    wait_entry<P>* e = head_;
    while (e) {
      wait_entry<P>* next = e->next;
      e->prev = e->next = nullptr;
      if (e->w->try_select(sel_disconnected)) {
        e->next = claimed;  // reuse the link: the entry is no longer queued
        claimed = e;
      }
      e = next;
    }
    head_ = tail_ = nullptr;
    return claimed;
  }

 private:
  wait_entry<P>* head_ = nullptr;
  wait_entry<P>* tail_ = nullptr;
};

// Notifies a claim_all_disconnected() chain; reads `next` first (notify() is the last access).
template <class P>
void notify_chain(wait_entry<P>* e) noexcept {
  while (e) {
    wait_entry<P>* next = e->next;
    waiter<P>* w = e->w;
    w->notify();
    e = next;
  }
}

// A wait list with its own lock and a lock-free "nobody waits" fast path ([L1]/[L2]).
template <class P>
class sync_wait_list {
 public:
  void register_entry(wait_entry<P>& e) noexcept {
    lock_guard g(lock_);
    queue_.get(g).push(e);
    // [L1] ORDERING: wait_list.is_empty_store — see the header.
    is_empty_.store(false, waiter_order::is_empty_store);
  }
  // Whether the entry was still queued (no notifier claimed it).
  bool unregister_entry(wait_entry<P>& e) noexcept {
    lock_guard g(lock_);
    const bool removed = queue_.get(g).remove(e);
    // ORDERING: wait_list.is_empty_store — keeps [L1]'s flag exact under the lock.
    is_empty_.store(queue_.get(g).empty(), waiter_order::is_empty_store);
    return removed;
  }
  // Whether anyone waits here now (a hint: relaxed, may be stale either way).
  bool has_waiters() const noexcept {
    // ORDERING: wait_list.hint — a scheduling hint only; nothing is published through it.
    return !is_empty_.load(waiter_order::hint);
  }
  // Wakes one waiter, if any; the caller published its change with a seq_cst RMW or fence ([L2]).
  [[gnu::always_inline]] void notify_one() noexcept {
    claim_one([](const wait_entry<P>& claimed) { claimed.w->notify(); });
  }
  // Claims and dequeues the oldest waiter, if any, and passes it to `then` after unlocking:
  // `then` may complete the waiter's operation through the entry's packet first, and must
  // notify() it. Same [L2] rule. The check is inline, since most calls find nobody waiting; the
  // lock, the claim and `then` are out of line (one call, with `then` passed by value: keep it
  // small, a lambda capturing a pointer or nothing).
  template <class Then>
  [[gnu::always_inline]] void claim_one(Then then) noexcept {
    // [L2] ORDERING: wait_list.is_empty_load — see the header.
    if (is_empty_.load(waiter_order::is_empty_load)) [[likely]]
      return;
    claim_one_locked(then);
  }
  // Claims and wakes every waiter as disconnected; the caller closed its channel with a seq_cst
  // RMW first, so a waiter registering after our [L2] sees the close on its re-check.
  void disconnect() noexcept {
    // [L2] ORDERING: wait_list.is_empty_load.
    if (is_empty_.load(waiter_order::is_empty_load)) return;
    wait_entry<P>* chain;
    {
      lock_guard g(lock_);
      chain = queue_.get(g).claim_all_disconnected();
      // ORDERING: wait_list.is_empty_store — the queue is now empty.
      is_empty_.store(true, waiter_order::is_empty_store);
    }
    notify_chain<P>(chain);
  }

 private:
  // claim_one after [L2] saw a waiter: no second load.
  template <class Then>
  [[gnu::noinline]] void claim_one_locked(Then then) noexcept {
    std::optional<wait_entry<P>> claimed;
    {
      lock_guard g(lock_);
      claimed = queue_.get(g).try_claim();
      // ORDERING: wait_list.is_empty_store — keeps the flag exact under the lock.
      is_empty_.store(queue_.get(g).empty(), waiter_order::is_empty_store);
    }
    if (claimed) then(*claimed);
  }

  short_lock<P> lock_;
  lock_owned<waiter_queue<P>, P> queue_;
  typename P::template atomic<bool> is_empty_{true};
};
}  // namespace sluice::detail
