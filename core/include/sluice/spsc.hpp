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
// Implementation status (issue 7, item 4): these handles currently run on the MPMC flavors
// (array / list), so they are exactly as fast as sender/receiver. A dedicated SPSC ring with
// cached head/tail indices (rigtorp / atomic_queue style, BENCH.md 3.2) was not written in
// this session; the handle types exist so that it can replace the flavor underneath without
// changing user code. Until then there is no speed claim for the spsc/mpsc rows.
#pragma once

#include <chrono>
#include <cstddef>
#include <stop_token>
#include <utility>

#include "sluice/channel.hpp"

namespace sluice {

// The only producer of a channel: basic_sender without copy.
template <class T, platform P = std_platform>
class basic_spsc_sender : private basic_sender<T, P> {
  using base = basic_sender<T, P>;

 public:
  // Private base: a spsc_sender cannot be converted (and so copied) into a sender.
  using base::capacity;
  using base::close;
  using base::is_disconnected;
  using base::is_empty;
  using base::is_full;
  using base::len;
  using base::send;
  using base::send_for;
  using base::send_until;
  using base::try_send;
  using base::valid;
  using base::operator bool;
  using typename base::value_type;

  basic_spsc_sender() noexcept = default;
  explicit basic_spsc_sender(basic_sender<T, P>&& s) noexcept : basic_sender<T, P>(std::move(s)) {}
  basic_spsc_sender(basic_spsc_sender&&) noexcept = default;
  basic_spsc_sender& operator=(basic_spsc_sender&& o) noexcept {
    static_cast<base&>(*this) = static_cast<base&&>(o);
    return *this;
  }
  basic_spsc_sender(const basic_spsc_sender&) = delete;
  basic_spsc_sender& operator=(const basic_spsc_sender&) = delete;
  ~basic_spsc_sender() = default;
};

// The only consumer of a channel: basic_receiver without copy.
template <class T, platform P = std_platform>
class basic_single_receiver : private basic_receiver<T, P> {
  using base = basic_receiver<T, P>;

 public:
  // Private base: a single_receiver cannot be converted (and so copied) into a receiver.
  using base::begin;
  using base::capacity;
  using base::close;
  using base::drain;
  using base::end;
  using base::is_disconnected;
  using base::is_empty;
  using base::is_full;
  using base::len;
  using base::recv;
  using base::recv_for;
  using base::recv_until;
  using base::try_iter;
  using base::try_recv;
  using base::valid;
  using base::operator bool;
  using typename base::value_type;

  basic_single_receiver() noexcept = default;
  explicit basic_single_receiver(basic_receiver<T, P>&& r) noexcept : basic_receiver<T, P>(std::move(r)) {}
  basic_single_receiver(basic_single_receiver&&) noexcept = default;
  basic_single_receiver& operator=(basic_single_receiver&& o) noexcept {
    static_cast<base&>(*this) = static_cast<base&&>(o);
    return *this;
  }
  basic_single_receiver(const basic_single_receiver&) = delete;
  basic_single_receiver& operator=(const basic_single_receiver&) = delete;
  ~basic_single_receiver() = default;
};

template <class T, platform P = std_platform>
std::pair<basic_spsc_sender<T, P>, basic_single_receiver<T, P>> basic_spsc_bounded(std::size_t cap) {
  auto ch = basic_bounded<T, P>(cap);
  return {basic_spsc_sender<T, P>(std::move(ch.first)), basic_single_receiver<T, P>(std::move(ch.second))};
}
template <class T, platform P = std_platform>
std::pair<basic_spsc_sender<T, P>, basic_single_receiver<T, P>> basic_spsc_unbounded() {
  auto ch = basic_unbounded<T, P>();
  return {basic_spsc_sender<T, P>(std::move(ch.first)), basic_single_receiver<T, P>(std::move(ch.second))};
}
template <class T, platform P = std_platform>
std::pair<basic_sender<T, P>, basic_single_receiver<T, P>> basic_mpsc_bounded(std::size_t cap) {
  auto ch = basic_bounded<T, P>(cap);
  return {std::move(ch.first), basic_single_receiver<T, P>(std::move(ch.second))};
}
template <class T, platform P = std_platform>
std::pair<basic_sender<T, P>, basic_single_receiver<T, P>> basic_mpsc_unbounded() {
  auto ch = basic_unbounded<T, P>();
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
