// sluice/asio.hpp — sluice channels as Asio asynchronous operations, and an Asio executor as a
// sluice scheduler. Standalone Asio (ASIO_STANDALONE, <asio.hpp>); target sluice::asio. The
// core (sluice::sluice) stays free of any dependency: only this header includes Asio.
//
//   co_await sluice::asio::async_send(tx, msg, asio::use_awaitable);     // send_result<T>
//   auto r = co_await sluice::asio::async_recv(rx, asio::use_awaitable);  // recv_result<T>
//   sluice::asio::async_recv(rx, asio::bind_executor(strand, [](sluice::recv_result<T> r) {}));
//   std::future<sluice::recv_result<T>> f = sluice::asio::async_recv(rx, asio::use_future);
//
// Contract
//   async_recv(rx, token), async_send(tx, msg, token)
//       Asio initiating functions (asio::async_initiate): any completion token — callbacks,
//       asio::use_awaitable, asio::use_future, asio::experimental::deferred, as_tuple, ... The
//       operation is sluice's own async operation (rx.async_recv(stop) / tx.async_send(m, stop),
//       sluice/async.hpp), so it mixes freely with threads blocked in recv/send, with plain
//       sluice coroutines and with select on the same channel.
//   async_recv(ex, rx, token), async_send(ex, tx, msg, token)
//       The same, with `ex` as the executor for a handler that has no associated executor of
//       its own (without it: asio::system_executor, as for asio::post(token)).
//   Completion signature: void(sluice::recv_result<T>) and void(sluice::send_result<T>) — the
//       channel's own result types, not (error_code, T). Why: closed is the normal end of a
//       stream, not an exception (with use_awaitable an error_code would throw at every end of
//       iteration: `while (auto m = co_await async_recv(rx, use_awaitable))` is the loop); a
//       failed send must hand its message back, which send_error<T> carries (an error_code
//       signature would need the message as a second, sometimes-empty argument); and the
//       results are the same types the blocking and co_await operations return. Codes:
//       errc::closed, errc::cancelled.
//   Completion: the handler is invoked on its associated executor
//       (asio::get_associated_executor(handler, ex)), always through asio::post — never inside
//       the initiating function, never inside a channel lock, and never inside whatever sluice
//       call woke the operation (a send, a close, a handle's destructor, a cancellation): that
//       call is arbitrary user code that may hold locks of its own, so running a handler
//       inline there (asio::dispatch) could deadlock or reorder it. While the operation is in
//       flight it holds outstanding work on that executor (asio::executor_work_guard), so
//       io_context::run() does not return while an operation waits.
//   Handles: an operation in flight holds a clone of the handle it was started on; the
//       caller's handle may be dropped right after initiation (the clone keeps the channel
//       open for that one operation, like any live handle).
//   Cancellation: per-operation, through the handler's associated cancellation slot
//       (asio::bind_cancellation_slot, the awaitable operators, asio::experimental
//       parallel_group...). Any cancellation type (terminal, partial or total) maps to a
//       std::stop_source requested on the sluice operation: a waiting receive that has not
//       taken a message completes with errc::cancelled and leaves the channel as it was (a
//       wake-up it was given passes to the next receiver, so a later message goes to the next
//       receiver); a waiting send completes with errc::cancelled and its message in the
//       send_error — or, when a receiver already took the message, completes successfully: the
//       message is delivered exactly once either way. Neither outcome has side effects, so the
//       operation honours even `total` cancellation. A cancellation requested after the
//       operation finished has no effect. Its signal must be emitted as Asio requires (not
//       concurrently with the initiation, e.g. from the handler's executor).
//   Execution context shutdown: each execution context that operations complete on gets a
//       service (detail::op_registry) that tracks its operations in flight. When the context
//       shuts down (io_context destroyed) it cancels them and waits until each has finished;
//       their handlers are then destroyed without being invoked (Asio's rule for handlers of
//       a destroyed context) — with them a result's message, exactly once — and never touch
//       the context afterwards. A completion already posted is destroyed by the context as
//       any posted handler. Do not destroy the context from inside a coroutine that sluice
//       resumed inline (the trampoline) while one of the context's operations is being woken
//       on that same thread: the shutdown would wait for a resumption queued behind itself.
//   Exceptions: an empty handle throws sluice::empty_handle_error from the initiating function.
//       An exception thrown by the operation itself (allocation failure of an unbounded send,
//       or a message type whose move constructor throws) cannot be passed to the handler: the
//       handler is destroyed and the exception is rethrown from a function posted to the
//       executor, so it propagates out of io_context::run(), as an exception from a handler
//       does (on asio::system_executor's own threads that terminates).
//   executor_scheduler<Executor>
//       An Asio executor as a sluice scheduler: schedule(h) posts h.resume() to the executor;
//       schedule_at(tp, h) resumes h on the executor at or after tp (std::chrono::steady_clock)
//       through an asio steady timer owned by its own wait handler, so it lives until it
//       fires. It models sluice::scheduler and sluice::timer_scheduler, so it serves as the
//       timer of the async timeouts: co_await rx.async_recv_for(50ms, sched). A pending timer is
//       outstanding work: run() returns only once every time point handed to it has passed.
//       Destroying the context before a timer fires or a posted resumption runs destroys
//       those handlers unrun, as Asio does, and the coroutine they would have resumed is
//       never resumed (a coroutine_handle has no owner to destroy it).
// Namespace: sluice::asio. Inside namespace sluice (or after `using namespace sluice;`), the
// Asio library itself must then be spelled ::asio.
// Build: the sluice::asio CMake target defines ASIO_STANDALONE, and for clang
// ASIO_HAS_CO_AWAIT=1 (Asio 1.22 looks for the Coroutines TS there, which clang 14 in C++20
// mode does not announce, and would leave asio::awaitable out).
#pragma once

#include <asio/associated_allocator.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/any_io_executor.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/execution.hpp>
#include <asio/execution_context.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/system_executor.hpp>

#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "sluice/sluice.hpp"

namespace sluice::asio {

template <class E>
concept executor = ::asio::execution::is_executor<E>::value || ::asio::is_executor<E>::value;

namespace detail {

template <class Ex>
::asio::execution_context& context_of(const Ex& ex) noexcept {
  if constexpr (::asio::can_query<const Ex&, ::asio::execution::context_t>::value)
    return ::asio::query(ex, ::asio::execution::context);
  else
    return ex.context();
}

// One operation in flight, as its context's registry sees it.
struct pending_op {
  explicit pending_op(std::stop_source s) noexcept : stop(std::move(s)) {}
  std::stop_source stop;
  pending_op* prev = nullptr;  // SAFETY: the links are read and written under op_registry::m_
  pending_op* next = nullptr;
};

// The per-context service: the operations in flight whose handlers complete on this context.
// enter() before an operation starts, leave_begin()/leave_end() around its completion (the
// post, or the destruction of the handler); shutdown() cancels every entered operation and
// waits until each has left, so no operation touches the context after its shutdown.
class op_registry final : public ::asio::execution_context::service {
 public:
  static inline ::asio::execution_context::id id;

  explicit op_registry(::asio::execution_context& ctx) : ::asio::execution_context::service(ctx) {}

  // False when the context has shut down: the operation must not start.
  bool enter(pending_op& op) {
    std::lock_guard lk(m_);
    if (shut_down_) return false;
    // SAFETY: the list is only touched under m_.
    op.next = head_;
    if (head_) head_->prev = &op;
    head_ = &op;
    ++in_flight_;
    return true;
  }
  // The operation has its result: unlinks it. True: post the completion (the context lives
  // until leave_end); false: the context is shutting down, destroy the handler instead.
  bool leave_begin(pending_op& op) {
    std::lock_guard lk(m_);
    // SAFETY: the list is only touched under m_.
    if (op.prev) op.prev->next = op.next;
    if (op.next) op.next->prev = op.prev;
    if (head_ == &op) head_ = op.next;
    op.prev = op.next = nullptr;
    return !shut_down_;
  }
  // The operation is done with the context (posted, handler and work destroyed). The last
  // access to *this: a shutdown waiting for it may destroy the registry right after.
  void leave_end() {
    std::lock_guard lk(m_);
    if (--in_flight_ == 0 && shut_down_) done_.notify_all();  // under m_: *this outlives it
  }

  void shutdown() override {
    std::vector<std::stop_source> stops;
    {
      std::lock_guard lk(m_);
      shut_down_ = true;
      // SAFETY: the list is only touched under m_; the copies keep each stop state alive.
      for (pending_op* p = head_; p; p = p->next) stops.push_back(p->stop);
    }
    // Outside m_: a cancellation may complete its operation inline, which takes m_.
    for (auto& s : stops) s.request_stop();
    std::unique_lock lk(m_);
    done_.wait(lk, [&] { return in_flight_ == 0; });
  }

 private:
  std::mutex m_;
  std::condition_variable done_;
  pending_op* head_ = nullptr;
  std::size_t in_flight_ = 0;
  bool shut_down_ = false;
};

// Installed in the handler's cancellation slot: any cancellation type stops the operation.
// Holds its own reference to the stop state, so it is harmless after the operation finished.
struct canceller {
  std::stop_source stop;
  void operator()(::asio::cancellation_type_t type) {
    if ((type & (::asio::cancellation_type::terminal | ::asio::cancellation_type::partial |
                 ::asio::cancellation_type::total)) != ::asio::cancellation_type::none)
      stop.request_stop();
  }
};

// The posted completion: the handler and its result; keeps the handler's allocator.
template <class Handler, class Result>
struct completion {
  Handler handler;
  Result result;
  using allocator_type = ::asio::associated_allocator_t<Handler>;
  allocator_type get_allocator() const noexcept { return ::asio::get_associated_allocator(handler); }
  void operator()() { std::move(handler)(std::move(result)); }
};

// A coroutine that owns one operation: started at once, frees itself at the end. It has no
// scheduler, so the channel resumes it inline on the waking thread (after every lock is
// released, through sluice's trampoline); all it then does is post the completion.
struct driver {
  struct promise_type {
    driver get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // the body catches everything
  };
};

// The parameters are references: the body moves them into its own frame before its first
// suspension (it starts at once), and holds everything that may touch the context (the
// handler, the executor, the work) in optionals released before leave_end() — after it, the
// context may be gone.
template <class Result, class Start, class Handler, class Executor>
driver drive(Start& start_arg, Handler& handler_arg, const Executor& ex, op_registry& reg) {
  std::optional<Start> start(std::move(start_arg));
  std::optional<Handler> handler(std::move(handler_arg));
  std::optional<::asio::executor_work_guard<Executor>> work(std::in_place, ex);
  std::stop_source stop;
  pending_op node(stop);
  if (!reg.enter(node)) co_return;  // the context shut down: the handler is destroyed unrun

  auto slot = ::asio::get_associated_cancellation_slot(*handler);
  if (slot.is_connected()) slot.template emplace<canceller>(canceller{stop});

  std::optional<Result> result;
  std::exception_ptr error;
  try {
    result.emplace(co_await (*start)(stop.get_token()));
  } catch (...) {
    error = std::current_exception();
  }
  start.reset();  // the handle clone: the channel is no longer needed

  if (reg.leave_begin(node)) {
    try {
      if (error) {
        handler.reset();
        ::asio::post(work->get_executor(), [error] { std::rethrow_exception(error); });
      } else {
        ::asio::post(work->get_executor(), completion<Handler, Result>{std::move(*handler), std::move(*result)});
      }
    } catch (...) {
      // post failed to allocate: nothing can be reported; the handler is destroyed below.
    }
  }
  handler.reset();
  result.reset();
  work.reset();
  reg.leave_end();
}

template <class Result, class DefaultEx, class Handler, class Start>
void start_op(const DefaultEx& default_ex, Handler&& handler, Start&& start) {
  std::decay_t<Handler> h(std::forward<Handler>(handler));
  std::decay_t<Start> s(std::forward<Start>(start));
  const auto ex = ::asio::get_associated_executor(h, default_ex);
  op_registry& reg = ::asio::use_service<op_registry>(context_of(ex));
  drive<Result>(s, h, ex, reg);  // moves h and s into its frame before it returns
}

template <class DefaultEx>
struct initiate_recv {
  DefaultEx ex;
  using executor_type = DefaultEx;
  executor_type get_executor() const noexcept { return ex; }

  template <class Handler, class T, class P>
  void operator()(Handler&& handler, basic_receiver<T, P> rx) const {
    start_op<recv_result<T>>(ex, std::forward<Handler>(handler), [rx = std::move(rx)](std::stop_token st) {
      return rx.async_recv(std::move(st));
    });
  }
};

template <class DefaultEx>
struct initiate_send {
  DefaultEx ex;
  using executor_type = DefaultEx;
  executor_type get_executor() const noexcept { return ex; }

  template <class Handler, class T, class P>
  void operator()(Handler&& handler, basic_sender<T, P> tx, T msg) const {
    start_op<send_result<T>>(ex, std::forward<Handler>(handler),
                             [tx = std::move(tx), msg = std::move(msg)](std::stop_token st) mutable {
                               return tx.async_send(std::move(msg), std::move(st));
                             });
  }
};

}  // namespace detail

// Receives one message; completes with recv_result<T> (the message, errc::closed once the
// channel is closed and drained, or errc::cancelled).
template <class T, platform P, ::asio::completion_token_for<void(recv_result<T>)> Token>
auto async_recv(const basic_receiver<T, P>& rx, Token&& token) {
  if (!rx) throw empty_handle_error("sluice::asio::async_recv");
  return ::asio::async_initiate<Token, void(recv_result<T>)>(
      detail::initiate_recv<::asio::system_executor>{{}}, token, rx);
}
template <executor Executor, class T, platform P, ::asio::completion_token_for<void(recv_result<T>)> Token>
auto async_recv(const Executor& ex, const basic_receiver<T, P>& rx, Token&& token) {
  if (!rx) throw empty_handle_error("sluice::asio::async_recv");
  return ::asio::async_initiate<Token, void(recv_result<T>)>(detail::initiate_recv<Executor>{ex}, token, rx);
}

// Sends one message; completes with send_result<T> (success, or errc::closed / errc::cancelled
// with the message handed back in the send_error).
template <class T, platform P, class U, ::asio::completion_token_for<void(send_result<T>)> Token>
  requires std::is_constructible_v<T, U&&>
auto async_send(const basic_sender<T, P>& tx, U&& msg, Token&& token) {
  if (!tx) throw empty_handle_error("sluice::asio::async_send");
  return ::asio::async_initiate<Token, void(send_result<T>)>(
      detail::initiate_send<::asio::system_executor>{{}}, token, tx, T(std::forward<U>(msg)));
}
template <executor Executor, class T, platform P, class U, ::asio::completion_token_for<void(send_result<T>)> Token>
  requires std::is_constructible_v<T, U&&>
auto async_send(const Executor& ex, const basic_sender<T, P>& tx, U&& msg, Token&& token) {
  if (!tx) throw empty_handle_error("sluice::asio::async_send");
  return ::asio::async_initiate<Token, void(send_result<T>)>(detail::initiate_send<Executor>{ex}, token, tx,
                                                             T(std::forward<U>(msg)));
}

// An Asio executor as a sluice scheduler with timers (see the contract above).
template <class Executor = ::asio::any_io_executor>
class executor_scheduler {
 public:
  using executor_type = Executor;
  using clock = std::chrono::steady_clock;

  explicit executor_scheduler(const executor_type& ex) : ex_(ex) {}
  template <class Context>
    requires std::is_convertible_v<decltype(std::declval<Context&>().get_executor()), executor_type>
  explicit executor_scheduler(Context& ctx) : ex_(ctx.get_executor()) {}

  executor_type get_executor() const noexcept { return ex_; }

  void schedule(std::coroutine_handle<> h) {
    ::asio::post(ex_, [h] { h.resume(); });
  }

  void schedule_at(clock::time_point tp, std::coroutine_handle<> h) {
    using timer_t = ::asio::basic_waitable_timer<clock, ::asio::wait_traits<clock>, executor_type>;
    auto timer = std::make_unique<timer_t>(ex_, tp);
    timer_t& t = *timer;
    // The handler owns the timer: it lives until it fires (nothing ever cancels it).
    t.async_wait([h, timer = std::move(timer)](const std::error_code&) { h.resume(); });
  }

 private:
  executor_type ex_;
};

template <class Context>
executor_scheduler(Context&) -> executor_scheduler<typename Context::executor_type>;

static_assert(scheduler<executor_scheduler<>>);
static_assert(timer_scheduler<executor_scheduler<>>);  // the timer of the async timeouts

}  // namespace sluice::asio
