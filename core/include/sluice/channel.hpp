// sluice/channel.hpp — MPMC channels: bounded, rendezvous and unbounded; their handles.
//
//   auto [tx, rx] = sluice::bounded<T>(cap);   // cap >= 1: a ring of cap slots
//   auto [tx, rx] = sluice::bounded<T>(0);     // rendezvous: send completes when a receiver takes it
//   auto [tx, rx] = sluice::unbounded<T>();    // a list of blocks, freed as it drains
//
// Happens-before: if X's send() gives a message that Y's recv() returns, everything X did
// before send() is visible to Y after recv() returns.
//
// Handles (detail/handle.hpp): sender and receiver copy = clone; a moved-from handle is empty
// and every operation on it throws sluice::empty_handle_error (a programming error). A
// weak_sender keeps the memory, not the channel open; upgrade() gives a sender while any lives.
//
// Closing: the last sender gone, the last receiver gone, or close() on any handle: sends fail
// with errc::closed (handing the message back), blocked parties wake, buffered messages stay
// receivable, then receivers see errc::closed. Buffered messages are destroyed exactly once:
// when the last receiver goes (on that thread, outside every lock, even if senders live on —
// crossbeam-channel's drop_unreceived), else with the last handle.
//
// Errors are values: send* returns send_result<T> (the code and the message), recv* returns
// recv_result<T>. Codes: full/empty (try_*), closed, timed_out (*_for, *_until), cancelled (a
// std::stop_token was stopped). A message whose move may throw is boxed before the send
// reserves anything (message.hpp): a throw leaves the channel as it was. std::bad_alloc may
// escape an unbounded send and the factories; an impossible capacity throws std::length_error.
#pragma once

#include <cstddef>
#include <iterator>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "sluice/channel/async_bodies.hpp"
#include "sluice/channel/shared_state.hpp"
#include "sluice/detail/blocking.hpp"
#include "sluice/detail/forms.hpp"
#include "sluice/detail/handle.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/platform.hpp"
#include "sluice/result.hpp"
#include "sluice/std_platform.hpp"

namespace sluice {
template <class T, platform P>
class basic_weak_sender;

namespace detail {
// A channel handle's counted reference (shared_state.hpp): a copy is a clone.
template <class T, class P, auto Release, auto Retain>
using chan_side_ref = shared_ref<chan_ref<T, P>, counted_by<Release, Retain>>;
template <class T, class P>
using sender_ref = chan_side_ref<T, P, &chan_ref<T, P>::drop_sender, &chan_ref<T, P>::add_sender>;
template <class T, class P>
using receiver_ref = chan_side_ref<T, P, &chan_ref<T, P>::drop_receiver, &chan_ref<T, P>::add_receiver>;
template <class T, class P>
using weak_ref = chan_side_ref<T, P, &chan_ref<T, P>::drop_ref, &chan_ref<T, P>::add_weak>;

// What every channel handle shares: the reference and the queries.
template <class T, class P, class Ref>
class channel_handle : public handle<Ref> {
  static_assert(message_type<T>, "sluice: a message must be a movable, non-const object type");

 public:
  using value_type = T;
  using time_point = typename P::clock::time_point;

  std::size_t len() const { return on_chan("len", [](auto& c) { return c.len(); }); }
  std::optional<std::size_t> capacity() const { return on_chan("capacity", [](auto& c) { return c.capacity(); }); }
  bool is_empty() const { return on_chan("is_empty", [](auto& c) { return c.is_empty(); }); }
  bool is_full() const { return on_chan("is_full", [](auto& c) { return c.is_full(); }); }
  bool is_disconnected() const { return on_chan("is_disconnected", [](auto& c) { return c.is_disconnected(); }); }
  std::size_t sender_count() const { return this->check("sender_count").sender_count(); }
  std::size_t receiver_count() const { return this->check("receiver_count").receiver_count(); }
  // Closes the channel (see the header); returns whether this call closed it.
  bool close() const { return on_chan("close", [](auto& c) { return c.disconnect(); }); }
  template <class Other>
  bool same_channel(const Other& other) const noexcept {
    return this->valid() && other.ref() == ref();
  }
  const chan_ref<T, P>& ref() const noexcept { return this->ref_.get(); }

 protected:
  using handle<Ref>::handle;

 private:
  template <class F>
  auto on_chan(const char* op, F f) const {
    return this->check(op).visit([&](auto& s) { return f(s.chan); });
  }
};
}  // namespace detail

template <class T, platform P = std_platform>
class basic_sender : public detail::channel_handle<T, P, detail::sender_ref<T, P>>,
                     public detail::send_forms<basic_sender<T, P>, T, P> {
  using base = detail::channel_handle<T, P, detail::sender_ref<T, P>>;

 public:
  using typename base::time_point;
  basic_sender() noexcept = default;

  // The forms (detail/forms.hpp): send waits until the message is buffered (rendezvous: taken);
  // try_send: errc::full when no slot is free (rendezvous: no receiver waits).

  basic_weak_sender<T, P> downgrade() const {
    this->check("downgrade").add_weak();
    return detail::handle_access::make<basic_weak_sender<T, P>>(this->ref());
  }

 private:
  friend struct detail::handle_access;
  friend class detail::send_forms<basic_sender, T, P>;
  explicit basic_sender(detail::chan_ref<T, P> r) noexcept : base(detail::sender_ref<T, P>(r)) {}

  template <class U>
  detail::chan_async_op<true, T, P, basic_sender> async_send_with(U&& msg, std::stop_token stop,
                                                                  detail::deadline_spec<P> deadline) const {
    this->check("async_send");
    return {basic_sender(*this), detail::to_stored<T, P>(std::forward<U>(msg)), std::move(stop), deadline};
  }

  template <class U, bool Block>
  send_result<T> send_with(U&& msg, std::bool_constant<Block>, const time_point* deadline,
                           const std::stop_token* stop) const {
    const detail::chan_ref<T, P>& r = this->check(Block ? "send" : "try_send");
    detail::stored_t<T, P> s = detail::to_stored<T, P>(std::forward<U>(msg));
    const detail::status st = r.visit([&](auto& state) {
      using port = typename decltype(state.chan)::send_port;
      if constexpr (Block) return detail::block_one<P>([&] { return port(state.chan, s, detail::wait_mode::one_thread); }, deadline, stop);
      else return state.chan.try_send(s);
    });
    if (st == detail::status::ok) return send_result<T>();
    return detail::handed_back<T, P>(detail::to_errc(st), s);
  }
};

template <class T, platform P = std_platform>
class basic_receiver : public detail::channel_handle<T, P, detail::receiver_ref<T, P>>,
                       public detail::recv_forms<basic_receiver<T, P>, P> {
  using base = detail::channel_handle<T, P, detail::receiver_ref<T, P>>;

 public:
  using typename base::time_point;
  basic_receiver() noexcept = default;

  // The forms (detail/forms.hpp): recv waits for a message or closed-and-empty; try_recv:
  // errc::empty when nothing is buffered (rendezvous: no sender waits).

  // Iteration: `for (auto m : rx)` receives until the channel is closed and empty; try_iter()
  // yields messages until it is empty at that moment; drain() stops after as many messages as
  // were buffered when it was called.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(basic_receiver* rx, std::size_t limit, bool block) : rx_(rx), left_(limit), block_(block) { advance(); }
    T& operator*() { return *current_; }
    iterator& operator++() {
      advance();
      return *this;
    }
    void operator++(int) { advance(); }
    bool operator==(std::default_sentinel_t) const noexcept { return !current_.has_value(); }

   private:
    void advance() {
      current_.reset();
      if (left_ == 0) return;
      --left_;
      auto r = block_ ? rx_->recv() : rx_->try_recv();
      if (r) current_.emplace(std::move(r).value());
    }
    basic_receiver* rx_ = nullptr;
    std::size_t left_ = 0;
    bool block_ = true;
    std::optional<T> current_;
  };
  iterator begin() { return iterator(this, static_cast<std::size_t>(-1), true); }
  std::default_sentinel_t end() const noexcept { return {}; }

  class try_range {
   public:
    try_range(basic_receiver* rx, std::size_t limit) : rx_(rx), limit_(limit) {}
    iterator begin() { return iterator(rx_, limit_, false); }
    std::default_sentinel_t end() const noexcept { return {}; }

   private:
    basic_receiver* rx_;
    std::size_t limit_;
  };
  try_range try_iter() {
    this->check("try_iter");
    return try_range(this, static_cast<std::size_t>(-1));
  }
  try_range drain() {
    this->check("drain");
    return try_range(this, this->len());
  }

 private:
  friend struct detail::handle_access;
  friend class detail::recv_forms<basic_receiver, P>;
  explicit basic_receiver(detail::chan_ref<T, P> r) noexcept
      : base(detail::receiver_ref<T, P>(r)) {}

  detail::chan_async_op<false, T, P, basic_receiver> async_recv_with(std::stop_token stop,
                                                                     detail::deadline_spec<P> deadline) const {
    this->check("async_recv");
    return {basic_receiver(*this), {}, std::move(stop), deadline};
  }

  template <bool Block>
  recv_result<T> recv_with(std::bool_constant<Block>, const time_point* deadline, const std::stop_token* stop) const {
    const detail::chan_ref<T, P>& r = this->check(Block ? "recv" : "try_recv");
    detail::uninit<detail::stored_t<T, P>> out;
    const detail::status st = r.visit([&](auto& state) {
      using port = typename decltype(state.chan)::recv_port;
      if constexpr (Block) return detail::block_one<P>([&] { return port(state.chan, out, detail::wait_mode::one_thread); }, deadline, stop);
      else return state.chan.try_recv(out);
    });
    if (st != detail::status::ok) return recv_result<T>(in_place_error, detail::to_errc(st));
    return detail::take_received<T, P>(out);
  }
};

// Keeps the channel's memory, not the channel open; upgrade() gives a sender while any lives.
template <class T, platform P = std_platform>
class basic_weak_sender : public detail::channel_handle<T, P, detail::weak_ref<T, P>> {
  using base = detail::channel_handle<T, P, detail::weak_ref<T, P>>;

 public:
  basic_weak_sender() noexcept = default;

  // A strong sender, or nullopt once every strong sender is gone.
  std::optional<basic_sender<T, P>> upgrade() const {
    if (!this->check("upgrade").try_upgrade()) return std::nullopt;
    return detail::handle_access::make<basic_sender<T, P>>(this->ref());
  }

 private:
  friend struct detail::handle_access;
  explicit basic_weak_sender(detail::chan_ref<T, P> r) noexcept
      : base(detail::weak_ref<T, P>(r)) {}
};

template <class T, platform P>
std::pair<basic_sender<T, P>, basic_receiver<T, P>> make_pair_for(detail::chan_ref<T, P> r) {
  return {detail::handle_access::make<basic_sender<T, P>>(r),
          detail::handle_access::make<basic_receiver<T, P>>(r)};
}

// A bounded channel on platform P: cap >= 1 is a ring of cap slots, cap == 0 a rendezvous.
template <class T, platform P = std_platform>
std::pair<basic_sender<T, P>, basic_receiver<T, P>> basic_bounded(std::size_t cap) {
  const auto kind = cap == 0 ? detail::flavor_kind::zero : detail::flavor_kind::array;
  return make_pair_for<T, P>(detail::make_channel<T, P>(kind, cap));
}

template <class T, platform P = std_platform>
std::pair<basic_sender<T, P>, basic_receiver<T, P>> basic_unbounded() {
  return make_pair_for<T, P>(detail::make_channel<T, P>(detail::flavor_kind::list, 0));
}

template <class T> using sender = basic_sender<T, std_platform>;
template <class T> using receiver = basic_receiver<T, std_platform>;
template <class T> using weak_sender = basic_weak_sender<T, std_platform>;

template <class T>
std::pair<sender<T>, receiver<T>> bounded(std::size_t cap) { return basic_bounded<T, std_platform>(cap); }
template <class T>
std::pair<sender<T>, receiver<T>> unbounded() { return basic_unbounded<T, std_platform>(); }
}  // namespace sluice
