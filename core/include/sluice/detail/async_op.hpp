// sluice/detail/async_op.hpp — the awaitable an async operation returns, and how a woken
// coroutine is resumed.
//
// Contract
//   async_op<R,P> a lazily started coroutine holding one operation's retry loop. co_await runs
//                 it with a plain resume() in await_suspend; completing without waiting, the
//                 awaiter simply continues (no transfer, so a loop of such operations cannot
//                 grow the stack, even in GCC's ASan builds where symmetric transfer is not a
//                 tail call). If it waits, the second of {await_suspend, its final suspend}
//                 resumes the awaiter: one exchange of `finished_` decides [H1]. It takes the
//                 awaiting promise's `scheduler()`, if any, unless one was given.
//   resumer       a type-erased scheduler reference; empty = inline, through the trampoline.
//   trampoline    per thread: a resumption started while another runs on the same thread is
//                 queued and run after it, so wake-up chains never nest on the stack.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include "sluice/platform.hpp"
#include "sluice/scheduler.hpp"

namespace sluice::detail {
namespace async_op_order {
// ORDERING: acq_rel — [H1] the hand-off between await_suspend and the final suspend: the second
// to arrive sees the first's writes (the result, or the continuation) and resumes the caller.
inline constexpr named_order handoff{"async.op_handoff", std::memory_order_acq_rel};
}  // namespace async_op_order

// Runs `h` now, or after the resumption already running on this thread returns.
inline void trampoline_resume(std::coroutine_handle<> h) {
  // SAFETY: thread-local state, never shared between threads.
  static thread_local bool running = false;
  static thread_local std::vector<std::coroutine_handle<>> pending;
  if (running) {
    pending.push_back(h);
    return;
  }
  running = true;
  h.resume();
  for (std::size_t i = 0; i < pending.size(); ++i) pending[i].resume();
  pending.clear();
  running = false;
}

class resumer {
 public:
  resumer() noexcept = default;
  template <scheduler S>
  static resumer of(S& s) noexcept {
    resumer r;
    r.obj_ = &s;
    r.fn_ = [](void* o, std::coroutine_handle<> h) { static_cast<S*>(o)->schedule(h); };
    return r;
  }
  // Resumes through `fn` (no scheduler object): the platform's inline resumption.
  static resumer of_function(void (*fn)(void*, std::coroutine_handle<>)) noexcept {
    resumer r;
    r.fn_ = fn;
    return r;
  }
  explicit operator bool() const noexcept { return fn_ != nullptr; }
  void resume(std::coroutine_handle<> h) const {
    if (fn_)
      fn_(obj_, h);
    else
      trampoline_resume(h);
  }

 private:
  void* obj_ = nullptr;
  void (*fn_)(void*, std::coroutine_handle<>) = nullptr;
};

template <class Promise>
resumer resumer_of_promise(Promise& p) noexcept {
  if constexpr (requires { p.scheduler(); }) {
    auto&& s = p.scheduler();
    if constexpr (std::is_pointer_v<std::remove_cvref_t<decltype(s)>>)
      return s ? resumer::of(*s) : resumer{};
    else
      return resumer::of(s);
  } else {
    return {};
  }
}

// Storage for a coroutine frame: the platform's frame allocator if it has one, else P::allocate.
template <class P>
void* allocate_frame(std::size_t bytes) {
  if constexpr (platform_traits<P>::has_frame_allocator)
    return P::allocate_frame(bytes);
  else
    return P::allocate(bytes, __STDCPP_DEFAULT_NEW_ALIGNMENT__);
}
template <class P>
void deallocate_frame(void* p, std::size_t bytes) noexcept {
  if constexpr (platform_traits<P>::has_frame_allocator)
    P::deallocate_frame(p, bytes);
  else
    P::deallocate(p, bytes, __STDCPP_DEFAULT_NEW_ALIGNMENT__);
}

// The resumer of an operation with no scheduler: the platform's inline resumption if it has one
// (the model checker's is per model thread), else the trampoline's (empty resumer).
template <class P>
resumer inline_resumer() noexcept {
  if constexpr (platform_traits<P>::has_resume_inline)
    return resumer::of_function([](void*, std::coroutine_handle<> h) { P::resume_inline(h); });
  else
    return {};
}

// A promise base: the frame is platform-allocated shared state (tracked by the model; recycled
// per thread where the platform has a frame allocator, as std_platform does).
template <class P>
struct platform_frame {
  static void* operator new(std::size_t bytes) { return allocate_frame<P>(bytes); }
  static void operator delete(void* p, std::size_t bytes) noexcept { deallocate_frame<P>(p, bytes); }
};

// co_await own_promise<Promise>{} in a coroutine of that promise: its promise, not suspending.
template <class Promise>
struct own_promise {
  Promise* p = nullptr;
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<Promise> h) noexcept {
    p = &h.promise();
    return false;
  }
  Promise& await_resume() const noexcept { return *p; }
};

template <class R, class P>
class [[nodiscard]] async_op {
 public:
  struct promise_type : platform_frame<P> {
    std::optional<R> result;
    std::exception_ptr error;
    std::coroutine_handle<> continuation;
    resumer sched;
    typename P::template atomic<bool> finished{false};

    async_op get_return_object() noexcept {
      return async_op(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    auto final_suspend() noexcept {
      struct to_continuation {
        bool await_ready() noexcept { return false; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
          // [H1] ORDERING: async.op_handoff — the caller already suspended: resume it.
          if (h.promise().finished.exchange(true, async_op_order::handoff)) return h.promise().continuation;
          return std::noop_coroutine();  // await_suspend is still running: it will continue
        }
        void await_resume() noexcept {}
      };
      return to_continuation{};
    }
    template <class V>
    void return_value(V&& v) {
      result.emplace(std::forward<V>(v));
    }
    void unhandled_exception() noexcept { error = std::current_exception(); }
  };

  async_op(async_op&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  async_op(const async_op&) = delete;
  async_op& operator=(const async_op&) = delete;
  async_op& operator=(async_op&&) = delete;
  ~async_op() {
    if (h_) h_.destroy();  // withdraws a suspended operation (async_wait's destructor)
  }

  bool await_ready() const noexcept { return false; }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> caller) {
    promise_type& p = h_.promise();
    p.continuation = caller;
    if (!p.sched) p.sched = resumer_of_promise(caller.promise());
    if (!p.sched) p.sched = inline_resumer<P>();
    h_.resume();  // runs until it completes or waits
    // [H1] ORDERING: async.op_handoff — false: it waits, and its final suspend resumes us.
    return !p.finished.exchange(true, async_op_order::handoff);
  }
  R await_resume() {
    promise_type& p = h_.promise();
    if (p.error) std::rethrow_exception(p.error);
    return std::move(*p.result);
  }
  // The scheduler this operation resumes through (set before it starts).
  resumer& scheduler_slot() noexcept { return h_.promise().sched; }

 private:
  explicit async_op(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
  std::coroutine_handle<promise_type> h_;
};

// An operation that resumes through `sched` (the forms taking a scheduler argument).
template <class Op>
Op with_scheduler(Op op, resumer sched) noexcept {
  op.scheduler_slot() = sched;
  return op;
}
}  // namespace sluice::detail
