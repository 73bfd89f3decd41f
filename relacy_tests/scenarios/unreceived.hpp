// relacy_tests/scenarios/unreceived.hpp — the last receiver's drop racing a send, with a
// message already buffered (issue 11, item 9: crossbeam-channel's drop_unreceived).
//
// Claim: once the last receiver is gone, nothing is left alive inside the channel although a
// sender still holds it: the buffered message and an accepted racing send are destroyed by the
// receiver's drop (the racing send either lands before the close and is destroyed with the
// rest, or fails with `closed` and gets its message back), each exactly once, with no data
// race between the drop's destruction and the sender's write, and no leak once the sender goes.
#pragma once

#include <utility>

#include "support/common.hpp"
#include "disconnect.hpp"

namespace sluice::verif {

// `make()` gives {tx, rx}; `buffered`: whether the channel holds a message without a receiver.
template <class P, bool Buffered, class Make>
void last_receiver_drop_destroys_unreceived_racing_send(Make make) {
  ledger led(Buffered ? 2 : 1);  // 0: the racing send; 1: the buffered message
  auto ch = make();
  auto tx = std::move(ch.first);
  if constexpr (Buffered) SLUICE_VERIFY(tx.try_send(msg(led, 1)).has_value());
  bool accepted = false;
  auto ts = harness<P>::spawn([&] {
    auto r = tx.try_send(msg(led, 0));
    if (!r.has_value() && r.error().code == errc::full) {
      led.on_handed_back(0);  // full (or no receiver waiting): it never entered the channel
      return;
    }
    accepted = settle_send<P>(led, r, 0, errc::closed);
  });
  auto td = harness<P>::spawn([r = std::move(ch.second)]() mutable { drop(r); });
  ts.join();
  td.join();
  // The sender lives on, the receiver is gone: every message is already destroyed.
  if constexpr (Buffered) SLUICE_VERIFY(led.destroyed(1) == 1);
  SLUICE_VERIFY(led.destroyed(0) == 1);
  SLUICE_VERIFY(led.received(0) == 0);
  SLUICE_VERIFY(accepted == (led.handed_back(0) == 0));
  {
    ledger late_led(1);
    auto late = tx.try_send(msg(late_led, 0));
    SLUICE_VERIFY(!late.has_value() && late.error().code == errc::closed && late.error().message.intact());
  }
  drop(tx);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

template <class P, class F>
void last_receiver_drop_destroys_unreceived_racing_send(const config&) {
  last_receiver_drop_destroys_unreceived_racing_send<P, buffers<F>>([] { return make_channel<msg, P, F>(); });
}

}  // namespace sluice::verif
