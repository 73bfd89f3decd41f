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
#include <optional>
#include <stop_token>
#include <type_traits>

#include "sluice/channel/any_port.hpp"
#include "sluice/channel/shared_state.hpp"
#include "sluice/detail/async_port_wait.hpp"
#include "sluice/detail/async_op.hpp"
#include "sluice/detail/async_timer.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/result.hpp"

namespace sluice::detail {
// async_send (Send) or async_recv through `h`, the operation's clone of its handle; `msg` is
// the message being sent (none for a receive, which receives into `out`).
template <bool Send, class T, class P, class Handle>
async_op<std::conditional_t<Send, send_result<T>, recv_result<T>>, P> async_chan_body(
    Handle h, std::conditional_t<Send, stored_t<T, P>, no_msg> msg, std::stop_token stop, deadline_spec<P> deadline) {
  deadline_guard<P> guard(deadline);
  [[maybe_unused]] std::conditional_t<Send, no_msg, uninit<stored_t<T, P>>> out;
  auto& buffer = [&]() -> auto& {
    if constexpr (Send)
      return msg;
    else
      return out;
  }();
  // Results, errors too, are built in the promise (value_from, error_from: message.hpp): a
  // coroutine resumed inline runs on the waking thread's stack, where a temporary would cost a
  // message.
  auto fail = [&](errc e) {
    if constexpr (Send)
      return handed_back<T, P>(e, msg);
    else
      return error_from{[e] { return e; }};
  };
  // A rendezvous send waits with its message in the port's packet; it stays in this frame.
  std::optional<any_port<T, P, Send>> port;  // made when the operation first waits
  const std::size_t order = 0;
  for (;;) {
    std::optional<status> st = try_through<Send>(h.ref(), buffer);
    if (!st) {
      if (stop.stop_requested()) co_return fail(errc::cancelled);
      if (guard.active() && guard.passed()) co_return fail(errc::timed_out);
      if (!port) port.emplace(h.ref(), buffer, wait_mode::coroutine);
      one_port_table<dyn_port<P>> table{port->port()};
      const auto got = co_await port_wait<P, 1, one_port_table<dyn_port<P>>>(
          table, &order, &stop, guard.active() ? &guard : nullptr, /*probe=*/false);
      if (got.sel == sel_cancelled) co_return fail(errc::cancelled);
      if (got.sel == sel_timed_out) co_return fail(errc::timed_out);
      st = got.settled;
      if (!st) continue;
    }
    if (*st != status::ok) co_return fail(errc::closed);
    if constexpr (Send)
      co_return send_result<T>();
    else
      co_return take_received<T, P>(out);
  }
}
}  // namespace sluice::detail
