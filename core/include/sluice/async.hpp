// sluice/async.hpp — co_await on every channel, from any coroutine, with no executor required.
//
//   sluice::recv_result<int> r = co_await rx.async_recv();         // or async_recv(stop_token)
//   sluice::send_result<int> s = co_await tx.async_send(42);
//   while (auto m = co_await rx.async_recv()) use(*m);             // async iteration
//
// Sync and async ends mix freely on one channel (a thread blocked in recv() is woken by a
// coroutine's async_send and vice versa; one select() may wait where coroutines wait).
//
// Resumption: through a scheduler when there is one (an argument, async_recv(sched), or the
// awaiting promise's `promise.scheduler()`; concept sluice::scheduler, scheduler.hpp), else on
// the waking thread after every lock is released, through a per-thread trampoline (a
// resumption started while another runs on that thread waits for it: no stack growth).
//
// Cancellation: a stopped stop_token completes a waiting operation with errc::cancelled.
// Destroying a coroutine suspended in an operation withdraws it: a receive that took nothing
// leaves the channel as it was (a wake-up it was given is passed on); a send whose message
// was not taken destroys it once with the frame; one whose message was taken counts as
// delivered. Destroy a suspended coroutine only where no one can be resuming it (on its
// executor, or after its stop_token was stopped and it completed): the rule of C++ coroutines.
// An executor may still be posted a handle for a coroutine destroyed on it: a library-owned
// handle that then resumes nothing and frees itself (detail/coro_waiter.hpp). Run every
// handle given to a scheduler once, also when shutting down (a dropped one leaks its small
// frame; it must not be destroyed: the owner may still be cancelling it).
//
// Lifetimes: an operation owns a clone of its handle (async_select: of every case's), so it
// may be awaited after the caller's handles are gone; the channel stays alive, and open on
// that side, until the operation is destroyed. Happens-before: as for blocking operations.
#pragma once

#include <stop_token>
#include <utility>

#include "sluice/channel.hpp"
#include "sluice/scheduler.hpp"

namespace sluice {
// The operations as free functions on the handles, forwarding to the members.
template <class T, platform P>
auto async_recv(const basic_receiver<T, P>& rx, std::stop_token stop = {}) {
  return rx.async_recv(std::move(stop));
}
template <class T, platform P, scheduler Sched>
auto async_recv(const basic_receiver<T, P>& rx, Sched& sched, std::stop_token stop = {}) {
  return rx.async_recv(sched, std::move(stop));
}
template <class T, platform P, class U>
auto async_send(const basic_sender<T, P>& tx, U&& msg, std::stop_token stop = {}) {
  return tx.async_send(std::forward<U>(msg), std::move(stop));
}
template <class T, platform P, class U, scheduler Sched>
auto async_send(const basic_sender<T, P>& tx, U&& msg, Sched& sched, std::stop_token stop = {}) {
  return tx.async_send(std::forward<U>(msg), sched, std::move(stop));
}
}  // namespace sluice
