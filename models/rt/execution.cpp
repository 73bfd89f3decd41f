// models/rt/execution.cpp — scheduler, model threads, parkers, tracked allocation, the driver.
// (Platform locks, which share the parkers' table: locks.cpp.)
//
// Scheduling: before every visible operation the current thread calls begin_op(). The
// candidates are the runnable threads, the current one first; a thread that yielded
// (spin_hint/yield_now) is left out until another thread has made progress, unless nobody else
// can run. What counts as progress: under the reduction, a transition that writes (see
// dpor.cpp); in dfs, random and PCT, a state change (any operation but a load, a yield, a delay
// or a random draw) — "any operation" would let two spinners' loads unmask each other forever
// while the thread they wait for never runs (issue 12 b). Switching away from a runnable current
// thread is a preemption and counts against options::preemption_bound (dfs and random; the
// exhaustive mode's reduction is unbounded). With one candidate there is no choice and nothing
// is recorded. When nobody can run, the earliest timed park times out (the virtual clock jumps
// to its deadline); with no timed park left, the execution is a deadlock. Under the reduction
// (and when replaying an "mc2:" string) thread end and join are scheduling points too, and
// every switch opens a transition for dpor.cpp.
#include "execution.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <new>

namespace sluice::model::rt {

namespace {
// Names for SLUICE_MC_STATS's lines (models/README.md): choice kinds and race kinds, by index.
constexpr const char* kinds[] = {"thread", "read_from", "mo_position", "spurious_wake", "weak_cas", "timeout",
                                 "random"};
constexpr const char* races[] = {"atomic", "cell", "parker", "thread_end", "sc_fence", "free", "yield", "global",
                                 "atomic_read_write", "atomic_write_read", "atomic_rmw_rmw", "atomic_store_rmw",
                                 "atomic_rmw_store", "atomic_store_store"};
}  // namespace


execution g_ex;

namespace {

// A yielded thread stays off the CPU until another thread makes progress (see the header): under
// the reduction a writing transition, otherwise a state change. Nothing is lost: after a yield a
// thread's loads read the newest store (fresh_reads), so re-reading unchanged state repeats itself.
bool masked(const thread_rec& t) noexcept {
  if (!t.yielded) return false;
  if (g_ex.choices.join_points()) return t.yield_writes == g_ex.dpor_writes;
  return t.yield_changes == g_ex.changes;
}

void switch_to(int next) {
  int prev = g_ex.current;
  if (next == prev) return;
  g_ex.current = next;
  fiber_switch(g_ex.threads[prev].ctx, g_ex.threads[next].ctx);
}

[[noreturn]] void return_to_host() {
  g_ex.running = false;
  fiber_context dead;
  fiber_switch(dead, g_ex.host);
  std::abort();  // never resumed
}

bool any_awaiting() {
  for (int t = 0; t < g_ex.nthreads; ++t)
    if (g_ex.threads[t].status == thread_status::blocked_await) return true;
  return false;
}

// Nobody can run. With a thread blocked in an await load (memory_model.cpp) it is a spin-wait
// that never ends (a livelock of the loop the await stands for): the newest value of its atomic
// fails its predicate (an await blocks only then: the newest store is always readable and never
// removed by the seq_cst filter) and no thread is left to store another.
std::string deadlock_message() {
  execution& e = g_ex;
  const bool spin = any_awaiting();
  std::string msg = spin ? "livelock: a spin-wait can never end (an await load whose atomic's newest value fails its "
                           "predicate, and every other live thread is blocked):"
                         : "deadlock: every live thread is blocked:";
  for (int t = 0; t < e.nthreads; ++t) {
    const thread_rec& th = e.threads[t];
    if (th.status == thread_status::finished) continue;
    std::string why;
    if (th.status == thread_status::blocked_join)
      why = " joins thread " + std::to_string(th.join_target);
    else if (th.status == thread_status::blocked_lock)
      why = " waits for a lock";
    else if (th.status == thread_status::blocked_await) {
      const location_rec& L = e.locs[th.park_id];
      why = " awaits atomic A" + std::to_string(th.park_id) +
            (L.mo.empty() ? std::string() : " (newest value " + std::to_string(e.stores[L.mo.back()].value) + ")");
    } else
      why = " parks";
    msg += "\n  thread " + std::to_string(t) + why + " at " + describe(th.block_src);
  }
  return msg;
}

// The reduction found that every candidate sleeps: this execution repeats an explored one.
[[noreturn]] void prune() {
  g_ex.pruned = true;
  return_to_host();
}

std::uint32_t pct_pick(const int* cands, std::uint32_t n) {
  execution& e = g_ex;
  for (std::size_t i = 0; i < e.pct_change_points.size(); ++i)
    if (e.pct_change_points[i] == e.steps) cur().priority = i + 1;  // demote below every start priority
  std::uint32_t best = 0;
  for (std::uint32_t i = 1; i < n; ++i)
    if (e.threads[cands[i]].priority > e.threads[cands[best]].priority) best = i;
  return best;
}

bool at_free_switch(const thread_rec& t) noexcept {
  if (!g_ex.choices.join_points()) return false;
  if (t.pending.kind == pending_kind::finish) return true;
  return t.pending.kind == pending_kind::join && g_ex.threads[t.pending.tid].status != thread_status::finished;
}

// Bounded POR (dpor.cpp, "sleep sets under a bound"): the candidates that may be put to sleep
// here. (A) The current thread when switching away from it is a preemption: every other branch
// here pays that preemption, which running it first would not. (B) A thread whose run from here
// costs no preemption and whose next transition leaves it unable to go on: a yield (masked
// until another thread writes) or a join of a thread that has not ended (it blocks).
thread_mask neutral_candidates(const int* cands, std::uint32_t n, bool switch_preempts) {
  execution& e = g_ex;
  thread_mask m = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    int t = cands[i];
    const pending_op& d = e.threads[t].pending;
    bool stops = d.kind == pending_kind::yield ||
                 (d.kind == pending_kind::join && e.threads[d.tid].status != thread_status::finished);
    bool a = t == e.current && switch_preempts;
    bool b = (t == e.current || !switch_preempts) && stops;
    if (a || b) m = static_cast<thread_mask>(m | 1u << t);
  }
  return m;
}

// Picks the next thread; `cur_ok` says whether the current thread may continue.
void schedule(bool cur_ok) {
  execution& e = g_ex;
  bool tracking = e.choices.join_points();
  if (tracking) dpor_close();
  int cands[max_model_threads];
  std::uint32_t n = 0;
  bool cur_runnable = cur_ok && cur().status == thread_status::runnable;
  bool ignore_mask = false;
  for (int pass = 0; pass < 2 && n == 0; ++pass) {
    ignore_mask = pass == 1;
    if (cur_runnable && !ignore_mask && !masked(cur())) cands[n++] = e.current;
    for (int t = 0; t < e.nthreads; ++t) {
      if (t == e.current || e.threads[t].status != thread_status::runnable) continue;
      if (!ignore_mask && masked(e.threads[t])) continue;
      cands[n++] = t;
    }
    // Everyone is masked: the thread that just yielded runs again only if nobody else can
    // (otherwise PCT would re-pick the highest-priority spinner forever).
    if (ignore_mask && n == 0 && cur_runnable) cands[n++] = e.current;
  }
  if (n == 0) {
    // Nobody can run: fire the earliest timed park, or report a deadlock.
    int best = -1;
    for (int t = 0; t < e.nthreads; ++t) {
      const thread_rec& th = e.threads[t];
      if (th.status == thread_status::blocked_park && th.timed &&
          (best < 0 || th.deadline < e.threads[best].deadline))
        best = t;
    }
    if (best >= 0) {
      thread_rec& th = e.threads[best];
      if (th.deadline > e.now) e.now = th.deadline;
      th.timed_out = true;
      th.status = thread_status::runnable;
      if (tracking) dpor_open(best, no_point, true);
      switch_to(best);
      return;
    }
    bool any_alive = false;
    for (int t = 0; t < e.nthreads; ++t) any_alive = any_alive || e.threads[t].status != thread_status::finished;
    if (!any_alive) return_to_host();  // the execution is complete
    fail_with(any_awaiting() ? failure_kind::livelock : failure_kind::deadlock, deadlock_message);
  }
  bool bounded = !tracking && e.opts.preemption_bound >= 0 && e.preemptions >= e.opts.preemption_bound;
  if (cur_runnable && cands[0] == e.current && bounded && !masked(cur())) n = 1;
  std::uint32_t idx = 0;
  std::size_t point = no_point;
  // A switch away from the current thread is a preemption unless it cannot go on: it is
  // masked, or (scheduling points of the reduction only) about to end or to join a thread that
  // has not ended, where it would block anyway.
  bool switch_preempts = cur_runnable && !masked(cur()) && !at_free_switch(cur());
  if (e.choices.reduction()) {
    thread_mask allowed = 0xff;  // bounded POR: past the bound only the current thread may run
    if (e.opts.reduction_bound >= 0 && e.preemptions >= e.opts.reduction_bound && switch_preempts &&
        cands[0] == e.current)
      allowed = static_cast<thread_mask>(1u << e.current);
    if (n > 1) {
      point = e.choices.position();
      idx = e.choices.next_thread(n, cands, dpor_sleep(), allowed);
      if (idx != choice_stream::all_asleep && e.opts.reduction_bound >= 0)
        e.choices.point(point).neutral = neutral_candidates(cands, n, switch_preempts);
    } else if ((dpor_sleep() >> cands[0] & 1) != 0) {
      idx = choice_stream::all_asleep;
    }
    if (idx == choice_stream::all_asleep) prune();
  } else if (n > 1) {
    if (e.choices.scheduler_decides_threads()) {
      idx = pct_pick(cands, n);
      e.choices.record(n, idx);
    } else {
      idx = e.choices.next(choice_kind::thread, n);
    }
  }
  int next = cands[idx];
  if (next != e.current && switch_preempts) ++e.preemptions;
  if (tracking) dpor_open(next, point, ignore_mask);
  switch_to(next);
}

void fiber_main(void* p) {
  auto* t = static_cast<thread_rec*>(p);
  t->entry(t->arg);
  execution& e = g_ex;
  if (e.choices.join_points()) begin_op({pending_kind::finish, nullptr, 0, e.current});
  // Thread end releases the thread's clock to its joiner. Like spawn, join and allocation it
  // touches no shared memory, so it is recorded but (except under the reduction, which needs
  // to know each waiting thread's next step) is not a scheduling point: the next visible
  // operation of some thread is where the interleaving is decided.
  ++e.progress;
  record(op_kind::finish, source_location::current());
  thread_rec& me = cur();
  me.status = thread_status::finished;
  for (int i = 0; i < e.nthreads; ++i) {
    thread_rec& o = e.threads[i];
    if (o.status == thread_status::blocked_join && o.join_target == e.current) o.status = thread_status::runnable;
  }
  schedule(false);
  std::abort();  // a finished thread is never resumed
}

void start_thread(int tid, void (*entry)(void*), void* arg, void (*destroy)(void*)) {
  execution& e = g_ex;
  thread_rec& t = e.threads[tid];
  t = thread_rec{};
  t.entry = entry;
  t.arg = arg;
  t.destroy = destroy;
  t.stack = e.stacks.acquire();
  t.priority = e.opts.pct_depth + 1 + (e.choices.random_u64() % 1024) * max_model_threads + tid;
  fiber_prepare(t.ctx, t.stack, fiber_stack_bytes, &fiber_main, &t);
}

void reset_execution(std::uint64_t iteration) {
  execution& e = g_ex;
  ++e.gen;
  e.nthreads = 0;
  e.current = 0;
  e.events.clear();
  e.cells.clear();
  e.parkers.clear();
  e.park_log.clear();
  e.steps = e.progress = e.changes = 0;
  e.preemptions = e.spurious = 0;
  e.dpor_writes = 0;
  e.pruned = false;
  dpor_reset();
  e.now = 0;
  e.no_preempt = 0;
  e.failure = failure_kind::none;
  e.message.clear();
  reset_memory_model();
  e.choices.begin(iteration);
  if (e.opts.mode == search_mode::pct) {
    e.pct_change_points.clear();
    for (int i = 1; i < e.opts.pct_depth; ++i) e.pct_change_points.push_back(e.choices.random_u64() % e.pct_length);
  }
}

void teardown_execution() {
  execution& e = g_ex;
  for (int t = 0; t < e.nthreads; ++t) {
    thread_rec& th = e.threads[t];
    if (th.destroy != nullptr) th.destroy(th.arg);
    th.destroy = nullptr;
    if (th.stack != nullptr) e.stacks.release(th.stack);
    th.stack = nullptr;
  }
  for (auto& [addr, a] : e.allocs) {
    void* p = reinterpret_cast<void*>(addr);
    ::operator delete(p, std::align_val_t{a.align});
  }
  e.allocs.clear();
  e.freed_count = 0;
}

void check_leaks() {
  execution& e = g_ex;
  for (auto& [addr, a] : e.allocs) {
    if (a.freed) continue;
    e.failure = failure_kind::leak;
    e.message = "leak: " + std::to_string(a.bytes) + " bytes allocated at " + describe(a.alloc_src) +
                " were never freed";
    return;
  }
}

}  // namespace

bool active() noexcept { return g_ex.running; }

void begin_op(const pending_op& op) {
  execution& e = g_ex;
  ++e.progress;
  if (e.no_preempt > 0) return;
  cur().pending = op;
  if (++e.steps > e.opts.step_bound)
    fail_with(failure_kind::livelock, [&] {
      return "livelock: the execution exceeded the step bound of " + std::to_string(e.opts.step_bound) +
             " scheduling points";
    });
  schedule(true);
}

event& record(op_kind kind, const source_location& loc) {
  execution& e = g_ex;
  thread_rec& t = cur();
  event& ev = e.events.emplace_back();
  ev.step = static_cast<std::uint32_t>(e.events.size());
  ev.tid = static_cast<std::uint8_t>(e.current);
  ev.kind = kind;
  if (kind != op_kind::load && kind != op_kind::yield && kind != op_kind::delay && kind != op_kind::random)
    ++e.changes;
  ev.src = loc;
  ev.pre = t.clock;
  ev.ts = ++t.clock.c[e.current];
  return ev;
}

void set_failure(failure_kind kind, std::string message) {
  execution& e = g_ex;
  if (e.failure != failure_kind::none) return;
  e.failure = kind;
  e.message = std::move(message);
}

void leave_execution() { return_to_host(); }

void block_current() {
  if (g_ex.no_preempt > 0) usage_fail("a stop callback blocked", cur().block_src);
  schedule(false);
}

void wake_awaiters(std::uint32_t loc) {
  execution& e = g_ex;
  for (int i = 0; i < e.nthreads; ++i) {
    thread_rec& w = e.threads[i];
    if (w.status == thread_status::blocked_await && w.park_id == loc) w.status = thread_status::runnable;
  }
}

void check_address(const void* addr, const source_location& loc) {
  execution& e = g_ex;
  if (e.freed_count == 0 || e.allocs.empty()) return;
  auto a = reinterpret_cast<std::uintptr_t>(addr);
  auto it = e.allocs.upper_bound(a);
  if (it == e.allocs.begin()) return;
  --it;
  if (a < it->first + it->second.bytes && it->second.freed)
    fail_with(failure_kind::use_after_free, [&] {
      return "use after free at " + describe(loc) + ": the block allocated at " + describe(it->second.alloc_src) +
             " was freed at " + describe(it->second.free_src);
    });
}

// Parkers ------------------------------------------------------------------------------------

namespace {
// `outside`: constructed before the execution, registered at its first use.
void register_parker(parker_slot& p, bool outside) {
  execution& e = g_ex;
  p.gen = e.gen;
  p.id = static_cast<std::uint32_t>(e.parkers.size());
  parker_rec& r = e.parkers.emplace_back();
  r.addr = &p;
  r.outside = outside;
  r.tid = static_cast<std::uint8_t>(e.current);
  r.ts = cur().clock.c[e.current];
}
}  // namespace

void parker_init(parker_slot& p) {
  if (!active()) return;
  register_parker(p, false);
}

parker_rec& parker_of(parker_slot& p) {
  if (p.gen != g_ex.gen) register_parker(p, true);
  return g_ex.parkers[p.id];
}

namespace {
bool spurious_allowed() { return g_ex.spurious < g_ex.opts.max_spurious; }
// options::graphs: the token's history on this parker (graphs.cpp).
void note_park(std::uint32_t parker, std::uint32_t event, park_note_kind kind) {
  if (g_ex.opts.graphs != 0) g_ex.park_log.push_back({parker, event, kind});
}
}  // namespace

bool park(parker_slot& p, bool timed, std::int64_t deadline, const source_location& loc) {
  if (!active()) return false;
  execution& e = g_ex;
  begin_op({timed ? pending_kind::global : pending_kind::parker, &p, 0, -1});
  parker_rec& pk = parker_of(p);
  thread_rec& t = cur();
  t.fresh_reads = false;
  event& ev = record(op_kind::park, loc);
  ev.loc = p.id;
  const auto self = static_cast<std::uint32_t>(e.events.size() - 1);
  auto consume = [&] {
    pk.token = false;
    cur().clock.join(pk.token_clock);
  };
  if (pk.token) {
    consume();
    ev.note = "token";
    ev.post = cur().clock;
    note_park(p.id, self, park_note_kind::consume);
    return true;
  }
  if (timed && e.now >= deadline) {
    ev.note = "timed out";
    ev.post = t.clock;
    note_park(p.id, self, park_note_kind::timeout);
    return false;
  }
  if (timed) {
    if (e.choices.next(choice_kind::timeout, 2) == 1) {
      e.now = deadline;
      ev.note = "timed out";
      ev.post = t.clock;
      note_park(p.id, self, park_note_kind::timeout);
      return false;
    }
  } else if (spurious_allowed() && e.choices.next(choice_kind::spurious, 2) == 1) {
    ++e.spurious;
    ev.note = "spurious wake-up";
    ev.post = t.clock;
    note_park(p.id, self, park_note_kind::spurious);
    return false;
  }
  ev.note = "blocks";
  ev.post = t.clock;
  std::uint32_t id = p.id;
  t.status = thread_status::blocked_park;
  t.park_id = id;
  t.timed = timed;
  t.timed_out = false;
  t.deadline = deadline;
  t.block_src = loc;
  block_current();
  if (e.choices.join_points()) dpor_note_parker(id);
  thread_rec& me = cur();
  me.park_id = none;
  parker_rec& again = e.parkers[id];
  if (me.timed_out && !again.token) {
    note_park(id, self, park_note_kind::timeout);
    return false;
  }
  again.token = false;
  me.clock.join(again.token_clock);
  note_park(id, self, park_note_kind::consume);
  return true;
}

void unpark(parker_slot& p, const source_location& loc) {
  if (!active()) return;
  execution& e = g_ex;
  begin_op({pending_kind::parker, &p, 0, -1});
  parker_rec& pk = parker_of(p);
  event& ev = record(op_kind::unpark, loc);
  ev.loc = p.id;
  note_park(p.id, static_cast<std::uint32_t>(e.events.size() - 1), park_note_kind::unpark);
  thread_rec& t = cur();
  t.fresh_reads = false;
  ev.post = t.clock;
  pk.token = true;
  pk.token_clock.join(t.clock);
  std::uint32_t id = p.id;
  for (int i = 0; i < e.nthreads; ++i) {
    thread_rec& o = e.threads[i];
    if (o.status == thread_status::blocked_park && o.park_id == id) o.status = thread_status::runnable;
  }
}

std::int64_t now_ns() noexcept { return active() ? g_ex.now : 0; }

std::size_t random_index(std::size_t n, const source_location& loc) noexcept {
  if (n <= 1) return 0;
  if (!active()) {
    static thread_local std::uint64_t state = 0x9e3779b97f4a7c15ULL;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<std::size_t>(state % n);
  }
  // Recorded (trace) but not a scheduling point and not a state change: it is thread-local.
  auto idx = g_ex.choices.next(choice_kind::random, static_cast<std::uint32_t>(n));
  event& ev = record(op_kind::random, loc);
  ev.value = idx;
  ev.value2 = n;
  ev.post = cur().clock;
  return idx;
}

void yield(const source_location& loc) {
  execution& e = g_ex;
  begin_op({pending_kind::yield, nullptr, 0, -1});
  event& ev = record(op_kind::yield, loc);
  thread_rec& t = cur();
  ev.post = t.clock;
  t.yielded = true;
  t.fresh_reads = true;
  t.yield_progress = e.progress;
  t.yield_changes = e.changes;
  t.yield_writes = e.dpor_writes;
  if (e.no_preempt == 0) schedule(true);
}

void resume_inline(std::coroutine_handle<> h) {
  if (!active()) return h.resume();
  const int tid = g_ex.current;  // the fiber, and so the model thread, is the same throughout
  thread_rec& t = g_ex.threads[static_cast<std::size_t>(tid)];
  if (t.resuming) {
    t.deferred.push_back(h);
    return;
  }
  t.resuming = true;
  h.resume();
  for (std::size_t i = 0; i < t.deferred.size(); ++i) t.deferred[i].resume();
  t.deferred.clear();
  t.resuming = false;
}

void test_delay(const source_location& loc) {
  begin_op({pending_kind::none, nullptr, 0, -1});
  event& ev = record(op_kind::delay, loc);
  ev.post = cur().clock;
}

// Allocation ---------------------------------------------------------------------------------

void* allocate(std::size_t bytes, std::size_t align, const source_location& loc) {
  if (align < alignof(std::max_align_t)) align = alignof(std::max_align_t);
  void* p = ::operator new(bytes == 0 ? 1 : bytes, std::align_val_t{align});
  if (!active()) return p;
  ++g_ex.progress;
  event& ev = record(op_kind::alloc, loc);
  ev.value = bytes;
  ev.post = cur().clock;
  alloc_rec& a = g_ex.allocs[reinterpret_cast<std::uintptr_t>(p)];
  a = alloc_rec{};
  a.bytes = bytes;
  a.align = align;
  a.alloc_src = loc;
  return p;
}

void deallocate(void* p, std::size_t bytes, std::size_t align, const source_location& loc) {
  if (!active()) {
    if (align < alignof(std::max_align_t)) align = alignof(std::max_align_t);
    ::operator delete(p, std::align_val_t{align});
    return;
  }
  begin_op({pending_kind::free_block, p, bytes, -1});
  event& ev = record(op_kind::free, loc);
  ev.post = cur().clock;
  ev.value = reinterpret_cast<std::uintptr_t>(p);
  ev.value2 = bytes;
  auto it = g_ex.allocs.find(reinterpret_cast<std::uintptr_t>(p));
  if (it == g_ex.allocs.end())
    fail_with(failure_kind::invalid_free,
              [&] { return "invalid free at " + describe(loc) + ": not a platform allocation"; });
  if (it->second.freed)
    fail_with(failure_kind::double_free, [&] {
      return "double free at " + describe(loc) + ": the block allocated at " + describe(it->second.alloc_src) +
             " was already freed at " + describe(it->second.free_src);
    });
  it->second.freed = true;  // quarantined until the execution ends, so later accesses are caught
  it->second.free_src = loc;
  ++g_ex.freed_count;
  // An await on an atomic in the block retries, and reports the use after free.
  const auto lo = reinterpret_cast<std::uintptr_t>(p);
  for (int i = 0; i < g_ex.nthreads; ++i) {
    const thread_rec& w = g_ex.threads[i];
    if (w.status != thread_status::blocked_await) continue;
    const auto a = reinterpret_cast<std::uintptr_t>(g_ex.locs[w.park_id].addr);
    if (a >= lo && a < lo + bytes) wake_awaiters(w.park_id);
  }
}

bool is_freed_allocation(const void* p) noexcept {
  if (!active()) return false;
  auto it = g_ex.allocs.find(reinterpret_cast<std::uintptr_t>(p));
  return it != g_ex.allocs.end() && it->second.freed;
}

std::uintptr_t thread_id() noexcept { return static_cast<std::uintptr_t>(g_ex.current) + 1; }

// Threads ------------------------------------------------------------------------------------

int spawn(void (*entry)(void*), void* arg, void (*destroy)(void*), const source_location& loc) {
  execution& e = g_ex;
  if (!active()) usage_fail("sluice::model::thread created outside check()", loc);
  if (e.nthreads >= e.opts.max_threads || e.nthreads >= max_model_threads) {
    destroy(arg);
    usage_fail("too many model threads (options::max_threads)", loc);
  }
  ++e.progress;
  event& ev = record(op_kind::spawn, loc);
  int tid = e.nthreads++;
  ev.value = static_cast<std::uint64_t>(tid);
  ev.post = cur().clock;
  const std::uint32_t spawn_ts = ev.ts;
  start_thread(tid, entry, arg, destroy);
  e.threads[tid].parent = e.current;
  e.threads[tid].spawn_ts = spawn_ts;
  e.threads[tid].clock = cur().clock;  // everything before the spawn happens before the thread
  e.threads[tid].pending = {pending_kind::none, nullptr, 0, -1};  // up to its first operation
  if (e.choices.join_points()) dpor_note_spawn(tid);
  return tid;
}

void join(int tid, const source_location& loc) {
  execution& e = g_ex;
  if (tid < 0 || tid >= e.nthreads) usage_fail("join of a thread that is not joinable", loc);
  if (e.choices.join_points()) begin_op({pending_kind::join, nullptr, 0, tid});
  ++e.progress;
  thread_rec& t = cur();
  if (e.threads[tid].status != thread_status::finished) {
    t.status = thread_status::blocked_join;
    t.join_target = tid;
    t.block_src = loc;
    block_current();
  }
  event& ev = record(op_kind::join, loc);
  ev.value = static_cast<std::uint64_t>(tid);
  cur().clock.join(e.threads[tid].clock);
  ev.post = cur().clock;
}

void no_preempt_begin() noexcept {
  if (!active()) return;
  ++g_ex.no_preempt;
  if (g_ex.choices.join_points()) dpor_note_nested();
}
void no_preempt_end() noexcept {
  if (active()) --g_ex.no_preempt;
}

void assert_fail(const char* expr, const source_location& loc) {
  if (!active()) {
    std::fprintf(stderr, "MODEL_ASSERT(%s) failed outside a check at %s\n", expr, describe(loc).c_str());
    std::abort();
  }
  fail_with(failure_kind::assertion, [&] { return std::string("assertion failed: ") + expr + " at " + describe(loc); });
}

void usage_fail(const char* what, const source_location& loc) {
  if (!active()) {
    std::fprintf(stderr, "sluice model: %s at %s\n", what, describe(loc).c_str());
    std::abort();
  }
  fail_with(failure_kind::usage, [&] { return std::string(what) + " at " + describe(loc); });
}

// The driver ---------------------------------------------------------------------------------

result run(const options& in, void (*test)(void*), void* arg) {
  execution& e = g_ex;
  if (e.running) usage_fail("check() called inside a check", source_location::current());
  e.opts = in.use_env ? apply_env(in) : in;
  if (e.opts.max_threads > max_model_threads) e.opts.max_threads = max_model_threads;
  bool exhaustive = e.opts.mode == search_mode::exhaustive || e.opts.mode == search_mode::dfs;
  std::uint64_t limit = e.opts.iterations;
  if (limit == 0 && !exhaustive) limit = default_random_iterations;
  e.choices.configure(e.opts.mode, e.opts.seed, e.opts.replay);
  e.pct_length = pct_initial_length;

  result r;
  if (e.opts.graphs != 0) graphs_begin();
  // SLUICE_MC_STATS: per kind of choice an execution was begun by, how many executions, how many
  // a sleep set cut short, and (with graphs) how many repeated a graph: where the redundancy starts.
  const bool stats = std::getenv("SLUICE_MC_STATS") != nullptr;
  std::map<std::string, std::array<std::uint64_t, 3>> begun_by;
  auto start = std::chrono::steady_clock::now();
  for (std::uint64_t iteration = 0;; ++iteration) {
    reset_execution(iteration);
    start_thread(0, test, arg, nullptr);
    e.nthreads = 1;
    if (e.choices.join_points()) dpor_open(0, no_point, false);
    e.running = true;
    fiber_switch(e.host, e.threads[0].ctx);
    e.running = false;
    if (e.pruned) ++r.pruned;
    if (e.failure == failure_kind::none && !e.pruned && e.choices.mismatch()) {
      e.failure = failure_kind::nondeterminism;
      e.message = "the test made different choices on the same path (nondeterministic test or bad replay string)";
    }
    if (e.failure == failure_kind::none && !e.pruned) check_leaks();
    const bool fresh = e.opts.graphs != 0 && graphs_note();
    if (stats) {
      const auto& c = e.choices;
      std::string key = c.last_kind < 0 ? std::string("first")
                        : c.last_kind == 0 ? std::string("thread/") + races[static_cast<int>(c.last_race)]
                        : std::string(kinds[c.last_kind]) +
                              (c.last_file != nullptr ? std::string(" ") + c.last_file + ":" + std::to_string(c.last_line)
                                                      : std::string());
      auto& row = begun_by[key];
      ++row[0];
      if (e.pruned) ++row[1];
      else if (e.opts.graphs != 0 && !fresh && e.failure == failure_kind::none) ++row[2];
    }
    ++r.executions;
    if (e.steps > e.pct_length) e.pct_length = e.steps;
    if (e.failure != failure_kind::none) {
      r.failure = e.failure;
      r.message = e.message;
      r.replay = e.choices.replay_string();
      r.trace = format_trace();
      r.dot = format_dot();
      teardown_execution();
      break;
    }
    teardown_execution();
    if (e.choices.replaying()) break;
    if (exhaustive) {
      if (!e.choices.advance()) {
        r.exhausted = true;
        break;
      }
      if (limit != 0 && r.executions >= limit) break;
    } else if (r.executions >= limit) {
      break;
    }
    if (e.opts.time_budget > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= e.opts.time_budget)
      break;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (e.opts.graphs != 0) graphs_end(r);

  if (e.opts.print_summary) {
    const char* mode = e.opts.mode == search_mode::exhaustive ? "exhaustive"
                       : e.opts.mode == search_mode::dfs  ? "dfs"
                       : e.opts.mode == search_mode::random ? "random"
                                                            : "pct";
    std::string pruned = e.opts.mode == search_mode::exhaustive
                             ? " (" + std::to_string(r.pruned) + " cut short by the sleep set)"
                             : std::string();
    if (e.opts.graphs != 0) pruned += ", " + std::to_string(r.graphs) + " distinct graphs";
    std::fprintf(stderr, "[model] %s: %s, %llu executions%s%s, %.3f s, %.0f exec/s%s%s\n", e.opts.name, mode,
                 static_cast<unsigned long long>(r.executions), pruned.c_str(),
                 exhaustive ? (r.exhausted ? " (exhausted)" : " (not exhausted)") : "", r.seconds,
                 r.seconds > 0 ? static_cast<double>(r.executions) / r.seconds : 0.0,
                 r.passed() ? "" : ", FAILED: ", r.passed() ? "" : to_string(r.failure));
  }
  // Asked for from the shell (SLUICE_MC_GRAPHS), the graph count is printed like SLUICE_MC_STATS,
  // whatever print_summary says (scenario drivers turn the summary off and print their own line).
  // The digest names the set of graphs (FNV-1a over the sorted ids): two searches that print the
  // same digest reached the same set (up to a 64-bit collision), without printing every id.
  if (e.opts.graphs != 0 && in.use_env && std::getenv("SLUICE_MC_GRAPHS") != nullptr) {
    std::uint64_t digest = 0xcbf29ce484222325ULL;
    for (const auto& [hi, lo] : r.graph_ids)
      for (std::uint64_t w : {hi, lo})
        for (int b = 0; b < 64; b += 8) digest = (digest ^ ((w >> b) & 0xff)) * 0x100000001b3ULL;
    std::fprintf(stderr,
                 "[model graphs] %s: %llu executions (%llu cut short by a sleep set), %llu distinct graphs%s, set %016llx\n",
                 e.opts.name, static_cast<unsigned long long>(r.executions),
                 static_cast<unsigned long long>(r.pruned), static_cast<unsigned long long>(r.graphs),
                 exhaustive ? (r.exhausted ? " (exhausted)" : " (not exhausted)") : "",
                 static_cast<unsigned long long>(digest));
  }
  if (std::getenv("SLUICE_MC_STATS") != nullptr) {  // where the executions come from (models/README.md)
    std::fprintf(stderr, "[model stats] %s: executions begun by advancing a choice of kind:", e.opts.name);
    for (int k = 0; k < choice_kinds; ++k)
      std::fprintf(stderr, " %s=%llu", kinds[k], static_cast<unsigned long long>(e.choices.advanced_by_kind[k]));
    std::fprintf(stderr, "; thread choices by race:");
    for (int k = 0; k < race_kinds; ++k)
      std::fprintf(stderr, " %s=%llu", races[k], static_cast<unsigned long long>(e.choices.advanced_by_race[k]));
    std::fprintf(stderr, "\n");
    std::vector<std::pair<std::uint64_t, std::string>> sites;
    for (const auto& [site, count] : e.choices.advanced_by_site)
      sites.emplace_back(count, std::string(site.first) + ":" + std::to_string(site.second));
    std::sort(sites.begin(), sites.end(), std::greater<>());
    for (std::size_t i = 0; i < sites.size() && i < 12; ++i)
      std::fprintf(stderr, "[model stats]   read-from/mo choices advanced at %s: %llu\n", sites[i].second.c_str(),
                   static_cast<unsigned long long>(sites[i].first));
    std::vector<std::pair<std::array<std::uint64_t, 3>, std::string>> rows;
    for (const auto& [key, row] : begun_by) rows.emplace_back(row, key);
    std::sort(rows.begin(), rows.end(), std::greater<>());
    for (std::size_t i = 0; i < rows.size() && i < 24; ++i)
      std::fprintf(stderr, "[model stats]   begun by %s: %llu executions, %llu cut short, %llu repeat a graph%s\n",
                   rows[i].second.c_str(), static_cast<unsigned long long>(rows[i].first[0]),
                   static_cast<unsigned long long>(rows[i].first[1]), static_cast<unsigned long long>(rows[i].first[2]),
                   e.opts.graphs != 0 ? "" : " (graphs off: not counted)");
  }
  if (!r.passed() && e.opts.print_failure) {
    std::fprintf(stderr, "%s\n%s\nreplay: SLUICE_MC_REPLAY='%s'\n", r.message.c_str(), r.trace.c_str(),
                 r.replay.c_str());
  }
  if (!r.passed() && !e.opts.dot_path.empty()) {
    if (std::FILE* f = std::fopen(e.opts.dot_path.c_str(), "w")) {
      std::fputs(r.dot.c_str(), f);
      std::fclose(f);
      if (e.opts.print_failure) std::fprintf(stderr, "execution graph written to %s\n", e.opts.dot_path.c_str());
    }
  }
  return r;
}

}  // namespace sluice::model::rt
