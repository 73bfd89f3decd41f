// sluice/detail/guarded.hpp — a short spin lock, and state that is touched only while it is held.
//
// Contract. spin_lock<P> is a test-and-test-and-set lock (its wait an await_load) for short critical
// sections; short_lock<P> is the lock core uses: the platform's own when it has one
// (platform_traits<P>::has_lock: the model checker's, which blocks a waiter instead of
// exploring its spins, taken with the same named orderings), else spin_lock<P>; lock_guard<L>
// holds one for its scope. What a lock protects is declared as
//   guarded<T, P>   plain shared memory (a P::cell: the checker still sees every access),
//                   reached only through with(g, f) / with_mut(g, f);
//   lock_owned<T>   an object that is not a cell (an intrusive waiter queue), through get(g);
// where `g` is the guard of the protecting lock. The guard is the proof: an access without the
// lock does not compile, and "touched only under the lock" is argued once, here.
// SAFETY (every guarded / lock_owned access): a guard exists only between its lock's [S1] and
// [S2], so accesses under it are ordered after the previous holder's (release/acquire) and no
// two holders overlap. Each owner (a wait list, the rendezvous flavor, broadcast's and
// watermark's states) has one lock, so a guard of that type taken in its member is that lock's.
// Synchronization
//   [S1] exchange(true) (acquire) takes the lock; pairs with [S2] of the previous holder.
//   [S2] store(false) (release) gives it back.
#pragma once

#include <utility>

#include "sluice/detail/await.hpp"
#include "sluice/platform.hpp"

namespace sluice::detail {
namespace lock_order {
// ORDERING: acquire — [S1] pairs with [S2] of the previous holder.
inline constexpr named_order acquire{"wait_list.lock", std::memory_order_acquire};
// ORDERING: release — [S2] pairs with the next holder's [S1].
inline constexpr named_order release{"wait_list.unlock", std::memory_order_release};
// ORDERING: relaxed — a peek while the lock is taken; [S1] is what synchronizes.
inline constexpr named_order peek{"wait_list.lock_peek", std::memory_order_relaxed};
}  // namespace lock_order

template <class P>
class spin_lock {
 public:
  void lock() noexcept {
    // [S1] ORDERING: wait_list.lock — acquire pairs with [S2] of the previous holder.
    while (locked_.exchange(true, lock_order::acquire)) {
      // ORDERING: wait_list.lock_peek — relaxed read while waiting; [S1] synchronizes.
      (void)await_load<P>(locked_, lock_order::peek, [](bool held) { return !held; });
    }
  }
  void unlock() noexcept {
    // [S2] ORDERING: wait_list.unlock — release pairs with the next [S1].
    locked_.store(false, lock_order::release);
  }

 private:
  typename P::template atomic<bool> locked_{false};
};

// The platform's lock, taken and released with spin_lock's named orderings ([S1]/[S2]).
template <class P>
class platform_lock {
 public:
  // [S1] ORDERING: wait_list.lock — as spin_lock's; pairs with the previous holder's [S2].
  void lock() noexcept { l_.lock(lock_order::acquire); }
  // [S2] ORDERING: wait_list.unlock — as spin_lock's; pairs with the next holder's [S1].
  void unlock() noexcept { l_.unlock(lock_order::release); }

 private:
  typename P::lock l_;
};

template <class P>
struct short_lock_of {
  using type = spin_lock<P>;
};
template <class P>
  requires platform_traits<P>::has_lock
struct short_lock_of<P> {
  using type = platform_lock<P>;
};
template <class P>
using short_lock = typename short_lock_of<P>::type;

template <class L>
class lock_guard {
 public:
  explicit lock_guard(L& l) noexcept : l_(l) { l_.lock(); }
  ~lock_guard() { l_.unlock(); }
  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;

 private:
  L& l_;
};

template <class P>
using spin_guard = lock_guard<short_lock<P>>;

// Shared plain memory touched only under a short_lock<P> (see the contract).
template <class T, class P>
class guarded {
 public:
  template <class... Args>
  explicit guarded(Args&&... args) : cell_(std::forward<Args>(args)...) {}
  guarded(const guarded&) = delete;
  guarded& operator=(const guarded&) = delete;

  template <class F>
  decltype(auto) with(const spin_guard<P>&, F&& f) const {
    // SAFETY: the guard proves the lock is held (the contract above).
    return cell_.with(std::forward<F>(f));
  }
  template <class F>
  decltype(auto) with_mut(const spin_guard<P>&, F&& f) {
    // SAFETY: the guard proves the lock is held (the contract above).
    return cell_.with_mut(std::forward<F>(f));
  }
  // Without the lock, for the owner's destructor only: no other party can reach it any more.
  template <class F>
  decltype(auto) with_mut_unshared(F&& f) {
    // SAFETY: the caller is the last party (its own comment says why).
    return cell_.with_mut(std::forward<F>(f));
  }

 private:
  typename P::template cell<T> cell_;
};

// An object (not a cell) touched only under a short_lock<P> (see the contract).
template <class T, class P>
class lock_owned {
 public:
  lock_owned() = default;
  lock_owned(const lock_owned&) = delete;
  lock_owned& operator=(const lock_owned&) = delete;

  // SAFETY: the guard proves the lock is held (the contract above).
  T& get(const spin_guard<P>&) noexcept { return value_; }
  const T& get(const spin_guard<P>&) const noexcept { return value_; }

 private:
  T value_{};
};
}  // namespace sluice::detail
