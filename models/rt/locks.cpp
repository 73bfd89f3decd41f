// models/rt/locks.cpp — the platform lock (model::platform::lock): a mutual-exclusion lock the
// checker knows as one object, in place of core's spin lock built on atomics.
//
// Contract. lock_acquire takes the lock if it is free, else the thread blocks (thread_status::
// blocked_lock) until an unlock, then tries again; lock_release frees it and makes every thread
// blocked on it runnable (which one takes it next is the scheduler's choice). Each attempt and
// each release is one scheduling point and a write to the lock for the reduction (dpor.cpp);
// the acquisition and the release are events (op_kind::lock / unlock), a blocked attempt is not.
// Happens-before follows the orderings as written (ordering
// overrides apply by name): a releasing unlock (release or stronger) publishes the thread's
// clock; a relaxed one publishes only its last release fence's clock; an acquiring lock joins
// what the last unlock published, a relaxed one keeps it for a later acquire fence — the edges
// a test-and-test-and-set lock's exchange(acquire)/store(release) pair would give.
//
// Why: a spin lock's waiting is most of a channel scenario's executions — each relaxed peek of
// the lock word and each exchange may read an older value, and every such read is a branch,
// although a waiter that spins changes nothing (models/README.md, "Platform lock"). The spin
// lock's own algorithm is checked on its own (relacy_tests: spin_lock scenarios). Blocking on a
// lock inside a stop callback (no preemption) is a usage failure, as parking there is.
#include "execution.hpp"

namespace sluice::model::rt {

namespace {
bool acquires(std::memory_order mo) {
  return mo == std::memory_order_acquire || mo == std::memory_order_acq_rel || mo == std::memory_order_seq_cst;
}
bool releases(std::memory_order mo) {
  return mo == std::memory_order_release || mo == std::memory_order_acq_rel || mo == std::memory_order_seq_cst;
}
}  // namespace

void lock_acquire(parker_slot& l, order_ref o, const source_location& loc) {
  if (!active()) return;
  const std::memory_order mo = resolve_order(o, loc);
  for (;;) {
    begin_op({pending_kind::parker, &l, 0, -1});
    parker_rec& lk = parker_of(l);
    thread_rec& t = cur();
    if (!lk.held) {
      t.fresh_reads = false;
      event& ev = record(op_kind::lock, loc);
      ev.loc = l.id;
      ev.order = mo;
      ev.order_name = o.name;
      lk.held = true;
      if (acquires(mo))
        t.clock.join(lk.token_clock);
      else
        t.acq_pending.join(lk.token_clock);
      ev.note = "acquired";
      ev.post = t.clock;
      return;
    }
    // Held: block. The attempt records no event (it changes nothing: program order, the trace
    // and the graph see only the acquisition); the reduction still learns it touched the lock.
    if (g_ex.choices.join_points()) dpor_note_parker(l.id);
    t.status = thread_status::blocked_lock;
    t.park_id = l.id;
    t.block_src = loc;
    block_current();
    cur().park_id = none;
  }
}

void lock_release(parker_slot& l, order_ref o, const source_location& loc) {
  if (!active()) return;
  execution& e = g_ex;
  const std::memory_order mo = resolve_order(o, loc);
  begin_op({pending_kind::parker, &l, 0, -1});
  parker_rec& lk = parker_of(l);
  thread_rec& t = cur();
  t.fresh_reads = false;
  event& ev = record(op_kind::unlock, loc);
  ev.loc = l.id;
  ev.order = mo;
  ev.order_name = o.name;
  ev.post = t.clock;
  if (!lk.held) usage_fail("unlock of a lock that is not held", loc);
  lk.held = false;
  if (releases(mo))
    lk.token_clock = t.clock;
  else
    lk.token_clock = t.has_rel_fence ? t.rel_fence : vector_clock{};
  for (int i = 0; i < e.nthreads; ++i) {
    thread_rec& w = e.threads[i];
    if (w.status == thread_status::blocked_lock && w.park_id == l.id) w.status = thread_status::runnable;
  }
}

}  // namespace sluice::model::rt
