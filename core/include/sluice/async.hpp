// sluice/async.hpp — co_await on every channel, from any coroutine, with no executor required.
//
//   sluice::recv_result<int> r = co_await rx.async_recv();         // or async_recv(stop_token)
//   sluice::send_result<int> s = co_await tx.async_send(42);
//   while (auto m = co_await rx.async_recv()) use(*m);             // async iteration
//
// Sync and async ends mix freely on one channel: a thread blocked in recv() is woken by a
// coroutine's async_send and vice versa, and one select() may wait on channels that
// coroutines also wait on.
//
// Resumption. A woken coroutine is resumed through a scheduler when it has one — passed as an
// argument (async_recv(sched)), or exposed by the awaiting coroutine's promise as
// `promise.scheduler()` — and otherwise on the waking thread, after the channel has released
// every lock, through a per-thread trampoline: a coroutine resumed while another resumption
// is running on the same thread is queued and run when that one returns, so chains of
// coroutines waking each other do not grow the stack.
// A scheduler is anything with `schedule(std::coroutine_handle<>)` (concept sluice::scheduler,
// sluice/scheduler.hpp).
//
// Cancellation. A stop_token stopped while the operation waits completes it with
// errc::cancelled. Destroying a coroutine suspended in an async operation withdraws it: a
// receive that had not taken a message leaves the channel as it was (a wake-up it had been
// given is passed on to the next waiter); a send whose message was not taken destroys the
// message exactly once with the coroutine frame, and a send whose message a receiver already
// took counts as delivered. Destroy a suspended coroutine only where no one can be resuming it
// (on its executor, or after its stop_token was stopped and it completed); that is the rule of
// C++ coroutines, not of sluice. An executor may still receive a post for a coroutine destroyed
// on it (the waker decided to post first): what is posted is a library-owned handle that then
// resumes nothing and frees itself, so run it as any other (detail/coro_waiter.hpp). Every handle
// given to a scheduler must be run once, also by an executor that shuts down: one it drops
// leaks that small frame (it must not be destroyed either: the owner may still be cancelling it).
//
// Lifetimes. An operation owns a clone of the handle it was made from (async_select: of every
// case's handle), so it may be awaited after the caller's handles are gone; the channel stays
// alive, and open on that side, until the operation is destroyed.
//
// Happens-before: as for the blocking operations (channel.hpp).
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "sluice/channel.hpp"
#include "sluice/scheduler.hpp"

namespace sluice {


// The operations, as free functions on the handles; each checks the handle and forwards to the
// handle's member of the same name (channel.hpp), which does the work.
template <class T, platform P>
detail::async_op<recv_result<T>, P> async_recv(const basic_receiver<T, P>& rx, std::stop_token stop = {}) {
  if (!rx) throw empty_handle_error("async_recv");
  return rx.async_recv(std::move(stop));
}
template <class T, platform P, scheduler Sched>
detail::async_op<recv_result<T>, P> async_recv(const basic_receiver<T, P>& rx, Sched& sched, std::stop_token stop = {}) {
  if (!rx) throw empty_handle_error("async_recv");
  return rx.async_recv(sched, std::move(stop));
}
template <class T, platform P, class U>
detail::async_op<send_result<T>, P> async_send(const basic_sender<T, P>& tx, U&& msg, std::stop_token stop = {}) {
  if (!tx) throw empty_handle_error("async_send");
  return tx.async_send(std::forward<U>(msg), std::move(stop));
}
template <class T, platform P, class U, scheduler Sched>
detail::async_op<send_result<T>, P> async_send(const basic_sender<T, P>& tx, U&& msg, Sched& sched,
                                            std::stop_token stop = {}) {
  if (!tx) throw empty_handle_error("async_send");
  return tx.async_send(std::forward<U>(msg), sched, std::move(stop));
}

}  // namespace sluice
