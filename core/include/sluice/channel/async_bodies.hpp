// sluice/channel/async_bodies.hpp — the retry loops of async_send and async_recv.
//
// Contract: each operation is one lazily started coroutine (async_op.hpp) that tries and, while
// it would block, waits on the channel's port (any_port.hpp, async_port_wait.hpp) and tries
// again. A message being sent lives in the frame until a channel takes it (destroyed once with
// a destroyed suspended send). With a deadline, what is found at once is taken even past it;
// otherwise timed_out once it passes (the caller's timer, async_timer.hpp). Each operation
// owns a clone of its handle (as flume's and tokio's futures), so the channel stays alive, and
// open on that side, until the operation is destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <utility>

#include "sluice/channel/any_port.hpp"
#include "sluice/channel/shared_state.hpp"
#include "sluice/detail/async_port_wait.hpp"
#include "sluice/detail/async_op.hpp"
#include "sluice/detail/async_timer.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/result.hpp"

namespace sluice::detail {
template <class T, class P, class Receiver>
async_op<recv_result<T>, P> async_recv_body(Receiver rx, std::stop_token stop, deadline_spec<P> deadline = {}) {
  using S = stored_t<T, P>;
  deadline_guard<P> guard(deadline);
  uninit<S> out;
  std::optional<any_port<T, P, false>> port;  // made when the operation first waits
  const std::size_t order = 0;
  for (;;) {
    std::optional<status> st = try_recv_through(rx.ref(), out);
    if (!st) {
      if (stop.stop_requested()) co_return error_from{[] { return errc::cancelled; }};
      if (guard.active() && guard.passed()) co_return error_from{[] { return errc::timed_out; }};
      if (!port) port.emplace(rx.ref(), out, wait_mode::coroutine);
      one_port_table<dyn_port<P>> table{port->port()};
      const auto got = co_await port_wait<P, 1, one_port_table<dyn_port<P>>>(
          table, &order, &stop, guard.active() ? &guard : nullptr, /*probe=*/false);
      if (got.sel == sel_cancelled) co_return error_from{[] { return errc::cancelled; }};
      if (got.sel == sel_timed_out) co_return error_from{[] { return errc::timed_out; }};
      st = got.settled;
      if (!st) continue;
    }
    if (*st == status::ok) {
      // Built in the promise, moved once from `out` (a coroutine resumed inline runs on the
      // waking thread's stack: a temporary here would cost a message there).
      destroy_at_exit<S> done{out};
      co_return value_from{[&]() -> T { return std::move(stored_value<T, P>(*out.get())); }};
    }
    // Errors too are built in the promise (error_from), for the same reason.
    co_return error_from{[] { return errc::closed; }};
  }
}

template <class T, class P, class Sender>
async_op<send_result<T>, P> async_send_body(Sender tx, stored_t<T, P> msg, std::stop_token stop,
                                            deadline_spec<P> deadline = {}) {
  deadline_guard<P> guard(deadline);
  // The error is built in the promise (no temporary on the resuming thread's stack).
  auto fail = [&](errc e) {
    return error_from{[&msg, e] { return send_error<T>{e, from_stored<T, P>(std::move(msg))}; }};
  };
  // A rendezvous send waits with its message in the port's packet; it stays in this frame.
  std::optional<any_port<T, P, true>> port;  // made when the operation first waits
  const std::size_t order = 0;
  for (;;) {
    std::optional<status> st = try_send_through(tx.ref(), msg);
    if (!st) {
      if (stop.stop_requested()) co_return fail(errc::cancelled);
      if (guard.active() && guard.passed()) co_return fail(errc::timed_out);
      if (!port) port.emplace(tx.ref(), msg, wait_mode::coroutine);
      one_port_table<dyn_port<P>> table{port->port()};
      const auto got = co_await port_wait<P, 1, one_port_table<dyn_port<P>>>(
          table, &order, &stop, guard.active() ? &guard : nullptr, /*probe=*/false);
      if (got.sel == sel_cancelled) co_return fail(errc::cancelled);
      if (got.sel == sel_timed_out) co_return fail(errc::timed_out);
      st = got.settled;
      if (!st) continue;
    }
    if (*st == status::ok) co_return send_result<T>();
    co_return fail(errc::closed);
  }
}
}  // namespace sluice::detail
