// relacy_tests/scenarios/all.hpp — the scenario table: every scenario for every flavor.
//
// Each tier walks this table, selecting entries by their tags (group, flavor, weight:
// support/table.hpp), and runs each entry its own way: the model tier inside the checker, the
// real-thread tiers repeatedly. A name says what the scenario proves and for which flavor.
#pragma once

#include <string>
#include <vector>

#include "async.hpp"
#include "async_select.hpp"
#include "delivery.hpp"
#include "disconnect.hpp"
#include "unreceived.hpp"
#include "handles.hpp"
#include "kinds_async.hpp"
#include "kinds_broadcast.hpp"
#include "kinds_oneshot.hpp"
#include "spin_lock.hpp"
#include "kinds_watermark.hpp"
#include "select.hpp"
#include "selector.hpp"
#include "spsc.hpp"
#include "timeouts.hpp"
#include "try_ops.hpp"
#include "support/common.hpp"
#include "support/table.hpp"

namespace sluice::verif {

template <class P, class F>
void add_flavor(std::vector<scenario>& out) {
  // Heavy: three or four busy threads (or a 61-message prefill per execution), see weight.
  auto add = [&](const char* what, void (*fn)(const config&), weight w = weight::light) {
    out.push_back({std::string(what) + "/" + F::name, fn, "channel", F::name, w});
  };
  add("delivery_1p1c_no_loss_no_dup_fifo_exact_counts",
      &delivery_no_loss_no_dup_fifo_exact_counts<P, F, 1, 1>);
  add("delivery_2p1c_no_loss_no_dup_fifo_exact_counts",
      &delivery_no_loss_no_dup_fifo_exact_counts<P, F, 2, 1>, weight::heavy);
  add("delivery_1p2c_no_loss_no_dup_fifo_exact_counts",
      &delivery_no_loss_no_dup_fifo_exact_counts<P, F, 1, 2>, weight::heavy);
  add("delivery_2p2c_no_loss_no_dup_fifo_exact_counts",
      &delivery_no_loss_no_dup_fifo_exact_counts<P, F, 2, 2>, weight::heavy);
  add("send_racing_receiver_close_accepts_xor_hands_back",
      &send_racing_close_accepts_xor_hands_back<P, F, closer::receiver>);
  add("send_racing_sender_close_accepts_xor_hands_back",
      &send_racing_close_accepts_xor_hands_back<P, F, closer::sender>);
  add("send_racing_last_receiver_drop_accepts_xor_hands_back",
      &send_racing_last_receiver_drop_accepts_xor_hands_back<P, F>);
  add("recv_racing_last_sender_drop_gets_everything_then_closed",
      &recv_racing_last_sender_drop_gets_everything_then_closed<P, F>);
  if constexpr (can_block_sender<F>) {
    add("receiver_close_wakes_blocked_sender",
        &disconnect_wakes_blocked_sender<P, F, disconnect_by::close>);
    add("receiver_drop_wakes_blocked_sender",
        &disconnect_wakes_blocked_sender<P, F, disconnect_by::drop>);
  }
  add("sender_close_wakes_blocked_receiver",
      &disconnect_wakes_blocked_receiver<P, F, disconnect_by::close>);
  add("sender_drop_wakes_blocked_receiver",
      &disconnect_wakes_blocked_receiver<P, F, disconnect_by::drop>);
  add("channel_dropped_with_buffered_messages_destroys_each_once",
      &channel_dropped_with_buffered_messages_destroys_each_once<P, F>);
  add("last_receiver_drop_destroys_unreceived_racing_send",
      &last_receiver_drop_destroys_unreceived_racing_send<P, F>);
  add("recv_for_racing_send_times_out_or_receives_never_loses",
      &recv_for_racing_send_times_out_or_receives_never_loses<P, F>);
  add("send_for_racing_recv_times_out_or_sends_never_loses",
      &send_for_racing_recv_times_out_or_sends_never_loses<P, F>);
  add("stop_token_cancel_recv_racing_send_never_loses",
      &stop_token_cancel_recv_racing_send_never_loses<P, F>);
  add("stop_token_cancel_send_racing_recv_never_loses",
      &stop_token_cancel_send_racing_recv_never_loses<P, F>);
  add("weak_upgrade_racing_last_sender_drop_never_resurrects",
      &weak_upgrade_racing_last_sender_drop_never_resurrects<P, F>);
  add("clone_and_drop_race_keeps_counts_and_frees_once",
      &clone_and_drop_race_keeps_counts_and_frees_once<P, F>, weight::heavy);
  add("try_recv_sees_every_completed_send", &try_recv_sees_every_completed_send<P, F>);
  // FINDING-1 (fixed in core by [A8]/[B10]): every flavor now gives this edge.
  add("recv_closed_happens_after_last_sender_drop", &recv_closed_happens_after_last_sender_drop<P, F>);
  add("is_disconnected_true_happens_after_last_sender_drop",
      &is_disconnected_true_happens_after_last_sender_drop<P, F>);
  if constexpr (F::is_unbounded)
    add("two_receivers_finishing_a_block_free_it_after_both_reads",
        &two_receivers_finishing_a_block_free_it_after_both_reads<P>, weight::heavy);
  if constexpr (buffers<F>) {
    add("try_send_sees_every_completed_recv", &try_send_sees_every_completed_recv<P, F>);
    add("try_recv_empty_is_ordered_in_S_after_a_send", &try_recv_empty_is_ordered_in_S_after_a_send<P, F>);
  }
}

// Scenarios that demonstrate a finding (a guarantee core does not give yet): the model tier
// runs them expecting the failure class recorded in relacy_tests/README.md, so a fix in core
// shows up as an "unexpected pass" to be moved into add_flavor(). None is open (FINDING-2 was
// fixed in core: its scenario is async.hpp's coro_destroyed_on_executor_late_post_resumes_nothing).
template <class P>
std::vector<scenario> finding_scenarios() {
  return {};
}

template <class P>
std::vector<scenario> all_scenarios() {
  std::vector<scenario> out;
  add_flavor<P, bounded1>(out);
  add_flavor<P, bounded2>(out);
  add_flavor<P, rendezvous>(out);
  add_flavor<P, unbounded>(out);
  // The other kinds (issue 7): groups oneshot, broadcast, watermark.
  add_oneshot_scenarios<P>(out);
  add_broadcast_scenarios<P>(out);
  add_watermark_scenarios<P>(out);
  // Their async forms (coroutines), in their kind's group.
  add_kinds_async_scenarios<P>(out);
  // Blocking select over two channels (issue 6): group select.
  add_select_scenarios<P>(out);
  // The run-time selector (select() and ready()): group select too.
  add_selector_scenarios<P>(out);
  // Coroutines on the channels (issue 6): group async.
#ifndef SLUICE_VERIF_NO_COROUTINE_SCENARIOS  // clang 14 + ASan: see kinds_async.hpp
  add_async_scenarios<P>(out);
#endif
  // async_select and async deadlines: group async_select.
  add_async_select_scenarios<P>(out);
  // The single-producer/single-consumer flavors (issue 7): groups spsc and mpsc.
  add_spsc_scenarios<P>(out);
  // core's spin lock itself (the model platform gives the channels its own lock): group lock.
  add_spin_lock_scenarios<P>(out);
  return out;
}

}  // namespace sluice::verif
