// sluice/detail/watermark_state.hpp — the watermark channel's shared state (watermark.hpp has
// the contract and the synchronization argument: one spin lock, [K1]/[K2]): the buffer, level,
// flags, pending callbacks and blocked sends, and the consumer's waiter slot, under the lock;
// callbacks, notifications and the destruction of unreceivable elements run after it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "sluice/detail/blocking.hpp"
#include "sluice/detail/guarded.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/waiter.hpp"
#include "sluice/platform.hpp"
#include "sluice/result.hpp"

namespace sluice {
// Identifies one pending "produce more" callback of a paused send.
struct callback_token {
  std::uint64_t id = 0;
};

// What a successful non-blocking send reports.
struct send_outcome {
  bool produce_more;           // true: keep producing
  callback_token token{};      // when !produce_more: pass it to enqueue_callback / cancel_callback
};

// A produce-more callback: nullopt = the level fell below low; otherwise closed / cancelled.
using produce_more_callback = std::function<void(std::optional<errc>)>;

namespace detail {
template <class T, class P>
class watermark_state {
 public:
  using weight_fn = std::function<std::size_t(const T&)>;
  using stored = stored_t<T, P>;
  using guard = spin_guard<P>;

  watermark_state(std::size_t low, std::size_t high, weight_fn w, bool unbounded)
      : low_(low), high_(high), weight_(std::move(w)), unbounded_(unbounded) {}

  static watermark_state* create(std::size_t low, std::size_t high, weight_fn w, bool unbounded) {
    if (!unbounded && (low == 0 || low > high))
      throw std::length_error("sluice::watermark: needs 1 <= low <= high (resuming needs level < low)");
    return create_shared<watermark_state, P>(sizeof(watermark_state), low, high, std::move(w), unbounded);
  }

  std::uint64_t add_source() {
    return update([](shared* s) { ++s->sources; return ++s->next_source; });
  }

  void drop_source(std::uint64_t id) noexcept {
    bool last_handle;
    waiter<P>* wake;
    {
      lock_guard g(lock_);
      st_.with_mut(g, [&](shared* s) {
        std::erase_if(s->on_termination, [&](auto& e) { return e.first == id; });
        if (--s->sources == 0 && !s->finished) s->finished = true;  // last source = finish()
      });
      wake = take_consumer_waiter(g);
      last_handle = handles_left(g) == 0;
    }
    notify(wake);
    if (last_handle) destroy_shared<watermark_state, P>(this, sizeof(watermark_state));
  }

  void set_on_termination(std::uint64_t id, std::function<void()> f) {
    const bool run_now = update([&](shared* s) {
      if (!s->consumer_alive) return true;
      std::erase_if(s->on_termination, [&](auto& e) { return e.first == id; });
      s->on_termination.emplace_back(id, std::move(f));
      return false;
    });
    if (run_now && f) f();
  }
  // Enqueues (unless terminated); says whether to produce more. On closed, nothing was taken.
  template <class Fill>
  status enqueue(Fill&& fill, send_outcome& out) {
    waiter<P>* wake;
    {
      lock_guard g(lock_);
      const bool open = st_.with(g, [](const shared* s) { return s->consumer_alive && !s->finished; });
      if (!open) return status::closed;
      fill(g);  // may throw (allocation, a throwing move): nothing was counted yet
      st_.with_mut(g, [&](shared* s) {
        if (!unbounded_ && s->level >= high_) s->paused = true;
        out.produce_more = !s->paused;
        if (s->paused) out.token = callback_token{++s->next_token};
      });
      wake = take_consumer_waiter(g);
    }
    notify(wake);
    return status::ok;
  }
  // Pushes one element (under the lock; called from enqueue's fill with its guard).
  void push_locked(const guard& g, stored&& v) {
    const std::size_t w = weight_ ? weight_(stored_value<T, P>(v)) : 1;
    st_.with_mut(g, [&](shared* s) {
      s->buffer.emplace_back(std::move(v), w);
      s->level += w;
    });
  }

  void enqueue_callback(callback_token t, produce_more_callback f) {
    std::optional<errc> now;
    const bool run = update([&](shared* s) {
      if (s->consumer_alive && s->paused) {
        s->pending.push_back(pending_entry{t.id, std::move(f), nullptr});
        return false;
      }
      if (!s->consumer_alive) now = errc::closed;
      return true;  // at once: the consumer is gone, or the level is already below low
    });
    if (run && f) f(now);
  }

  void cancel_callback(callback_token t) {
    produce_more_callback f;
    update([&](shared* s) {
      for (auto it = s->pending.begin(); it != s->pending.end(); ++it)
        if (it->id == t.id && !it->w) {
          f = std::move(it->fn);
          s->pending.erase(it);
          break;
        }
    });
    if (f) f(errc::cancelled);
  }
  // A blocking send's fused wait port (wait_port.hpp): until not paused, the consumer gone, the
  // deadline, or stop; its registration decides at once.
  struct resume_port {
    watermark_state& s;
    callback_token t;
    template <class GiveUp>
    std::optional<status> try_or_enroll(wait_entry<P>& e, GiveUp) {
      status early = status::empty;
      if (s.register_producer(t, *e.w, early)) return early;
      P::test_delay();  // race window: the consumer drains before we park
      return std::nullopt;
    }
    void withdraw(wait_entry<P>& e) noexcept { s.unregister_producer(*e.w); }
    std::optional<status> settle(std::uintptr_t sel) noexcept {
      if (sel == sel_aborted || sel == sel_cancelled) return sel == sel_cancelled ? status::cancelled : status::timed_out;
      return resumed_status(sel);
    }
  };

  // A paused producer's registration (blocking or async): true, registering nothing, when it
  // need not wait; `early` then says ok (no longer paused) or closed (the consumer went).
  bool register_producer(callback_token t, waiter<P>& w, status& early) {
    early = update([&](shared* s) {
      if (!s->paused) return status::ok;
      if (!s->consumer_alive) return status::closed;
      s->pending.push_back(pending_entry{t.id, {}, &w});  // may throw: nothing registered
      return status::empty;
    });
    return early != status::empty;
  }
  // Removes a registration nobody claimed (a notifier that claimed it removed it).
  void unregister_producer(waiter<P>& w) noexcept {
    update([&](shared* s) { std::erase_if(s->pending, [&](auto& e) { return e.w == &w; }); });
  }
  // What a producer's wake-up claim means: resumed (below low), or the consumer is gone.
  static status resumed_status(std::uintptr_t sel) noexcept {
    return sel == sel_disconnected ? status::closed : status::ok;
  }

  void finish(std::exception_ptr e) {
    waiter<P>* wake;
    {
      lock_guard g(lock_);
      st_.with_mut(g, [&](shared* s) {
        if (s->finished) return;
        s->finished = true;
        s->error = std::move(e);
      });
      wake = take_consumer_waiter(g);
    }
    notify(wake);
  }
  // close() from either side: finish(), and wake every waiting party (paused sends and
  // callbacks with errc::closed). False if it was already finished.
  bool close() {
    std::vector<pending_entry> released;
    waiter<P>* wake;
    bool closed_now;
    {
      lock_guard g(lock_);
      closed_now = st_.with_mut(g, [&](shared* s) {
        claim_pending(*s, released, sel_disconnected);
        return !std::exchange(s->finished, true);
      });
      wake = take_consumer_waiter(g);
    }
    notify(wake);
    release(released, errc::closed);
    return closed_now;
  }
  // Whether a send would fail (sender_side), or the stream is finished (the consumer's view).
  bool disconnected(bool sender_side) {
    return read([&](const shared* s) { return s->finished || (sender_side && !s->consumer_alive); });
  }

  status try_recv(uninit<stored>& out, std::exception_ptr& error) {
    std::vector<pending_entry> released;
    status st;
    {
      lock_guard g(lock_);
      st = recv_locked(g, out, error, released);
    }
    release(released, std::nullopt);
    return st;
  }
  // The blocking receive's fused wait port: try, give up, or register in the consumer slot;
  // every claim means "look again"; a stop that loses to an element still delivers it.
  struct recv_port {
    watermark_state& s;
    uninit<stored>& out;
    std::exception_ptr& error;
    template <class GiveUp>
    std::optional<status> try_or_enroll(wait_entry<P>& e, GiveUp give_up) {
      for (;;) {
        const status st = s.try_recv(out, error);
        if (st != status::empty) return st;
        if (std::optional<status> gave_up = give_up()) return gave_up;
        if (!s.register_consumer(*e.w)) break;
      }
      P::test_delay();  // race window: a producer enqueues before we park
      return std::nullopt;
    }
    void withdraw(wait_entry<P>& e) noexcept { s.unregister_consumer(*e.w); }
    std::optional<status> settle(std::uintptr_t sel) {
      if (sel != sel_cancelled) return std::nullopt;
      const status st = s.try_recv(out, error);
      return st != status::empty ? st : status::cancelled;
    }
  };

  // The consumer's registration (blocking or async): true, registering nothing, when a receive
  // would not wait.
  bool register_consumer(waiter<P>& w) noexcept {
    lock_guard g(lock_);
    const bool ready = st_.with(g, [](const shared* s) { return !s->buffer.empty() || s->finished; });
    if (!ready) consumer_waiter_.with_mut(g, [&](waiter<P>** p) { *p = &w; });
    return ready;
  }
  // Clears the slot if it still holds `w` (a producer that claimed it already cleared it).
  void unregister_consumer(waiter<P>& w) noexcept {
    lock_guard g(lock_);
    consumer_waiter_.with_mut(g, [&](waiter<P>** p) {
      if (*p == &w) *p = nullptr;
    });
  }

  void retain_consumer() noexcept {
    update([](shared* s) { ++s->consumer_refs; });
  }
  // The last reference to the consumer side terminates the channel (callbacks, blocked and
  // later sends fail) and destroys the buffered elements outside the lock, on this thread.
  void release_consumer() noexcept {
    std::vector<std::pair<std::uint64_t, std::function<void()>>> terms;
    std::vector<pending_entry> released;
    std::deque<std::pair<stored, std::size_t>> doomed;
    bool last_handle;
    {
      lock_guard g(lock_);
      if (st_.with_mut(g, [](shared* s) { return --s->consumer_refs; }) != 0) return;
      st_.with_mut(g, [&](shared* s) {
        s->consumer_alive = false;
        doomed.swap(s->buffer);
        s->level = 0;
        terms.swap(s->on_termination);
        claim_pending(*s, released, sel_disconnected);
      });
      last_handle = handles_left(g) == 0;
    }
    // Outside the lock, touching the state no more (a woken producer may drop the last source).
    release(released, errc::closed);
    doomed.clear();  // elements are destroyed outside the lock
    for (auto& t : terms)
      if (t.second) t.second();
    if (last_handle) destroy_shared<watermark_state, P>(this, sizeof(watermark_state));
  }

  std::size_t level() { return read([](const shared* s) { return s->level; }); }
  std::size_t len() { return read([](const shared* s) { return s->buffer.size(); }); }

 private:
  struct pending_entry {
    std::uint64_t id;
    produce_more_callback fn;  // a callback, or
    waiter<P>* w;              // a blocked send
  };
  struct shared {
    std::deque<std::pair<stored, std::size_t>> buffer;
    std::size_t level = 0;
    bool paused = false;
    bool finished = false;
    bool consumer_alive = true;
    std::size_t consumer_refs = 1;  // the consumer handle and its async receives
    std::size_t sources = 1;
    std::uint64_t next_source = 1;  // the first source's id is 1
    std::uint64_t next_token = 0;
    std::exception_ptr error;
    std::vector<pending_entry> pending;
    std::vector<std::pair<std::uint64_t, std::function<void()>>> on_termination;
  };

  // One look at (or one change of) st_ under the lock.
  template <class F>
  auto read(F f) {
    lock_guard g(lock_);
    return st_.with(g, f);
  }
  template <class F>
  auto update(F f) {
    lock_guard g(lock_);
    return st_.with_mut(g, f);
  }
  // Under the lock: takes the blocked consumer's waiter, claimed (or null).
  waiter<P>* take_consumer_waiter(const guard& g) noexcept {
    waiter<P>* w = nullptr;
    consumer_waiter_.with_mut(g, [&](waiter<P>** p) { std::swap(w, *p); });
    if (w && !w->try_select(sel_first_operation)) w = nullptr;  // it gave up; it unqueues
    return w;
  }
  static void notify(waiter<P>* w) noexcept {
    if (w) w->notify();  // the last access (the consumer waits for it before leaving)
  }
  std::size_t handles_left(const guard& g) const noexcept {
    return st_.with(g, [](const shared* s) { return s->sources + (s->consumer_alive ? 1 : 0); });
  }
  // Under the lock: moves every pending entry to `released` (a swap) and claims its waiters for
  // `sel`; an entry whose waiter gave up keeps no pointer (that waiter unqueues itself).
  static void claim_pending(shared& s, std::vector<pending_entry>& released, std::uintptr_t sel) noexcept {
    released.swap(s.pending);
    for (auto& e : released)
      if (e.w && !e.w->try_select(sel)) e.w = nullptr;
  }
  // Outside the lock: notifies the claimed waiters and runs the callbacks with `why`.
  static void release(std::vector<pending_entry>& released, std::optional<errc> why) {
    for (auto& e : released) {
      if (e.w)
        e.w->notify();
      else if (e.fn)
        e.fn(why);
    }
  }

  status recv_locked(const guard& g, uninit<stored>& out, std::exception_ptr& error,
                     std::vector<pending_entry>& released) {
    return st_.with_mut(g, [&](shared* s) {
      if (s->buffer.empty()) {
        if (!s->finished) return status::empty;
        error = s->error;
        return status::closed;
      }
      auto& front = s->buffer.front();
      out.emplace(std::move(front.first));  // stored_t is nothrow-movable
      s->level -= front.second;
      s->buffer.pop_front();
      if (s->paused && s->level < low_) {
        s->paused = false;
        claim_pending(*s, released, sel_first_operation);  // notified after the unlock
      }
      return status::ok;
    });
  }
  // st_ and consumer_waiter_ are touched only under lock_ (guarded.hpp: the guard is the proof).
  mutable short_lock<P> lock_;
  const std::size_t low_;
  const std::size_t high_;
  const weight_fn weight_;
  const bool unbounded_;
  guarded<shared, P> st_{};
  guarded<waiter<P>*, P> consumer_waiter_{nullptr};
};
}  // namespace detail
}  // namespace sluice
