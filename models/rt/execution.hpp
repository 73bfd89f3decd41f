// models/rt/execution.hpp — the state of the running execution, shared by the runtime files.
//
// Contract: one `execution` per process (g_ex), used from one OS thread. It holds the model
// threads (fibers + clocks), the event log (the trace), the per-location modification orders,
// cells, parkers, allocations and the SC-order constraint graph. Everything is reset, but
// its buffers kept, between executions so that an execution allocates almost nothing.
// Files: execution.cpp (scheduler, threads, parkers, allocation, driver), dpor.cpp (the
// exhaustive mode's reduction), memory_model.cpp
// (atomics, fences, seq_cst), cells.cpp (race detection), report.cpp (trace, DOT),
// options.cpp (environment, overrides).
#pragma once

#include <array>
#include <coroutine>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "choices.hpp"
#include "dpor.hpp"
#include "fiber.hpp"
#include "sluice/model/options.hpp"
#include "sluice/model/runtime.hpp"
#include "vector_clock.hpp"

namespace sluice::model::rt {

inline constexpr std::uint32_t none = ~std::uint32_t{0};
// Default iteration count for the random and PCT modes when options::iterations is 0.
inline constexpr std::uint64_t default_random_iterations = 10000;
// Initial guess of an execution's length, for placing PCT's priority change points.
inline constexpr std::uint64_t pct_initial_length = 64;

enum class op_kind : std::uint8_t {
  init, load, store, rmw, cas_fail, fence, cell_read, cell_write,
  spawn, join, finish, park, unpark, lock, unlock, yield, delay, alloc, free, random
};

struct event {
  std::uint32_t step = 0;
  std::uint8_t tid = 0;
  op_kind kind = op_kind::load;
  std::memory_order order = std::memory_order::relaxed;
  bool sc = false;
  bool stale = false;
  bool fresh = false;  // a load made after a yield: it could read only the newest store
  std::uint32_t ts = 0;
  std::uint32_t loc = none;      // location (atomics) or cell id
  std::uint32_t store = none;    // store written (store, rmw, init)
  std::uint32_t rf = none;       // store read (load, rmw, cas_fail)
  std::uint32_t sw_from = none;  // event whose release this acquire synchronized with
  std::uint64_t value = 0;       // value written, or read for a load
  std::uint64_t value2 = 0;      // rmw: the value read
  const char* order_name = nullptr;
  const char* note = nullptr;
  source_location src{};
  vector_clock pre;   // clock before the event (sequenced-before predecessors' knowledge)
  vector_clock post;  // clock after it
};

struct store_rec {
  std::uint64_t value = 0;
  std::uint32_t event = none;
  std::uint32_t loc = 0;
  std::uint32_t mo_pos = 0;
  std::uint8_t tid = 0;
  std::uint32_t ts = 0;
  bool rmw = false;
  bool has_rel = false;
  std::uint32_t rel_event = none;  // the release (store or fence) heading what `rel` carries
  vector_clock rel;                // what an acquire reading this store synchronizes with
  std::array<std::uint32_t, max_model_threads> first_read{};  // earliest read ts per thread
};

struct location_rec {
  const void* addr = nullptr;
  atomic_slot* slot = nullptr;
  unsigned bytes = 8;
  bool alive = true;
  // The construction: a non-atomic write ([atomics.types.operations]). init_ts 0: registered at
  // first use (constructed outside the execution), which happens before everything.
  std::uint8_t init_tid = 0;
  std::uint32_t init_ts = 0;
  std::uint32_t init_step = 0;
  source_location init_src{};
  std::vector<std::uint32_t> mo;      // store ids, in modification order
  std::vector<std::uint32_t> events;  // atomic events on this location
};

struct cell_rec {
  const void* addr = nullptr;
  std::uint8_t w_tid = 0;
  std::uint32_t w_ts = 0;
  std::uint32_t w_step = 0;
  source_location w_src{};
  std::array<std::uint32_t, max_model_threads> r_ts{};
  std::array<std::uint32_t, max_model_threads> r_step{};
  std::array<source_location, max_model_threads> r_src{};
};

// A parker, or a platform lock (locks.cpp; the same id space): `token` is a parker's wake-up
// token, `held` a lock's state; `token_clock` what the token's unpark, or the last releasing
// unlock, makes visible to the thread that consumes it.
struct parker_rec {
  const void* addr = nullptr;
  bool token = false;
  bool held = false;
  vector_clock token_clock;
  // Its name in an execution graph (graphs.cpp): constructed in this execution by thread `tid`
  // after its event `ts` (0: before its first), or, when `outside`, registered at first use
  // (constructed before the execution; named by its address, which then does not change).
  bool outside = true;
  std::uint8_t tid = 0;
  std::uint32_t ts = 0;
};

// options::graphs: what happened to a parker's token, in execution order (graphs.cpp).
enum class park_note_kind : std::uint8_t { unpark, consume, timeout, spurious };
struct park_note {
  std::uint32_t parker = 0;
  std::uint32_t event = 0;  // the unpark or park event
  park_note_kind kind = park_note_kind::unpark;
};

// blocked_await: an await load (memory_model.cpp) that can read no value satisfying its
// predicate; park_id is then the atomic's location id.
enum class thread_status : std::uint8_t { runnable, blocked_park, blocked_join, blocked_lock, blocked_await, finished };

struct thread_rec {
  fiber_context ctx;
  char* stack = nullptr;
  thread_status status = thread_status::runnable;
  vector_clock clock;       // happens-before knowledge
  vector_clock acq_pending; // what relaxed loads read, for a later acquire fence
  vector_clock rel_fence;   // the clock of the latest release fence
  std::uint32_t rel_fence_event = none;
  bool has_rel_fence = false;
  bool yielded = false;
  bool fresh_reads = false;  // after a yield, loads read the newest store (see LIMITATIONS.md)
  std::uint64_t yield_progress = 0;  // `progress` when the thread yielded
  std::uint64_t yield_changes = 0;   // `changes` when the thread yielded
  std::uint64_t yield_writes = 0;    // `dpor_writes` when the thread yielded
  pending_op pending;                // what the thread does when next scheduled (dpor.hpp)
  std::uint32_t park_id = none;  // the parker, the lock or (await) the atomic a blocked thread waits on
  bool timed = false;
  bool timed_out = false;
  std::int64_t deadline = 0;
  int join_target = -1;
  source_location block_src{};
  void (*entry)(void*) = nullptr;
  void* arg = nullptr;
  void (*destroy)(void*) = nullptr;
  std::uint64_t priority = 0;  // PCT
  int parent = -1;             // the thread that spawned it (-1: the main thread)
  bool resuming = false;       // inside resume_inline (core's inline-resumption trampoline)
  std::vector<std::coroutine_handle<>> deferred;  // resumptions queued behind it
  std::uint32_t spawn_ts = 0;  // the parent's spawn event (its index in the parent's program order)
};

struct alloc_rec {
  std::size_t bytes = 0;
  std::size_t align = 0;
  bool freed = false;
  source_location alloc_src{};
  source_location free_src{};
  std::uint32_t dpor_obj = none;  // dpor.cpp's object for the block
};

struct execution {
  options opts;
  choice_stream choices;
  stack_pool stacks;
  fiber_context host;
  bool running = false;
  std::uint32_t gen = 1;
  int current = 0;
  int nthreads = 0;
  std::array<thread_rec, max_model_threads> threads;
  std::vector<event> events;
  std::vector<store_rec> stores;
  std::vector<location_rec> locs;
  std::size_t nlocs = 0;
  std::vector<cell_rec> cells;
  std::vector<parker_rec> parkers;
  std::vector<park_note> park_log;  // options::graphs only
  std::map<std::uintptr_t, alloc_rec> allocs;
  std::size_t freed_count = 0;
  std::uint64_t steps = 0;
  std::uint64_t progress = 0;
  // Operations that can change what another thread observes (everything but loads, yields
  // and delays). A yielded thread stays masked until this moves: another spinner's loads do
  // not unmask it, or two spinners could unmask each other forever while the thread they wait
  // for (low priority under PCT) never runs.
  std::uint64_t changes = 0;
  // Transitions that wrote (dpor.cpp): under the reduction a yielded thread stays masked until
  // this moves, so that "unmasks" is a conflict the reduction can see.
  std::uint64_t dpor_writes = 0;
  bool pruned = false;  // the reduction cut this execution short (every candidate asleep)
  int preemptions = 0;
  int spurious = 0;
  std::int64_t now = 0;
  int no_preempt = 0;
  failure_kind failure = failure_kind::none;
  std::string message;
  // seq_cst: nodes are event ids; the total order S must extend these edges (P0668 rules).
  std::vector<std::uint32_t> sc_nodes;
  std::vector<std::uint32_t> sc_fences;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> sc_edges;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> sc_scratch;
  std::vector<std::vector<std::uint32_t>> sc_adj;
  std::vector<std::uint32_t> sc_stack;
  std::vector<std::uint8_t> sc_seen;
  std::vector<std::uint32_t> sc_fences_before;  // scratch: SC fences hb the probed event
  std::vector<std::uint32_t> candidates;        // scratch: a load's / store's options
  // PCT
  std::vector<std::uint64_t> pct_change_points;
  std::uint64_t pct_length = pct_initial_length;
};

extern execution g_ex;

inline thread_rec& cur() noexcept { return g_ex.threads[g_ex.current]; }

// Scheduler (execution.cpp).
// A scheduling point before the current thread's operation `op` (what it will touch; the
// default, global, is always safe for the reduction).
void begin_op(const pending_op& op = {});
event& record(op_kind kind, const source_location& loc);  // ticks the clock, appends an event
// Failing leaves the current fiber for good: its frames are never unwound, so no object with a
// destructor (a message string, a temporary from describe()) may be alive on them. fail_with
// builds the message inside `make` and stores it before it leaves; call sites pass a lambda.
void set_failure(failure_kind kind, std::string message);  // the first failure wins; returns
[[noreturn]] void leave_execution();
template <class MakeMessage>
[[noreturn]] void fail_with(failure_kind kind, MakeMessage make) {
  set_failure(kind, make());
  leave_execution();
}
parker_rec& parker_of(parker_slot& p);  // registers it in this execution if stale
void block_current();                // the current thread's status says why; returns when woken
void wake_awaiters(std::uint32_t loc);  // threads blocked in an await load of atomic `loc` retry
void check_address(const void* addr, const source_location& loc);
std::memory_order resolve_order(order_ref o, const source_location& loc);

// Memory model (memory_model.cpp).
void reset_memory_model();
// Could thread `tid`'s pending load (`rmw`: RMW or compare-exchange, which ignores the yield's
// newest-store rule) of `slot` read a store with id >= first_new (one created since it went to
// sleep)? True for an atomic not registered in this execution yet. (For an RMW a superset: a
// store followed by an RMW in mo may still count.)
bool load_may_read_since(int tid, const atomic_slot* slot, std::uint32_t first_new, bool rmw = false);

// Reports (report.cpp).
std::string format_trace();
std::string format_dot();
std::string describe(const source_location& loc);
const char* op_name(op_kind k) noexcept;
const char* order_name(std::memory_order o) noexcept;

// Distinct execution graphs (graphs.cpp; options::graphs).
void graphs_begin();                 // before the first execution of a check
bool graphs_note();                  // after each execution (skips pruned ones); true: a new graph
void graphs_end(result& r);          // fills result::graphs and result::graph_ids
std::string graph_text();            // the current execution's canonical form

// Options (options.cpp).
options apply_env(const options& in);

}  // namespace sluice::model::rt
