// sluice/spsc.hpp — type-level single-producer / single-consumer handles.
//
//   auto [tx, rx] = sluice::spsc_bounded<T>(cap);   // tx: spsc_sender (move-only)
//   auto [tx, rx] = sluice::spsc_unbounded<T>();    // rx: single_receiver (move-only)
//   auto [tx, rx] = sluice::mpsc_bounded<T>(cap);   // tx: sender (copyable), rx: single_receiver
//   auto [tx, rx] = sluice::mpsc_unbounded<T>();
//
// The handles cannot be copied, so the type says "one producer" / "one consumer"; moving
// works. Semantics, errors and the happens-before guarantee are those of channel.hpp (for any
// threads X and Y, if X's send() hands a message that Y's recv() returns, everything X did
// before the send is visible to Y after the recv).
//
// Implementation (issue 7):
//   spsc_bounded(cap >= 1)  flavors/spsc_ring.hpp: a ring of plain slots with cached head/tail
//                           indices (Lamport; rigtorp SPSCQueue, folly ProducerConsumerQueue,
//                           atomic_queue), one seq_cst instruction per side per message;
//   spsc_bounded(0)         the rendezvous (zero flavor), as for bounded(0);
//   spsc_unbounded()        flavors/spsc_list.hpp: a block list whose consumer does no atomic
//                           read-modify-write and no fence;
//   mpsc_unbounded()        flavors/list.hpp with SingleConsumer: the producers' side of the
//                           MPMC list, a consumer without its two read-modify-writes;
//   mpsc_bounded(cap)       the MPMC array flavor (see below).
// Concurrency contract: the spsc handles are move-only, so one producer and one consumer
// thread at a time; using ONE handle from two threads at once (e.g. through a shared
// reference) is a data race on the flavor's private state, as with any non-thread-safe object.
// The queries (len, is_empty, is_full, capacity, is_disconnected) and close() may be called from
// any thread. The handles have the async forms and work in select and async_select (on_send /
// on_recv); a pending async operation or a select in progress is a use of its handle.
//
// What each choice buys, measured (bench/harness `run <impl> <row> 5000000 4`, Release, 8-byte
// messages, median of 5 interleaved runs of one build at commit 28f6f39, 2 vCPUs with load
// average 6.4-6.9 from other work, so absolute figures are inflated; ratios are same-run):
//     row              sluice (MPMC)  sluice-spsc  limit ring   spsc/MPMC  spsc/limit
//     bounded_spsc          86.6 ns      55.0 ns     29.0 ns       0.64       1.90
//     unbounded_spsc        77.0         50.2          -           0.65        -
//     bounded_seq           79.3         55.6        30.7          0.70       1.81
//     unbounded_mpsc        85.9         57.2          -           0.67        -
//     bounded_mpsc          83.2         83.3          -           1.00 (same flavor)
//   - bounded(N) and unbounded spsc: what remains above the lock-free limit ring (about 2x it)
//     is the price of blocking support: the tail CAS [R2] and the fence [R5]. Replacing both
//     by plain stores (unsafe: lost wake-ups; an experiment, not shipped) brought the ring to
//     the limit ring's time in the same run (21.8 vs 23.0 ns, with 46.5 ns for the shipped
//     ring, load 5). Those two instructions are the "nobody waits" fast path of waiter.hpp;
//     no cheaper correct one exists with symmetric fences (a store-buffering pair needs a full
//     barrier on both sides); an asymmetric fence (Linux membarrier: the waiter pays a few us,
//     the fast path becomes a compiler barrier) would remove them, and needs a platform hook.
//   - unbounded mpsc: the single consumer saves the head CAS and the `consumed` fetch_or of
//     every receive (list.hpp [B11]/[B12]).
//   - bounded mpsc keeps the array flavor: its receive has one RMW, the head CAS [A5], which
//     only the one consumer runs (uncontended), and which would have to become a store plus a
//     seq_cst fence (for the senders' wait list, as [R5] here) — the same cost on x86; the time
//     of the mpsc rows goes to the producers' contended tail CAS, which a single consumer
//     cannot remove.
#pragma once

#include <chrono>
#include <cstddef>
#include <stop_token>
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
  using base::async_send;
  using base::async_send_for;
  using base::async_send_until;
  using base::capacity;
  using base::close;
  using base::is_disconnected;
  using base::is_empty;
  using base::is_full;
  using base::len;
  using base::receiver_count;
  using base::ref;
  using base::same_channel;
  using base::send;
  using base::send_for;
  using base::send_until;
  using base::sender_count;
  using base::try_send;
  using base::valid;
  using base::operator bool;
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
  using base::async_recv;
  using base::async_recv_for;
  using base::async_recv_until;
  using base::begin;
  using base::capacity;
  using base::close;
  using base::drain;
  using base::end;
  using base::is_disconnected;
  using base::is_empty;
  using base::is_full;
  using base::len;
  using base::receiver_count;
  using base::recv;
  using base::recv_for;
  using base::recv_until;
  using base::ref;
  using base::same_channel;
  using base::sender_count;
  using base::try_iter;
  using base::try_recv;
  using base::valid;
  using base::operator bool;
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

// cap >= 1: the SPSC ring (flavors/spsc_ring.hpp); cap == 0: a rendezvous (the zero flavor,
// whose hand-off has nothing to gain from a single producer).
template <class T, platform P = std_platform>
std::pair<basic_spsc_sender<T, P>, basic_single_receiver<T, P>> basic_spsc_bounded(std::size_t cap) {
  static_assert(detail::message_type<T>, "sluice: a message must be a movable, non-const object type");
  const auto kind = cap == 0 ? detail::flavor_kind::zero : detail::flavor_kind::spsc_ring;
  auto ch = make_pair_for<T, P>(detail::make_channel<T, P>(kind, cap));
  return {basic_spsc_sender<T, P>(std::move(ch.first)), basic_single_receiver<T, P>(std::move(ch.second))};
}
// The SPSC block list (flavors/spsc_list.hpp).
template <class T, platform P = std_platform>
std::pair<basic_spsc_sender<T, P>, basic_single_receiver<T, P>> basic_spsc_unbounded() {
  static_assert(detail::message_type<T>, "sluice: a message must be a movable, non-const object type");
  auto ch = make_pair_for<T, P>(detail::make_channel<T, P>(detail::flavor_kind::spsc_list, 0));
  return {basic_spsc_sender<T, P>(std::move(ch.first)), basic_single_receiver<T, P>(std::move(ch.second))};
}
template <class T, platform P = std_platform>
std::pair<basic_sender<T, P>, basic_single_receiver<T, P>> basic_mpsc_bounded(std::size_t cap) {
  auto ch = basic_bounded<T, P>(cap);
  return {std::move(ch.first), basic_single_receiver<T, P>(std::move(ch.second))};
}
// The list flavor with a single consumer (flavors/list.hpp, SingleConsumer): the receive path
// has no read-modify-write.
template <class T, platform P = std_platform>
std::pair<basic_sender<T, P>, basic_single_receiver<T, P>> basic_mpsc_unbounded() {
  static_assert(detail::message_type<T>, "sluice: a message must be a movable, non-const object type");
  auto ch = make_pair_for<T, P>(detail::make_channel<T, P>(detail::flavor_kind::mpsc_list, 0));
  return {std::move(ch.first), basic_single_receiver<T, P>(std::move(ch.second))};
}

template <class T>
using spsc_sender = basic_spsc_sender<T, std_platform>;
template <class T>
using single_receiver = basic_single_receiver<T, std_platform>;

template <class T>
std::pair<spsc_sender<T>, single_receiver<T>> spsc_bounded(std::size_t cap) {
  return basic_spsc_bounded<T, std_platform>(cap);
}
template <class T>
std::pair<spsc_sender<T>, single_receiver<T>> spsc_unbounded() {
  return basic_spsc_unbounded<T, std_platform>();
}
template <class T>
std::pair<sender<T>, single_receiver<T>> mpsc_bounded(std::size_t cap) {
  return basic_mpsc_bounded<T, std_platform>(cap);
}
template <class T>
std::pair<sender<T>, single_receiver<T>> mpsc_unbounded() {
  return basic_mpsc_unbounded<T, std_platform>();
}

}  // namespace sluice
