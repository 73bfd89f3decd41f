// models/rt/dpor.cpp — source-DPOR with sleep sets over the scheduler's thread choices.
//
// The exhaustive mode explores one interleaving per Mazurkiewicz trace of transitions (dpor.hpp
// defines a transition), under this dependency relation:
//  * two accesses to the same atomic, cell or parker conflict when at least one writes; a load,
//    a failed CAS and a cell read are reads; a store, an RMW, a successful CAS, a cell write
//    (construction and destruction too), park, unpark, lock and unlock are writes (a platform
//    lock is a parker-table object, locks.cpp);
//  * seq_cst fences conflict with each other (one virtual location they all write), except
//    under the unbounded reduction with options::fence_races (below);
//  * a free conflicts with every atomic and cell inside the freed block and with another free
//    of it;
//  * a yield reads "everything": it conflicts with every transition that writes, because such
//    a transition is what unmasks the yielding thread (execution.cpp: masked());
//  * join(t) completes only after t ended: it is ordered after t's last transition, not a race
//    (a join that blocks touches nothing; the end of t wakes it);
//  * a timed park, a timeout firing and a thread run only because every runnable thread was
//    masked conflict with everything (they depend on the virtual clock or on global state).
// Reads-from, modification-order, spurious and timeout choices stay ordinary branches below
// each interleaving (choices.cpp): they are data, not schedule.
// Races the memory model already covers (options::rf_races and mo_races, on by default,
// unbounded only): two of those conflicts are not reversed, because the other order's executions
// are reached by a read-from or mo choice of this one. A store or RMW W followed by a lone plain
// load L of its atomic (seq_cst included; not an await, a failed CAS or a load after a yield): L
// may read after W every store it could read before it, so L-before-W is the execution where L,
// after W, reads the older store. L stays ordered after W if it read W's store, and is left
// unordered otherwise (as if they did not conflict: ordering it would hide the later races that
// need reversing); it is always ordered after the transition whose store it read. Two lone plain stores to one atomic: either order reaches both mo orders;
// left unordered. With options::rmw_races the same holds for a lone plain store followed by a
// lone RMW or compare-exchange (successful or failed) of its atomic: before or after the store
// it may read the same older stores, and the store may take the same mo positions (ordered if it
// read the store, unordered otherwise). With options::fence_races two seq_cst fences do not
// conflict at all: the SC constraint graph (memory_model.cpp) gets each edge from whichever of
// its events commits last, so it does not depend on the order the fences ran in. The sleep sets
// follow (options::write_sleep, write_sleep_rule): a sleeping plain store, RMW or fence is not
// woken by what cannot observe it, and a sleeping RMW woken by a write stays asleep for the
// stores it could already read, as a load does. Hence the race candidates are kept per object, thread and access kind, not
// "the last write and the reads since" (rule_for; the argument and its tests: models/README.md,
// "Races the memory model already covers"; Abdulla, Atig, Jonsson, Ngo et al.'s reads-from
// equivalence, OOPSLA 2018 and 2019; Aronis, Jonsson, Lång, Sagonas, DPOR with observers,
// TACAS 2018; Kokologiannakis et al., TruSt, POPL 2022).
//
// Algorithm (Abdulla, Aronis, Jonsson, Sagonas, "Optimal dynamic partial order reduction",
// POPL 2014, Algorithm 1 "source-DPOR"; the disabled-thread fallback of Flanagan and Godefroid,
// POPL 2005): each closed transition gets a vector clock over transitions (program order, spawn,
// the conflicts above, the transition that woke a blocked thread, and the write that unmasked
// a yielder). Every earlier conflicting
// transition of another thread that is not already ordered before it is a race; for each race
// the initials of notdep(e, E).e' are computed and, unless one is already in the backtrack set
// of the thread choice before e, one is added (or, if none can run there, every enabled thread).
// Sleep sets: a thread explored at a choice sleeps in the later branches of that choice until a
// transition conflicting with its pending operation runs; a choice where every candidate sleeps
// ends the execution early (result::pruned).
// Read-from-aware sleep sets (options::rf_sleep, on by default): a sleeping thread whose pending
// operation is an atomic load (seq_cst too; not an await) is not woken by a store or RMW to that
// atomic. It stays
// asleep for the stores that existed when it went to sleep (store ids below `first_new`) and
// may run only to read a store created since: with the same read-from and modification order,
// "L before W" and "W before L" are one execution, and the first was explored where the thread
// was put to sleep. It counts as asleep at a choice where no such store is readable. The
// argument and its limits are in models/README.md ("Read-from-aware sleep sets"); the reads-from
// equivalence is Abdulla, Atig, Jonsson, Ngo et al.'s (OOPSLA 2018 and 2019).
// Sleep sets under a bound (bounded POR, options::bounded_sleep): swapping a sleeping thread's
// transition to the front of an equivalent execution may add preemptions the bound forbids, so
// plain sleep sets lose executions there. A thread explored at a choice is put to sleep only if
// running it there cost no preemption and its transition leaves it unable to go on (a yield,
// thread end, a join of a running thread): then the swapped execution has no more preemptions
// than the pruned one (the argument: models/README.md "Sleep sets under a bound"). The scan for
// conflicts keeps, per object and thread, the latest access of each kind (object_rec), which is
// enough: an earlier access of the same thread and kind is ordered before it. Credit for the shape of the stateless, replay-based implementation: loom's bounded DPOR
// (tokio-rs/loom, src/rt/path.rs) and Nidhugg; the code here is this project's own.
#include "dpor.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "execution.hpp"

namespace sluice::model::rt {

namespace {

using clock_t8 = std::array<std::uint32_t, max_model_threads>;

enum class space : std::uint8_t { atomic, cell, parker, thread, sc_fences, block };

struct access {
  space sp;
  bool write;
  std::uint32_t obj;
  std::uintptr_t lo, hi;  // address range (thread: lo = tid), for the sleep-set test
};

struct transition {
  std::uint8_t tid = 0;
  std::uint32_t seq = 0;  // 1-based index among the thread's transitions
  std::size_t point = no_point;
  std::size_t ev_start = 0;
  bool global = false;
  bool write = false;
  bool yield = false;
  bool nested = false;
  bool frees = false;
  std::uint32_t stores_start = 0;  // stores that existed when it started (memory_model.cpp ids)
  thread_mask spawned = 0;
  thread_mask blocked = 0;  // threads blocked when it started (those it wakes happen after it)
  thread_mask joined = 0;   // threads whose end it joined (ordered after it, never a race)
  // Its only access is one atomic load (seq_cst included; not an await attempt, not a failed
  // CAS, not after a yield) or one atomic store (not an RMW or CAS) of location `lone_loc`;
  // `lone_rf`: the store the load read. Such a transition's races with earlier writes may need
  // no reversal (rule_for below).
  bool lone_load = false;
  bool lone_store = false;
  // Its only access is one RMW or compare-exchange (successful or failed, `lone_cas_fail`) of
  // `lone_loc` (options::rmw_races, write_sleep).
  bool lone_rmw = false;
  bool lone_cas_fail = false;
  std::uint32_t lone_loc = none;
  std::uint32_t lone_rf = none;
  clock_t8 clock{};
};

// Per object and thread, the latest access of each kind: a transition that reads it, one that
// writes it by a lone plain store, one that writes it otherwise, and one that writes it while
// freeing, nested or global. An earlier access of the same thread and kind is ordered before the
// latest one and stands in the same relation to a later transition (reversed, or left alone by
// races_covered), so these are enough candidates for a race. (With every race reversed, the
// object's last write alone would do: everything before it is ordered before it. A race left
// unordered breaks that, hence per thread and kind.)
enum access_kind : std::uint8_t { ak_read, ak_plain_store, ak_write, ak_complex, ak_count };
struct object_rec {
  std::array<std::array<std::uint32_t, max_model_threads>, ak_count> last{};
};

struct reduction_state {
  std::vector<transition> trace;
  std::vector<object_rec> objects;
  std::size_t nobjects = 0;
  std::vector<std::uint32_t> atomic_obj, cell_obj, parker_obj;
  std::array<std::uint32_t, max_model_threads> thread_obj{};
  std::uint32_t scf_obj = none;
  std::array<clock_t8, max_model_threads> clocks{};
  std::array<std::uint32_t, max_model_threads> last_any{}, last_write{}, last_yield{}, last_global{};
  std::vector<access> fp;
  std::vector<std::uint32_t> noted_parkers;
  std::vector<std::uint32_t> noted_awaits;  // atomics a blocked await attempt read
  std::vector<std::pair<std::uint32_t, race_kind>> cands;
  std::vector<std::pair<std::uint32_t, race_kind>> races;
  thread_mask sleep = 0;
  // Read-from-aware sleep: asleep only for reads of stores with id < first_new[t].
  thread_mask rf_sleep = 0;
  std::array<std::uint32_t, max_model_threads> first_new{};
  std::uint32_t restriction = none;  // the open transition's load (dpor_take_rf_restriction)
  bool open = false;
};

reduction_state g;

std::uint32_t new_object() {
  if (g.nobjects == g.objects.size()) g.objects.emplace_back();
  object_rec& o = g.objects[g.nobjects];
  for (auto& k : o.last) k.fill(none);
  return static_cast<std::uint32_t>(g.nobjects++);
}

std::uint32_t object_of(std::vector<std::uint32_t>& map, std::uint32_t id) {
  if (map.size() <= id) map.resize(id + 1, none);
  if (map[id] == none) map[id] = new_object();
  return map[id];
}

std::uint32_t object_of(std::uint32_t& slot) {
  if (slot == none) slot = new_object();
  return slot;
}

void join_clock(clock_t8& into, const clock_t8& from) {
  for (int i = 0; i < max_model_threads; ++i) into[i] = std::max(into[i], from[i]);
}

void add(space sp, bool write, std::uint32_t obj, std::uintptr_t lo, std::uintptr_t hi) {
  g.fp.push_back({sp, write, obj, lo, hi});
}

void add_atomic(std::uint32_t loc, bool write) {
  auto a = reinterpret_cast<std::uintptr_t>(g_ex.locs[loc].addr);
  add(space::atomic, write, object_of(g.atomic_obj, loc), a, a + 1);
}

void add_parker(std::uint32_t id) {
  auto a = reinterpret_cast<std::uintptr_t>(g_ex.parkers[id].addr);
  add(space::parker, true, object_of(g.parker_obj, id), a, a + 1);
}

void add_free(std::uintptr_t lo, std::uintptr_t hi) {
  execution& e = g_ex;
  auto it = e.allocs.find(lo);
  if (it != e.allocs.end()) add(space::block, true, object_of(it->second.dpor_obj), lo, hi);
  for (std::size_t l = 0; l < e.nlocs; ++l) {
    auto a = reinterpret_cast<std::uintptr_t>(e.locs[l].addr);
    if (a >= lo && a < hi) add(space::atomic, true, object_of(g.atomic_obj, static_cast<std::uint32_t>(l)), a, a + 1);
  }
  for (std::size_t c = 0; c < e.cells.size(); ++c) {
    auto a = reinterpret_cast<std::uintptr_t>(e.cells[c].addr);
    if (a >= lo && a < hi) add(space::cell, true, object_of(g.cell_obj, static_cast<std::uint32_t>(c)), a, a + 1);
  }
}

// What the closing transition touched, from the events it recorded.
void build_footprint(transition& tr) {
  execution& e = g_ex;
  g.fp.clear();
  for (std::size_t i = tr.ev_start; i < e.events.size(); ++i) {
    const event& ev = e.events[i];
    switch (ev.kind) {
      case op_kind::load:
      case op_kind::cas_fail: add_atomic(ev.loc, false); break;
      case op_kind::store:
      case op_kind::rmw: add_atomic(ev.loc, true); break;
      case op_kind::fence:
        if (ev.sc) add(space::sc_fences, true, object_of(g.scf_obj), 0, 0);
        break;
      case op_kind::cell_read:
      case op_kind::cell_write: {
        auto a = reinterpret_cast<std::uintptr_t>(e.cells[ev.loc].addr);
        add(space::cell, ev.kind == op_kind::cell_write, object_of(g.cell_obj, ev.loc), a, a + 1);
        break;
      }
      case op_kind::park:
      case op_kind::unpark:
      case op_kind::lock:
      case op_kind::unlock: add_parker(ev.loc); break;
      case op_kind::yield: tr.yield = true; break;
      case op_kind::join: tr.joined = static_cast<thread_mask>(tr.joined | 1u << ev.value); break;
      case op_kind::finish: add(space::thread, true, object_of(g.thread_obj[ev.tid]), ev.tid, ev.tid + 1u); break;
      case op_kind::free:
        tr.frees = true;
        add_free(ev.value, ev.value + ev.value2);
        break;
      default: break;
    }
  }
  for (std::uint32_t id : g.noted_parkers) add_parker(id);
  g.noted_parkers.clear();
  for (std::uint32_t loc : g.noted_awaits) add_atomic(loc, false);
  g.noted_awaits.clear();
  tr.write = tr.global;
  for (const access& a : g.fp) tr.write = tr.write || a.write;
  if (tr.global || tr.yield || tr.nested || tr.frees || g.fp.size() != 1 || g.fp[0].sp != space::atomic) return;
  const event* only = nullptr;
  for (std::size_t i = tr.ev_start; i < e.events.size(); ++i) {
    const event& ev = e.events[i];
    if (ev.kind != op_kind::load && ev.kind != op_kind::store && ev.kind != op_kind::rmw && ev.kind != op_kind::cas_fail)
      continue;
    if (only != nullptr) return;
    only = &ev;
  }
  if (only == nullptr) return;  // a blocked await attempt (noted, no event)
  tr.lone_loc = only->loc;
  tr.lone_rf = only->rf;
  tr.lone_load = only->kind == op_kind::load && only->note == nullptr && !only->fresh;
  tr.lone_store = only->kind == op_kind::store;
  tr.lone_rmw = only->kind == op_kind::rmw || only->kind == op_kind::cas_fail;
  tr.lone_cas_fail = only->kind == op_kind::cas_fail;
}

// Does the closed transition (footprint g.fp) conflict with a thread's pending operation?
bool conflicts(const transition& tr, const pending_op& d) {
  if (tr.global || d.kind == pending_kind::global) return true;
  auto addr = reinterpret_cast<std::uintptr_t>(d.addr);
  bool d_writes = d.kind != pending_kind::read && d.kind != pending_kind::join && d.kind != pending_kind::none;
  if (d.kind == pending_kind::yield) return tr.write;
  if (d_writes && tr.yield) return true;
  for (const access& a : g.fp) {
    switch (d.kind) {
      case pending_kind::read:
      case pending_kind::write:
        if ((a.sp == space::atomic || a.sp == space::cell || a.sp == space::block) && a.lo <= addr && addr < a.hi &&
            (a.write || d_writes))
          return true;
        break;
      case pending_kind::fence:
        if (a.sp == space::sc_fences) return true;
        break;
      case pending_kind::parker:
        if (a.sp == space::parker && a.lo == addr) return true;
        break;
      case pending_kind::join:
        if (a.sp == space::thread && a.lo == static_cast<std::uintptr_t>(d.tid) && a.write) return true;
        break;
      case pending_kind::finish:
        if (a.sp == space::thread && a.lo == static_cast<std::uintptr_t>(d.tid)) return true;
        break;
      case pending_kind::free_block:
        if ((a.sp == space::atomic || a.sp == space::cell || a.sp == space::block) && a.lo < addr + d.bytes &&
            addr < a.hi)
          return true;
        break;
      default: break;
    }
  }
  return false;
}

// May a sleeping load `d` that conflicts with the closed transition stay asleep, restricted to
// newer stores? Only when every access of the transition to the load's atomic is a store or RMW
// there (not a free of its block, not a global or nested transition).
bool keeps_rf_sleep(const transition& tr, const pending_op& d) {
  if (!g_ex.opts.rf_sleep || g_ex.opts.reduction_bound >= 0 || !d.plain_load || d.kind != pending_kind::read || tr.global || tr.frees || tr.nested)
    return false;
  auto addr = reinterpret_cast<std::uintptr_t>(d.addr);
  for (const access& a : g.fp)
    if (a.lo <= addr && addr < a.hi && a.sp != space::atomic) return false;
  return true;
}

// What a transition that conflicts with a sleeping thread's pending operation does to it.
enum class sleep_effect : std::uint8_t { wake, keep, restrict_old };

// The write sleep sets (options::write_sleep; models/README.md, "Races the memory model already
// covers"). `d` is the pending operation of a sleeping thread that the closed transition `tr`
// conflicts with. A sleeper t stays asleep after tr when every execution that runs tr and then t
// is one that runs t first (explored where t was put to sleep) with the same reads-from and
// modification order:
//  * a seq_cst fence after a seq_cst fence (fence_races): the SC constraint graph does not
//    depend on the order the two ran in;
//  * a plain store after a lone plain load, plain store, RMW or compare-exchange of its atomic:
//    none of them can have read it, and each of its mo positions after tr is one it may take
//    before tr (tr then reading, or being placed, as it was);
//  * an RMW or compare-exchange after a lone plain load or failed compare-exchange of its atomic:
//    the read cannot have read it, and it reads the same stores before as after; after a store
//    or RMW (tr) it stays asleep, restricted, for the stores it could already read, as a
//    sleeping load does (rf_sleep): reading one of them, it is the execution where it ran
//    first; reading tr's store is new.
// Anything else wakes it. Unbounded reduction only.
sleep_effect write_sleep_rule(const transition& tr, const pending_op& d) {
  const execution& e = g_ex;
  if (!e.opts.write_sleep || e.opts.reduction_bound >= 0 || tr.global || tr.yield || tr.frees || tr.nested)
    return sleep_effect::wake;
  if (d.kind == pending_kind::fence) return e.opts.fence_races ? sleep_effect::keep : sleep_effect::wake;
  if (d.kind != pending_kind::write) return sleep_effect::wake;
  if (d.plain_store) return tr.lone_load || tr.lone_store || tr.lone_rmw ? sleep_effect::keep : sleep_effect::wake;
  if (!d.rmw) return sleep_effect::wake;
  auto addr = reinterpret_cast<std::uintptr_t>(d.addr);
  bool writes = false;
  for (const access& a : g.fp) {
    if (a.lo > addr || addr >= a.hi) continue;
    if (a.sp != space::atomic) return sleep_effect::wake;
    writes = writes || a.write;
  }
  if (writes) return sleep_effect::restrict_old;
  return tr.lone_load || tr.lone_cas_fail ? sleep_effect::keep : sleep_effect::wake;
}

race_kind race_of(space sp) {
  switch (sp) {
    case space::atomic: return race_kind::atomic;
    case space::cell: return race_kind::cell;
    case space::parker: return race_kind::parker;
    case space::thread: return race_kind::thread_end;
    case space::sc_fences: return race_kind::sc_fence;
    case space::block: return race_kind::free_block;
  }
  return race_kind::global;
}

// Earlier transitions that may conflict with the closing one (a superset is harmless).
void collect_candidates(const transition& tr) {
  int q = tr.tid;
  g.cands.clear();
  const bool fences_free = g_ex.opts.fence_races && g_ex.opts.reduction_bound < 0;
  for (const access& a : g.fp) {
    if (a.sp == space::sc_fences && fences_free) continue;  // fence_races: never a race (rule_for)
    const object_rec& o = g.objects[a.obj];
    race_kind why = race_of(a.sp);
    for (int k = a.write ? ak_read : ak_plain_store; k < ak_count; ++k)
      for (std::uint32_t r : o.last[k])
        if (r != none) g.cands.push_back({r, why});
  }
  for (int r = 0; r < max_model_threads; ++r) {
    if (r == q) continue;
    if (tr.write && g.last_yield[r] != none) g.cands.push_back({g.last_yield[r], race_kind::yield});
    if (tr.yield && g.last_write[r] != none) g.cands.push_back({g.last_write[r], race_kind::yield});
    if (tr.global && g.last_any[r] != none) g.cands.push_back({g.last_any[r], race_kind::global});
    if (g.last_global[r] != none) g.cands.push_back({g.last_global[r], race_kind::global});
  }
  // Latest first; one entry per transition (the first reason found names the race).
  std::stable_sort(g.cands.begin(), g.cands.end(), [](auto& a, auto& b) { return a.first > b.first; });
  g.cands.erase(std::unique(g.cands.begin(), g.cands.end(), [](auto& a, auto& b) { return a.first == b.first; }),
                g.cands.end());
}

// Races the memory model already covers (options::rf_races, mo_races; the argument:
// models/README.md, "Races the memory model already covers"). For the race (j, i), j earlier:
//  * `reverse`: an ordinary race;
//  * `order`: i is a lone plain load that read a store j made: i stays ordered after j (it
//    could not read that store otherwise), but the race is not reversed: with i first, i reads
//    an older store, which it may read after j as well (a read-from choice of this execution);
//  * `independent`: i is a lone plain load that read another store, or i and j are lone plain
//    stores to one atomic (modification-order placement offers both orders either way): not
//    ordered, not reversed, as if they did not conflict.
// j then writes i's atomic (i conflicts with nothing else) and is not a free, nested or global
// transition. Unbounded reduction only.
enum class race_rule : std::uint8_t { reverse, order, independent };

race_rule rule_for(std::uint32_t j, const transition& ti) {
  const execution& e = g_ex;
  const transition& tj = g.trace[j];
  if (e.opts.reduction_bound >= 0 || tj.global || tj.frees || tj.nested) return race_rule::reverse;
  if (ti.lone_store)
    return e.opts.mo_races && tj.lone_store && tj.lone_loc == ti.lone_loc ? race_rule::independent
                                                                          : race_rule::reverse;
  const transition& next = g.trace[j + 1];  // j < i: it exists
  const bool read_j = ti.lone_rf >= tj.stores_start && ti.lone_rf < next.stores_start;
  if (ti.lone_rmw) {  // rmw_races: only after a lone plain store of the same atomic
    if (!e.opts.rmw_races || !tj.lone_store || tj.lone_loc != ti.lone_loc) return race_rule::reverse;
    return read_j ? race_rule::order : race_rule::independent;
  }
  if (!ti.lone_load || !e.opts.rf_races) return race_rule::reverse;
  // i's only access is its load, so j conflicts with it by writing that atomic.
  return read_j ? race_rule::order : race_rule::independent;
}

// SLUICE_MC_STATS: a race on an atomic named by what its two transitions did.
race_kind refine(const transition& tj, const transition& ti, race_kind why) {
  if (why != race_kind::atomic) return why;
  if (!tj.write) return ti.write ? race_kind::atomic_read_write : why;
  if (!ti.write) return race_kind::atomic_write_read;
  if (tj.lone_rmw && ti.lone_rmw) return race_kind::atomic_rmw_rmw;
  if (tj.lone_store && ti.lone_rmw) return race_kind::atomic_store_rmw;
  if (tj.lone_rmw && ti.lone_store) return race_kind::atomic_rmw_store;
  if (tj.lone_store && ti.lone_store) return race_kind::atomic_store_store;
  return why;
}

// Bounded POR: thread `t` must be tried at choice `point`: it, or every enabled thread if `t`
// cannot run there (Flanagan and Godefroid's condition, which Coons et al. extend).
void add_backtrack(std::size_t point, unsigned t, race_kind why) {
  thread_point& p = g_ex.choices.point(point);
  thread_mask add = (p.enabled >> t & 1) != 0 ? static_cast<thread_mask>(1u << t) : p.enabled;
  for (int r = 0; r < max_model_threads; ++r)
    if (((add & ~p.backtrack) >> r & 1) != 0) p.why[r] = why;
  p.backtrack = static_cast<thread_mask>(p.backtrack | add);
}

// Bounded POR (Coons, Musuvathi, McKinley, OOPSLA 2013): reversing the race at the choice
// before j may need a preemption the bound forbids, so the racing thread is also tried where
// j's thread was last switched in (the start of its run of consecutive transitions), which
// costs no preemption more than the explored execution did there.
void reverse_bounded(std::uint32_t j, std::uint32_t i, race_kind why) {
  const transition& tj = g.trace[j];
  unsigned t = g.trace[i].tid;
  if (tj.point != no_point) add_backtrack(tj.point, t, why);
  std::uint32_t k = j;
  while (k > 0 && g.trace[k - 1].tid == tj.tid) --k;
  if (k != j && g.trace[k].point != no_point) add_backtrack(g.trace[k].point, t, why);
}

// Race (j, i): make sure the choice before j tries some initial of notdep(j).i.
void reverse(std::uint32_t j, std::uint32_t i, race_kind why) {
  const transition& tj = g.trace[j];
  const transition& ti = g.trace[i];
  if (g_ex.opts.reduction_bound >= 0) return reverse_bounded(j, i, why);
  if (tj.point == no_point) return;  // only one thread could run there
  thread_point& p = g_ex.choices.point(tj.point);
  thread_mask enabled = p.enabled;
  if ((enabled & ~(p.backtrack | p.sleep)) == 0) return;
  std::array<std::uint32_t, max_model_threads> first;
  first.fill(none);
  for (std::uint32_t k = j + 1; k < i; ++k) {
    const transition& tk = g.trace[k];
    if (tk.clock[tj.tid] >= tj.seq) continue;  // happens after j
    if (first[tk.tid] == none) first[tk.tid] = k;
  }
  if (first[ti.tid] == none) first[ti.tid] = i;
  thread_mask initials = 0;
  for (int t = 0; t < max_model_threads; ++t) {
    if (first[t] == none) continue;
    const clock_t8& ck = g.trace[first[t]].clock;
    bool initial = true;
    for (int r = 0; r < max_model_threads && initial; ++r)
      if (r != t && first[r] != none && g.trace[first[r]].seq <= ck[r]) initial = false;
    if (initial) initials = static_cast<thread_mask>(initials | 1u << t);
  }
  if ((initials & p.backtrack) != 0) return;
  thread_mask avail = initials & enabled & ~p.sleep;
  if (avail != 0) {
    unsigned pick = (avail >> ti.tid & 1) != 0 ? ti.tid : static_cast<unsigned>(__builtin_ctz(avail));
    p.backtrack = static_cast<thread_mask>(p.backtrack | 1u << pick);
    p.why[pick] = why;
  } else if ((initials & p.sleep) == 0) {
    for (int t = 0; t < max_model_threads; ++t)
      if ((enabled & ~(p.sleep | p.backtrack)) >> t & 1) p.why[t] = why;
    p.backtrack = static_cast<thread_mask>(p.backtrack | (enabled & ~p.sleep));
  }
}

}  // namespace

void dpor_reset() {
  g.trace.clear();
  g.nobjects = 0;
  g.atomic_obj.clear();
  g.cell_obj.clear();
  g.parker_obj.clear();
  g.thread_obj.fill(none);
  g.scf_obj = none;
  for (auto& c : g.clocks) c.fill(0);
  g.last_any.fill(none);
  g.last_write.fill(none);
  g.last_yield.fill(none);
  g.last_global.fill(none);
  g.noted_parkers.clear();
  g.noted_awaits.clear();
  g.sleep = 0;
  g.rf_sleep = 0;
  g.restriction = none;
  g.open = false;
}

void dpor_open(int tid, std::size_t point, bool global) {
  transition& t = g.trace.emplace_back();
  t.tid = static_cast<std::uint8_t>(tid);
  t.seq = g.clocks[tid][tid] + 1;
  t.point = point;
  t.ev_start = g_ex.events.size();
  t.global = global;
  t.stores_start = static_cast<std::uint32_t>(g_ex.stores.size());
  g.restriction = (g.rf_sleep >> tid & 1) != 0 ? g.first_new[tid] : none;
  for (int r = 0; r < g_ex.nthreads; ++r) {
    thread_status st = g_ex.threads[r].status;
    if (r != tid && (st == thread_status::blocked_park || st == thread_status::blocked_join ||
                     st == thread_status::blocked_lock || st == thread_status::blocked_await))
      t.blocked = static_cast<thread_mask>(t.blocked | 1u << r);
  }
  g.open = true;
}

void dpor_close() {
  if (!g.open) return;
  g.open = false;
  g.restriction = none;
  execution& e = g_ex;
  auto i = static_cast<std::uint32_t>(g.trace.size() - 1);
  transition& tr = g.trace[i];
  int q = tr.tid;
  build_footprint(tr);
  collect_candidates(tr);
  clock_t8 c = g.clocks[q];
  for (int t = 0; t < max_model_threads; ++t)
    if ((tr.joined >> t & 1) != 0) join_clock(c, g.trace[g.last_any[t]].clock);
  g.races.clear();
  // rf_races: a lone plain load is ordered after the transition whose store it read, even when
  // that transition is hidden behind a later write of its thread (the candidates are only the
  // latest of each kind, so `order` below may not see it): a dependency, not a race to reverse.
  // The same for an RMW or compare-exchange under rmw_races (its race with a lone plain store).
  if (((tr.lone_load && e.opts.rf_races) || (tr.lone_rmw && e.opts.rmw_races)) && e.opts.reduction_bound < 0 &&
      tr.lone_rf != none && e.stores[tr.lone_rf].event != none) {
    const std::uint32_t ev = e.stores[tr.lone_rf].event;
    auto it = std::upper_bound(g.trace.begin(), g.trace.end(), ev,
                               [](std::uint32_t v, const transition& t) { return v < t.ev_start; });
    if (it != g.trace.begin()) {
      const transition& tk = *(it - 1);  // rule_for's `order`, unless the race must be reversed
      // (for an RMW `order` needs a lone plain store: its race with any other write is reversed)
      if (tk.tid != q && c[tk.tid] < tk.seq && !tk.global && !tk.frees && !tk.nested && (tr.lone_load || tk.lone_store))
        join_clock(c, tk.clock);
    }
  }
  for (auto [j, why] : g.cands) {
    const transition& tj = g.trace[j];
    if (tj.tid == q || c[tj.tid] >= tj.seq) continue;
    race_rule rule = rule_for(j, tr);
    if (rule == race_rule::independent) continue;
    if (rule == race_rule::reverse) g.races.push_back({j, refine(tj, tr, why)});
    join_clock(c, tj.clock);
  }
  c[q] = tr.seq;
  tr.clock = c;
  g.clocks[q] = c;
  for (int t = 0; t < max_model_threads; ++t)
    if ((tr.spawned >> t & 1) != 0) g.clocks[t] = c;
  for (int t = 0; t < e.nthreads; ++t)  // woken by it (unpark, thread end)
    if ((tr.blocked >> t & 1) != 0 && e.threads[t].status == thread_status::runnable) join_clock(g.clocks[t], c);
  for (const access& a : g.fp) {
    object_rec& o = g.objects[a.obj];
    int k = !a.write                             ? ak_read
            : tr.frees || tr.nested || tr.global ? ak_complex
            : tr.lone_store                      ? ak_plain_store
                                                 : ak_write;
    o.last[k][q] = i;
  }
  g.last_any[q] = i;
  if (tr.write) g.last_write[q] = i;
  if (tr.yield) g.last_yield[q] = i;
  if (tr.global) g.last_global[q] = i;
  if (tr.write) {  // it unmasks every yielder: their next transitions happen after it
    for (int r = 0; r < e.nthreads; ++r) {
      const thread_rec& t = e.threads[r];
      if (r != q && t.yielded && t.yield_writes == e.dpor_writes) join_clock(g.clocks[r], c);
    }
    ++e.dpor_writes;
  }
  if (!e.choices.reduction()) return;
  for (auto [j, why] : g.races) reverse(j, i, why);
  bool bounded = e.opts.reduction_bound >= 0;
  if (bounded && !e.opts.bounded_sleep) return;
  if (tr.point != no_point) {
    thread_point& p = e.choices.point(tr.point);
    auto added = static_cast<thread_mask>(p.done & ~p.unstable);
    if (bounded) added = static_cast<thread_mask>(added & p.neutral);  // costs no preemption (header)
    for (int r = 0; r < max_model_threads; ++r)  // explored at p from the state before tr
      if ((added >> r & 1) != 0) g.first_new[r] = tr.stores_start;
    g.sleep = static_cast<thread_mask>(g.sleep | added);
    g.rf_sleep = static_cast<thread_mask>(g.rf_sleep & ~added);
    if (tr.nested) p.unstable = static_cast<thread_mask>(p.unstable | 1u << q);
  }
  g.sleep = static_cast<thread_mask>(g.sleep & ~(1u << q));
  g.rf_sleep = static_cast<thread_mask>(g.rf_sleep & ~(1u << q));
  for (int r = 0; r < e.nthreads; ++r) {
    auto bit = static_cast<thread_mask>(1u << r);
    const pending_op& d = e.threads[r].pending;
    if (((g.sleep | g.rf_sleep) & bit) == 0 || !conflicts(tr, d)) continue;
    sleep_effect w = !d.plain_load              ? write_sleep_rule(tr, d)
                     : keeps_rf_sleep(tr, d) ? sleep_effect::restrict_old
                                             : sleep_effect::wake;
    if (w == sleep_effect::keep) continue;
    g.sleep = static_cast<thread_mask>(g.sleep & ~bit);
    if (w == sleep_effect::restrict_old)
      g.rf_sleep = static_cast<thread_mask>(g.rf_sleep | bit);
    else
      g.rf_sleep = static_cast<thread_mask>(g.rf_sleep & ~bit);
  }
}

void dpor_note_parker(std::uint32_t parker_id) {
  if (g.open) g.noted_parkers.push_back(parker_id);
}

void dpor_note_await(std::uint32_t loc) {
  if (g.open) g.noted_awaits.push_back(loc);
}

void dpor_note_nested() {
  if (g.open) g.trace.back().nested = true;
}

void dpor_note_spawn(int child) {
  if (g.open) g.trace.back().spawned = static_cast<thread_mask>(g.trace.back().spawned | 1u << child);
}

thread_mask dpor_sleep() noexcept {
  thread_mask s = g.sleep;
  for (int r = 0; r < g_ex.nthreads; ++r)
    if ((g.rf_sleep >> r & 1) != 0 &&
        !load_may_read_since(r, g_ex.threads[r].pending.slot, g.first_new[r], g_ex.threads[r].pending.rmw))
      s = static_cast<thread_mask>(s | 1u << r);
  return s;
}

std::uint32_t dpor_take_rf_restriction() noexcept {
  std::uint32_t r = g.restriction;
  g.restriction = none;
  return r;
}

}  // namespace sluice::model::rt
