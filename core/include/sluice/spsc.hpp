// sluice/spsc.hpp — type-level single-producer / single-consumer handles.
//
//   auto [tx, rx] = sluice::spsc_bounded<T>(cap);   // tx: spsc_sender (move-only)
//   auto [tx, rx] = sluice::spsc_unbounded<T>();    // rx: single_receiver (move-only)
//   auto [tx, rx] = sluice::mpsc_bounded<T>(cap);   // tx: sender (copyable), rx: single_receiver
//   auto [tx, rx] = sluice::mpsc_unbounded<T>();
//
// The handles cannot be copied, so the type says "one producer" / "one consumer"; moving
// works. Semantics, errors, queries and the happens-before guarantee are channel.hpp's.
// Flavors (issue 7): spsc_bounded(cap >= 1) the ring of flavors/spsc_ring.hpp (Lamport's, with
// cached indices: rigtorp SPSCQueue, folly ProducerConsumerQueue, atomic_queue); spsc_bounded(0)
// the rendezvous; spsc_unbounded() the block list of flavors/spsc_list.hpp (a consumer with no
// atomic read-modify-write); mpsc_unbounded() the MPMC list with SingleConsumer (list.hpp,
// without the consumer's two RMWs); mpsc_bounded(cap) the MPMC array (its one receive RMW is
// uncontended with one consumer). What each choice buys, measured: docs/DESIGN.md section 3.
// Concurrency: one producer and one consumer thread at a time; using ONE handle from two
// threads at once is a data race on the flavor's private state. The queries and close() may
// be called from any thread. A pending async operation or a select in progress is a use of its
// handle (the handles work in select and async_select: on_send / on_recv).
#pragma once

#include <cstddef>
#include <utility>

#include "sluice/channel.hpp"
#include "sluice/select.hpp"

namespace sluice {
namespace detail {
// The shared handle under a spsc handle, for select's cases (which hold a pointer to it).
struct spsc_access {
  template <class H>
  static const auto& shared(const H& h) noexcept {
    return static_cast<const typename H::base&>(h);
  }
};
}  // namespace detail

// The only producer of a channel: basic_sender without copy. The base is private, so a
// spsc_sender cannot be converted (and so copied) into a sender. A pending async operation is
// a use of the handle: it owns the channel's producer side until it completes.
template <class T, platform P = std_platform>
class basic_spsc_sender : private basic_sender<T, P>, private detail::move_only {
  using base = basic_sender<T, P>;
  friend struct detail::spsc_access;

 public:
  using base::async_send, base::async_send_for, base::async_send_until, base::capacity, base::close;
  using base::is_disconnected, base::is_empty, base::is_full, base::len, base::receiver_count, base::ref;
  using base::same_channel, base::send, base::send_for, base::send_until, base::sender_count, base::try_send;
  using base::valid, base::operator bool;
  using typename base::value_type;

  basic_spsc_sender() noexcept = default;
  explicit basic_spsc_sender(basic_sender<T, P>&& s) noexcept : base(std::move(s)) {}
};

// The only consumer of a channel: basic_receiver without copy (as basic_spsc_sender).
template <class T, platform P = std_platform>
class basic_single_receiver : private basic_receiver<T, P>, private detail::move_only {
  using base = basic_receiver<T, P>;
  friend struct detail::spsc_access;

 public:
  using base::async_recv, base::async_recv_for, base::async_recv_until, base::begin, base::capacity;
  using base::close, base::drain, base::end, base::is_disconnected, base::is_empty, base::is_full, base::len;
  using base::receiver_count, base::recv, base::recv_for, base::recv_until, base::ref, base::same_channel;
  using base::sender_count, base::try_iter, base::try_recv, base::valid, base::operator bool;
  using typename base::value_type;

  basic_single_receiver() noexcept = default;
  explicit basic_single_receiver(basic_receiver<T, P>&& r) noexcept : base(std::move(r)) {}
};

// Select cases (select.hpp) on the spsc handles.
template <class T, platform P, class U, class F>
detail::send_case<T, P, std::decay_t<F>> on_send(const basic_spsc_sender<T, P>& tx, U&& msg, F&& handler) {
  return on_send(detail::spsc_access::shared(tx), std::forward<U>(msg), std::forward<F>(handler));
}
template <class T, platform P, class F>
detail::recv_case<T, P, std::decay_t<F>> on_recv(const basic_single_receiver<T, P>& rx, F&& handler) {
  return on_recv(detail::spsc_access::shared(rx), std::forward<F>(handler));
}

namespace detail {
template <class T, class P>
std::pair<basic_spsc_sender<T, P>, basic_single_receiver<T, P>> spsc_pair(flavor_kind kind, std::size_t cap) {
  auto ch = make_pair_for<T, P>(make_channel<T, P>(kind, cap));
  return {basic_spsc_sender<T, P>(std::move(ch.first)), basic_single_receiver<T, P>(std::move(ch.second))};
}
}  // namespace detail
// cap >= 1: the SPSC ring; cap == 0: a rendezvous (nothing to gain from a single producer).
template <class T, platform P = std_platform>
std::pair<basic_spsc_sender<T, P>, basic_single_receiver<T, P>> basic_spsc_bounded(std::size_t cap) {
  return detail::spsc_pair<T, P>(cap == 0 ? detail::flavor_kind::zero : detail::flavor_kind::spsc_ring, cap);
}
template <class T, platform P = std_platform>
std::pair<basic_spsc_sender<T, P>, basic_single_receiver<T, P>> basic_spsc_unbounded() {
  return detail::spsc_pair<T, P>(detail::flavor_kind::spsc_list, 0);
}
template <class T, platform P = std_platform>
std::pair<basic_sender<T, P>, basic_single_receiver<T, P>> basic_mpsc_bounded(std::size_t cap) {
  auto ch = basic_bounded<T, P>(cap);
  return {std::move(ch.first), basic_single_receiver<T, P>(std::move(ch.second))};
}
template <class T, platform P = std_platform>
std::pair<basic_sender<T, P>, basic_single_receiver<T, P>> basic_mpsc_unbounded() {
  auto ch = make_pair_for<T, P>(detail::make_channel<T, P>(detail::flavor_kind::mpsc_list, 0));
  return {std::move(ch.first), basic_single_receiver<T, P>(std::move(ch.second))};
}

template <class T> using spsc_sender = basic_spsc_sender<T, std_platform>;
template <class T> using single_receiver = basic_single_receiver<T, std_platform>;

template <class T>
std::pair<spsc_sender<T>, single_receiver<T>> spsc_bounded(std::size_t cap) {
  return basic_spsc_bounded<T, std_platform>(cap);
}
template <class T>
std::pair<spsc_sender<T>, single_receiver<T>> spsc_unbounded() { return basic_spsc_unbounded<T, std_platform>(); }
template <class T>
std::pair<sender<T>, single_receiver<T>> mpsc_bounded(std::size_t cap) {
  return basic_mpsc_bounded<T, std_platform>(cap);
}
template <class T>
std::pair<sender<T>, single_receiver<T>> mpsc_unbounded() { return basic_mpsc_unbounded<T, std_platform>(); }
}  // namespace sluice
