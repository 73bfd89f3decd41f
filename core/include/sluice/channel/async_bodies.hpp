// sluice/channel/async_bodies.hpp — the retry loops of async_send and async_recv.
//
// Contract: each operation is an awaitable (chan_async_op) that, when awaited, tries once on the
// awaiting thread; only an operation that would block starts a lazily started coroutine
// (async_chan_body, async_op.hpp) that waits on the channel's port (any_port.hpp,
// async_port_wait.hpp) and tries again, so an operation that completes at once costs no frame. A message being sent lives in the frame until a channel takes it (destroyed once with
// a destroyed suspended send). With a deadline, what is found at once is taken even past it;
// otherwise timed_out once it passes (the caller's timer, async_timer.hpp). Each operation
// owns a clone of its handle (as flume's and tokio's futures), so the channel stays alive, and
// open on that side, until the operation is destroyed.
#pragma once

#include <coroutine>
#include <cstddef>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "sluice/channel/any_port.hpp"
#include "sluice/channel/shared_state.hpp"
#include "sluice/detail/async_port_wait.hpp"
#include "sluice/detail/async_op.hpp"
#include "sluice/detail/async_timer.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/result.hpp"

namespace sluice::detail {
// async_send (Send) or async_recv through `h`, the operation's clone of its handle; `msg` is
// the message being sent (none for a receive, which receives into `out`). `tried`: the caller
// has just made an attempt that found nothing, so the first step registers at once (the
// registration re-checks the channel, as every wait does, so nothing that came meanwhile is
// missed).
template <bool Send, class T, class P, class Handle>
async_op<std::conditional_t<Send, send_result<T>, recv_result<T>>, P> async_chan_body(
    Handle h, std::conditional_t<Send, stored_t<T, P>, no_msg> msg, std::stop_token stop, deadline_spec<P> deadline,
    bool tried) {
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
    std::optional<status> st;
    if (!std::exchange(tried, false)) st = try_through<Send>(h.ref(), buffer);
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

// What async_send and async_recv on a channel return. Nothing runs until it is awaited (a
// destroyed, never awaited one drops its clone and its message). Awaited, await_ready makes one
// attempt; done, the caller continues with no suspension and no coroutine frame. Otherwise
// await_suspend hands the clone, the message, the stop token and the deadline to
// async_chan_body, whose first step registers to wait (its registration re-checks the channel).
template <bool Send, class T, class P, class Handle>
class [[nodiscard]] chan_async_op {
  using R = std::conditional_t<Send, send_result<T>, recv_result<T>>;
  using msg_t = std::conditional_t<Send, stored_t<T, P>, no_msg>;

 public:
  chan_async_op(Handle h, msg_t msg, std::stop_token stop, deadline_spec<P> deadline)
      : h_(std::move(h)), msg_(std::move(msg)), stop_(std::move(stop)), deadline_(deadline) {}
  chan_async_op(chan_async_op&& o) noexcept(std::is_nothrow_move_constructible_v<msg_t>)
      : h_(std::move(o.h_)), msg_(std::move(o.msg_)), stop_(std::move(o.stop_)), deadline_(o.deadline_),
        sched_(o.sched_), op_(std::move(o.op_)), tried_(o.tried_) {}  // moved before it is awaited (state_ none)
  chan_async_op(const chan_async_op&) = delete;
  chan_async_op& operator=(const chan_async_op&) = delete;
  chan_async_op& operator=(chan_async_op&&) = delete;
  ~chan_async_op() {
    if constexpr (!Send) {
      // SAFETY: filled only between a successful await_ready and await_resume.
      if (state_ == fast::ok) out_.destroy();
    }
  }

  bool await_ready() {
    if (stop_.stop_requested()) return false;  // the body reports it, after its own attempt
    const std::optional<status> st = try_through<Send>(h_.ref(), buffer());
    tried_ = !st;
    if (!st) return false;
    state_ = *st == status::ok ? fast::ok : fast::closed;
    return true;
  }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> caller) {
    op_.emplace(async_chan_body<Send, T, P>(std::move(h_), std::move(msg_), std::move(stop_), deadline_, tried_));
    if (sched_) op_->scheduler_slot() = sched_;
    return op_->await_suspend(caller);
  }
  R await_resume() {
    if (op_) return op_->await_resume();
    if (state_ == fast::closed) {
      if constexpr (Send)
        return handed_back<T, P>(errc::closed, msg_);
      else
        return error_from{[] { return errc::closed; }};
    }
    if constexpr (Send) {
      return send_result<T>();
    } else {
      state_ = fast::none;  // take_received ends the message in out_
      return take_received<T, P>(out_);
    }
  }
  // The scheduler a waiting operation resumes through (with_scheduler, async_op.hpp).
  resumer& scheduler_slot() noexcept { return sched_; }

 private:
  enum class fast : unsigned char { none, ok, closed };
  auto& buffer() noexcept {
    if constexpr (Send)
      return msg_;
    else
      return out_;
  }

  Handle h_;
  msg_t msg_;
  std::stop_token stop_;
  deadline_spec<P> deadline_;
  resumer sched_;
  std::optional<async_op<R, P>> op_;
  fast state_ = fast::none;
  bool tried_ = false;  // await_ready's attempt found nothing: the body registers first
  [[no_unique_address]] std::conditional_t<Send, no_msg, uninit<stored_t<T, P>>> out_;
};
}  // namespace sluice::detail
