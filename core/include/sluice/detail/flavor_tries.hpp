// sluice/detail/flavor_tries.hpp — the one-step operations of a two-step flavor, written once.
//
// Contract. A flavor (array, list, spsc_ring, spsc_list) derives from flavor_tries<Flavor, S>
// and provides start_send(token&) (false: full; a closed channel starts, its token says
// closed), write(token&, S&), start_recv(token&) (likewise, false: empty), consume(token&, sink)
// (sink moves the slot's message out, or destroys it) and len(). The base gives try_send,
// try_recv, read, discard_unreceived (after the last receiver went: destroys every buffered
// message, waiting for a send that claimed a slot before the close) and is_empty.
#pragma once

#include "sluice/detail/message.hpp"
#include "sluice/detail/status.hpp"

namespace sluice::detail {
template <class Flavor, class S>
class flavor_tries {
 public:
  status try_send(S& msg) {
    typename Flavor::token t;
    return self().start_send(t) ? self().write(t, msg) : status::full;
  }
  status try_recv(uninit<S>& out) noexcept {
    typename Flavor::token t;
    return self().start_recv(t) ? read(t, out) : status::empty;
  }
  template <class Token>
  status read(Token& t, uninit<S>& out) noexcept {
    return self().consume(t, [&](uninit<S>& v) { out.move_from(v); });
  }
  void discard_unreceived() noexcept {
    typename Flavor::token t;
    while (self().start_recv(t) && self().consume(t, [](uninit<S>& v) { v.destroy(); }) == status::ok) {
    }
  }
  bool is_empty() const noexcept { return static_cast<const Flavor&>(*this).len() == 0; }

 private:
  Flavor& self() noexcept { return static_cast<Flavor&>(*this); }
};
}  // namespace sluice::detail
