// models/rt/memory_model.cpp — C++20 atomics: what each load may read, where each store goes.
//
// Model (a store-history model with modification order kept apart from execution order):
//  * Each location keeps its stores in modification order (mo). A new store may be inserted at
//    any position after the newest store the thread already "sees" (its coherence floor), so
//    2+2W, S and R are reachable. A position directly before an RMW is excluded: an RMW reads
//    the store immediately before it in mo.
//  * The coherence floor of thread t at location L is the mo-latest store that happens before
//    t's current point or that was read by a read that happens before it (CoWR, CoRR, CoWW,
//    CoRW). A load may read any store from the floor on (not just the newest few); an RMW may
//    read any such store whose mo-successor is not an RMW, and is inserted right after it.
//  * Happens-before is vector clocks: a release store (or a relaxed store after a release
//    fence) carries its clock; an acquire load (or a relaxed load followed by an acquire
//    fence) joins it. C++20 release sequences: an RMW carries its own release clock joined with
//    the one of the store it read; a plain store by the same thread does not continue it.
//  * seq_cst (C++20, P0668): the SC order S must extend (a) strongly-happens-before between SC
//    events, and (b) for A coherence-ordered-before B, the four fence rules of
//    [atomics.order]/4. These are kept as edges of a graph over SC events; a choice that would
//    close a cycle is not offered. Reading the newest store or appending to mo never adds an
//    edge out of the new event, so at least one choice always remains.
//  * Coherence order keys: a store at mo position q has key 4q; a load that read it 4q+2; a
//    candidate store inserted before position p has key 4p-1; an RMW that reads position q has
//    key 4q+3. A is coherence-ordered before B exactly when key(A) < key(B).
#include <algorithm>

#include "execution.hpp"

namespace sluice::model::rt {

namespace {

bool is_acquire(std::memory_order o) {
  return o == std::memory_order::acquire || o == std::memory_order::acq_rel ||
         o == std::memory_order::seq_cst || o == std::memory_order::consume;
}
bool is_release(std::memory_order o) {
  return o == std::memory_order::release || o == std::memory_order::acq_rel || o == std::memory_order::seq_cst;
}

std::uint64_t apply_rmw(rmw_op op, std::uint64_t old, std::uint64_t v, unsigned bytes) {
  std::uint64_t r = v;
  switch (op) {
    case rmw_op::exchange: r = v; break;
    case rmw_op::add: r = old + v; break;
    case rmw_op::sub: r = old - v; break;
    case rmw_op::bit_or: r = old | v; break;
    case rmw_op::bit_and: r = old & v; break;
  }
  if (bytes < 8) r &= (std::uint64_t{1} << (8 * bytes)) - 1;
  return r;
}

std::uint32_t new_location(atomic_slot& s, const void* addr, unsigned bytes) {
  execution& e = g_ex;
  if (e.nlocs == e.locs.size()) e.locs.emplace_back();
  location_rec& L = e.locs[e.nlocs];
  L.addr = addr;
  L.slot = &s;
  L.bytes = bytes;
  L.alive = true;
  L.init_tid = 0;
  L.init_ts = 0;
  L.init_step = 0;
  L.init_src = source_location{};
  L.mo.clear();
  L.events.clear();
  s.gen = e.gen;
  s.id = static_cast<std::uint32_t>(e.nlocs);
  return static_cast<std::uint32_t>(e.nlocs++);
}

std::uint32_t new_store(std::uint32_t loc, std::uint64_t value, int tid, std::uint32_t ts, std::uint32_t ev) {
  execution& e = g_ex;
  store_rec& st = e.stores.emplace_back();
  st.value = value;
  st.loc = loc;
  st.tid = static_cast<std::uint8_t>(tid);
  st.ts = ts;
  st.event = ev;
  return static_cast<std::uint32_t>(e.stores.size() - 1);
}

void insert_mo(location_rec& L, std::uint32_t pos, std::uint32_t sid) {
  execution& e = g_ex;
  L.mo.insert(L.mo.begin() + pos, sid);
  for (std::size_t i = pos; i < L.mo.size(); ++i) e.stores[L.mo[i]].mo_pos = static_cast<std::uint32_t>(i);
  if (pos + 1 == L.mo.size() && L.slot != nullptr) L.slot->shadow = e.stores[sid].value;
  wake_awaiters(e.stores[sid].loc);  // a new store may be one an await can read
}

// Is `addr` inside a block P::allocate returned in this execution?
const alloc_rec* allocation_of(const void* addr) {
  const auto& allocs = g_ex.allocs;
  auto a = reinterpret_cast<std::uintptr_t>(addr);
  auto it = allocs.upper_bound(a);
  if (it == allocs.begin()) return nullptr;
  --it;
  return a < it->first + it->second.bytes ? &it->second : nullptr;
}

// A store that nobody else is known to have seen: registered at first use (a static atomic,
// or one constructed outside the check). Timestamp 0 happens before everything.
// An atomic's construction is a non-atomic write: an access that does not happen after it is a
// data race (Relacy: "access to uninitialized variable"), and so is an access to an atomic in
// this execution's allocated memory that was never constructed (it races with the
// construction that comes later, or reads uninitialized memory).
location_rec& location_of(atomic_slot& s, const void* addr, const source_location& loc) {
  execution& e = g_ex;
  if (s.gen != e.gen) {
    check_address(addr, loc);
    if (allocation_of(addr) != nullptr)
      fail_with(failure_kind::data_race, [&] {
        return "data race on an atomic's construction: access at " + describe(loc) + " by thread " +
               std::to_string(e.current) + " (step " + std::to_string(e.events.size() + 1) +
               ") to allocated memory where no atomic has been constructed (yet) in this execution";
      });
    std::uint32_t id = new_location(s, addr, 8);
    std::uint32_t sid = new_store(id, s.shadow, 0, 0, none);
    insert_mo(e.locs[id], 0, sid);
  }
  location_rec& L = e.locs[s.id];
  if (!L.alive)
    fail_with(failure_kind::use_after_free, [&] { return "atomic used after its destructor ran, at " + describe(loc); });
  check_address(addr, loc);
  if (L.init_ts > cur().clock[L.init_tid])
    fail_with(failure_kind::data_race, [&] {
      return "data race on an atomic's construction: construction by thread " + std::to_string(L.init_tid) + " at " +
             describe(L.init_src) + " (step " + std::to_string(L.init_step) + ") and access by thread " +
             std::to_string(e.current) + " at " + describe(loc) + " (step " + std::to_string(e.events.size() + 1) +
             ") are not ordered by happens-before (construction is not atomic)";
    });
  return L;
}

bool store_visible(const store_rec& s, const vector_clock& c) {
  if (s.ts <= c[s.tid]) return true;
  for (int u = 0; u < max_model_threads; ++u)
    if (s.first_read[u] != 0 && s.first_read[u] <= c[u]) return true;
  return false;
}

// Index in L.mo of the newest store the current thread must not read before.
std::uint32_t floor_of(const location_rec& L, const vector_clock& c) {
  for (std::size_t i = L.mo.size(); i-- > 0;)
    if (store_visible(g_ex.stores[L.mo[i]], c)) return static_cast<std::uint32_t>(i);
  return 0;
}

// --- seq_cst ---------------------------------------------------------------------------------

struct probe {
  int tid;
  std::uint32_t ts;
  bool sc;
  std::uint32_t loc;
  std::int64_t key;
  const vector_clock* pre;
  const vector_clock* post;
};

std::int64_t key_of(const event& ev) {
  const execution& e = g_ex;
  if (ev.kind == op_kind::load || ev.kind == op_kind::cas_fail) return 4 * std::int64_t{e.stores[ev.rf].mo_pos} + 2;
  return 4 * std::int64_t{e.stores[ev.store].mo_pos};
}

// Does event `x` happen before the point (tid, ts, post)?
bool hb_to(const event& x, int tid, std::uint32_t ts, const vector_clock& post) {
  return x.tid == tid ? x.ts < ts : x.ts <= post[x.tid];
}
bool hb(const event& x, const event& y) { return hb_to(x, y.tid, y.ts, y.post); }

// Strongly happens before ([intro.races]): sb, or sb;hb;sb (the clock of y's thread before y
// knows a later event of x's thread). SC-to-SC synchronization is covered by coherence edges.
bool shb_to(const event& x, const probe& p) {
  return x.tid == p.tid ? x.ts < p.ts : (*p.pre)[x.tid] > x.ts;
}

// Coherence keys: a write's key is ≡ 0 (committed) or ≡ 3 (a probed store or RMW) mod 4; a
// read's ≡ 2 (it read the store whose key is 2 less).
bool key_is_write(std::int64_t k) { return k % 4 != 2; }

// May the same-location pair (A before B in coherence, ka < kb) order two seq_cst events?
// cxx20: always (coherence-ordered before, rf included, transitive). rc11: only through scb's
// same-location parts — mo and rb (B is a write), rf between the two themselves (an SC store
// read by an SC load synchronizes, so it is hb|loc) or A hb B (`a_hb_b`).
bool scb_pair(std::int64_t ka, std::int64_t kb, bool a_hb_b) {
  if (g_ex.opts.model == memory_model::cxx20) return ka < kb;
  if (ka >= kb) return false;
  return key_is_write(kb) || (kb == ka + 2 && ka % 4 == 0) || a_hb_b;
}

// Appends to `out` every S edge the new event (node id `self`) adds; see the header comment.
void edges_for(const probe& p, std::uint32_t self, std::vector<std::pair<std::uint32_t, std::uint32_t>>& out,
               bool outgoing_only) {
  execution& e = g_ex;
  // Every seq_cst fence that happens before the new event (no cap: a dropped one drops edges).
  std::vector<std::uint32_t>& fhb = e.sc_fences_before;
  fhb.clear();
  for (std::uint32_t x : e.sc_fences)
    if (hb_to(e.events[x], p.tid, p.ts, *p.post)) fhb.push_back(x);
  const std::size_t nf = fhb.size();
  if (!p.sc && nf == 0) return;
  const location_rec& L = e.locs[p.loc];
  for (std::uint32_t a : L.events) {
    const event& A = e.events[a];
    std::int64_t ka = key_of(A);
    if (ka > p.key) {  // new event coherence-ordered before A
      // [atomics.order]/4.1-4.3 (psc_base): scb; 4.4 (psc_F, fence to fence): coherence.
      bool scb = scb_pair(p.key, ka, false);
      if (p.sc && A.sc && scb) out.emplace_back(self, a);
      for (std::uint32_t y : e.sc_fences) {
        if (!hb(A, e.events[y])) continue;
        if (p.sc && scb) out.emplace_back(self, y);
        for (std::size_t i = 0; i < nf; ++i) out.emplace_back(fhb[i], y);
      }
      if (A.sc && scb)
        for (std::size_t i = 0; i < nf; ++i) out.emplace_back(fhb[i], a);
    } else if (ka < p.key && p.sc && !outgoing_only) {  // A coherence-ordered before the new event
      if (!scb_pair(ka, p.key, hb_to(A, p.tid, p.ts, *p.post))) continue;
      if (A.sc) out.emplace_back(a, self);
      for (std::uint32_t x : e.sc_fences)
        if (hb(e.events[x], A)) out.emplace_back(x, self);
    }
  }
  if (p.sc && !outgoing_only)
    for (std::uint32_t a : e.sc_nodes)
      if (shb_to(e.events[a], p)) out.emplace_back(a, self);
}

bool reaches(std::uint32_t from, std::uint32_t to) {
  execution& e = g_ex;
  std::fill(e.sc_seen.begin(), e.sc_seen.end(), 0);
  e.sc_stack.clear();
  e.sc_stack.push_back(from);
  while (!e.sc_stack.empty()) {
    std::uint32_t n = e.sc_stack.back();
    e.sc_stack.pop_back();
    if (n == to) return true;
    if (e.sc_seen[n]) continue;
    e.sc_seen[n] = 1;
    for (std::uint32_t m : e.sc_adj[n]) e.sc_stack.push_back(m);
  }
  return false;
}

// Would committing the probed event close a cycle in S?
bool sc_consistent(const probe& p) {
  execution& e = g_ex;
  if (!p.sc && e.sc_fences.empty()) return true;
  auto& add = e.sc_scratch;
  add.clear();
  std::uint32_t self = static_cast<std::uint32_t>(e.events.size());
  edges_for(p, self, add, true);
  if (add.empty()) return true;
  edges_for(p, self, add, false);
  std::size_t nodes = e.events.size() + 1;
  if (e.sc_adj.size() < nodes) e.sc_adj.resize(nodes);
  for (std::size_t i = 0; i < nodes; ++i) e.sc_adj[i].clear();
  e.sc_seen.assign(nodes, 0);
  for (auto [a, b] : e.sc_edges) e.sc_adj[a].push_back(b);
  for (auto [a, b] : add) e.sc_adj[a].push_back(b);
  for (auto [a, b] : add)
    if (reaches(b, a)) return false;
  return true;
}

void sc_commit(const probe& p, std::uint32_t self) {
  execution& e = g_ex;
  if (!p.sc && e.sc_fences.empty()) return;
  edges_for(p, self, e.sc_edges, false);
  if (p.sc) e.sc_nodes.push_back(self);
}

// 4.2: is there a B on A's location that happens before the fence Y with A scb-before B?
bool a_scb_before_fence(const location_rec& L, const event& A, const event& Y) {
  std::int64_t ka = key_of(A);
  for (std::uint32_t b : L.events) {
    const event& B = g_ex.events[b];
    if (hb(B, Y) && scb_pair(ka, key_of(B), hb(A, B))) return true;
  }
  return false;
}

void sc_commit_fence(std::uint32_t self) {
  execution& e = g_ex;
  const event& Y = e.events[self];
  for (std::size_t l = 0; l < e.nlocs; ++l) {
    const location_rec& L = e.locs[l];
    std::int64_t maxk = -1;
    for (std::uint32_t b : L.events)
      if (hb(e.events[b], Y)) maxk = std::max(maxk, key_of(e.events[b]));
    if (maxk < 0) continue;
    for (std::uint32_t a : L.events) {
      const event& A = e.events[a];
      std::int64_t ka = key_of(A);
      if (ka >= maxk) continue;
      if (A.sc && a_scb_before_fence(L, A, Y)) e.sc_edges.emplace_back(a, self);  // 4.2
      for (std::uint32_t x : e.sc_fences)                                          // 4.4
        if (hb(e.events[x], A)) e.sc_edges.emplace_back(x, self);
    }
  }
  probe p{Y.tid, Y.ts, true, 0, 0, &Y.pre, &Y.post};
  for (std::uint32_t a : e.sc_nodes)
    if (shb_to(e.events[a], p)) e.sc_edges.emplace_back(a, self);
  e.sc_nodes.push_back(self);
  e.sc_fences.push_back(self);
}

// --- common pieces of an access --------------------------------------------------------------

void acquire_from(thread_rec& t, const store_rec& s, std::memory_order o, event& ev) {
  if (!s.has_rel) return;
  if (is_acquire(o)) {
    bool news = false;
    for (int i = 0; i < max_model_threads; ++i) news |= s.rel.c[i] > t.clock.c[i];
    t.clock.join(s.rel);
    if (news || s.tid != ev.tid) ev.sw_from = s.rel_event;
  } else {
    t.acq_pending.join(s.rel);
  }
}

void note_read(store_rec& s, int tid, std::uint32_t ts) {
  if (s.first_read[tid] == 0) s.first_read[tid] = ts;
}

void release_into(store_rec& s, thread_rec& t, std::memory_order o, std::uint32_t ev) {
  if (is_release(o)) {
    s.has_rel = true;
    s.rel = t.clock;
    s.rel_event = ev;
  } else if (t.has_rel_fence) {
    s.has_rel = true;
    s.rel = t.rel_fence;
    s.rel_event = t.rel_fence_event;
  }
}


}  // namespace

void reset_memory_model() {
  execution& e = g_ex;
  e.stores.clear();
  e.nlocs = 0;
  e.sc_nodes.clear();
  e.sc_fences.clear();
  e.sc_edges.clear();
}

std::memory_order resolve_order(order_ref o, const source_location& loc) {
  const auto& ov = g_ex.opts.overrides;
  if (ov.empty()) return o.order;
  for (const order_override& r : ov) {
    if (o.name != nullptr && r.site == o.name) return r.order;
    auto colon = r.site.rfind(':');
    if (colon == std::string::npos || colon == 0) continue;
    std::string file = r.site.substr(0, colon);
    unsigned long line = std::strtoul(r.site.c_str() + colon + 1, nullptr, 10);
    std::string path = loc.file_name();
    if (line == loc.line() && path.size() >= file.size() &&
        path.compare(path.size() - file.size(), file.size(), file) == 0)
      return r.order;
  }
  return o.order;
}

void atomic_init(atomic_slot& s, const void* addr, std::uint64_t v, unsigned bytes, const source_location& loc) {
  execution& e = g_ex;
  check_address(addr, loc);
  std::uint32_t id = new_location(s, addr, bytes);
  event& ev = record(op_kind::init, loc);
  ev.loc = id;
  ev.value = v;
  ev.post = cur().clock;
  std::uint32_t sid = new_store(id, v, e.current, ev.ts, static_cast<std::uint32_t>(e.events.size() - 1));
  ev.store = sid;
  location_rec& L = e.locs[id];
  L.init_tid = static_cast<std::uint8_t>(e.current);
  L.init_ts = ev.ts;
  L.init_step = ev.step;
  L.init_src = loc;
  insert_mo(L, 0, sid);
}

void atomic_destroy(atomic_slot& s) {
  execution& e = g_ex;
  if (s.gen == e.gen && s.id < e.nlocs) {
    e.locs[s.id].alive = false;
    e.locs[s.id].slot = nullptr;
    wake_awaiters(s.id);  // its await retries and reports the use after destruction
  }
}

bool load_may_read_since(int tid, const atomic_slot* slot, std::uint32_t first_new, bool rmw) {
  execution& e = g_ex;
  if (slot == nullptr || slot->gen != e.gen || slot->id >= e.nlocs) return true;
  const location_rec& L = e.locs[slot->id];
  const thread_rec& t = e.threads[tid];
  auto size = static_cast<std::uint32_t>(L.mo.size());
  std::uint32_t lo = t.fresh_reads && !rmw ? size - 1 : floor_of(L, t.clock);
  for (std::uint32_t i = lo; i < size; ++i)
    if (L.mo[i] >= first_new) return true;
  return false;
}

// An await load (runtime.hpp). Each attempt is a scheduling point whose pending operation is a
// read of the atomic. The candidates are a load's (coherence floor on, or the newest store after
// a yield; seq_cst-filtered, the newest exempt as for a load) that also satisfy `test`, so the
// attempt blocks only when the newest value fails `test`. None left: it records no event (it
// changes nothing; the reduction still learns it read the atomic: dpor_note_await), and the
// thread blocks (blocked_await) until a store to the atomic (insert_mo), its destruction or the
// free of its block. Nothing else can give it a candidate: its floor depends only on its own
// clock, which does not move while it is blocked, and a seq_cst filter only ever removes more.
// models/README.md, "Await loads", argues why dropping the loads that fail `test` loses nothing.
std::uint64_t atomic_await(atomic_slot& s, const void* addr, order_ref o, await_test test, const void* ctx,
                           const source_location& loc) {
  execution& e = g_ex;
  const std::memory_order mo = resolve_order(o, loc);
  const bool sc = mo == std::memory_order::seq_cst;
  for (;;) {
    pending_op pend{pending_kind::read, addr, 0, -1};
    pend.slot = &s;
    pend.plain_load = false;  // never restricted by the read-from-aware sleep sets
    begin_op(pend);
    (void)dpor_take_rf_restriction();
    if (is_release(mo) && !sc) usage_fail("await load with a release order", loc);
    location_rec& L = location_of(s, addr, loc);
    const std::uint32_t id = s.id;
    thread_rec& t = cur();
    // The load's event would have these (record(): pre = the clock, then the thread's tick).
    vector_clock pre = t.clock;
    vector_clock tick = t.clock;
    const std::uint32_t ts = ++tick.c[e.current];
    const auto size = static_cast<std::uint32_t>(L.mo.size());
    const std::uint32_t lo = t.fresh_reads ? size - 1 : floor_of(L, t.clock);
    std::vector<std::uint32_t>& cands = e.candidates;
    cands.clear();
    for (std::uint32_t i = size; i-- > lo;) {
      const store_rec& st = e.stores[L.mo[i]];
      if (!test(ctx, st.value)) continue;
      if (i + 1 != size && (sc || !e.sc_fences.empty())) {
        vector_clock post = tick;
        if (st.has_rel && is_acquire(mo)) post.join(st.rel);
        probe p{e.current, ts, sc, id, 4 * std::int64_t{i} + 2, &pre, &post};
        if (!sc_consistent(p)) continue;
      }
      cands.push_back(i);
    }
    if (cands.empty()) {
      if (e.choices.join_points()) dpor_note_await(id);
      t.status = thread_status::blocked_await;
      t.park_id = id;
      t.block_src = loc;
      block_current();
      cur().park_id = none;
      continue;
    }
    event& ev = record(op_kind::load, loc);
    ev.order = mo;
    ev.order_name = o.name;
    ev.sc = sc;
    ev.loc = id;
    ev.note = "await";
    const auto n = static_cast<std::uint32_t>(cands.size());
    const std::uint32_t pick = n > 1 ? e.choices.next(choice_kind::read_from, n, ev.src.file_name(), ev.src.line()) : 0;
    const std::uint32_t pos = cands[pick];
    const std::uint32_t sid = L.mo[pos];
    store_rec& st = e.stores[sid];
    ev.rf = sid;
    ev.stale = pos + 1 != size;
    ev.value = st.value;
    note_read(st, e.current, ev.ts);
    acquire_from(t, st, mo, ev);
    ev.post = t.clock;
    const auto self = static_cast<std::uint32_t>(e.events.size() - 1);
    probe p{e.current, ev.ts, ev.sc, id, 4 * std::int64_t{pos} + 2, &ev.pre, &ev.post};
    sc_commit(p, self);
    L.events.push_back(self);
    return ev.value;
  }
}

std::uint64_t atomic_load(atomic_slot& s, const void* addr, order_ref o, const source_location& loc) {
  execution& e = g_ex;
  std::memory_order mo = resolve_order(o, loc);
  pending_op pend{pending_kind::read, addr, 0, -1};
  pend.slot = &s;
  pend.plain_load = true;  // seq_cst too (models/README.md, "Read-from-aware sleep sets")
  begin_op(pend);
  // A restricted sleeping load (dpor.cpp): only stores created since it went to sleep.
  std::uint32_t first_new = dpor_take_rf_restriction();
  if (is_release(mo) && mo != std::memory_order::seq_cst) usage_fail("load with a release order", loc);
  location_rec& L = location_of(s, addr, loc);
  std::uint32_t id = s.id;
  thread_rec& t = cur();
  event& ev = record(op_kind::load, loc);
  ev.order = mo;
  ev.order_name = o.name;
  ev.sc = mo == std::memory_order::seq_cst;
  ev.loc = id;
  ev.fresh = t.fresh_reads;
  std::uint32_t size = static_cast<std::uint32_t>(L.mo.size());
  std::uint32_t lo = t.fresh_reads ? size - 1 : floor_of(L, t.clock);
  // Candidates, newest first; filtered by SC consistency when it could matter.
  std::vector<std::uint32_t>& cands = e.candidates;
  cands.clear();
  for (std::uint32_t i = size; i-- > lo;) {
    if (!cands.empty() && (ev.sc || !e.sc_fences.empty())) {
      const store_rec& st = e.stores[L.mo[i]];
      vector_clock post = t.clock;
      if (st.has_rel && is_acquire(mo)) post.join(st.rel);
      probe p{e.current, ev.ts, ev.sc, id, 4 * std::int64_t{i} + 2, &ev.pre, &post};
      if (!sc_consistent(p)) continue;
    }
    cands.push_back(i);
  }
  const auto n = static_cast<std::uint32_t>(cands.size());
  // The choice indices stay those of the full list (replay strings do not depend on the
  // restriction); if the seq_cst filter left no new store, nothing is restricted.
  std::uint64_t allowed = choice_stream::all_allowed;
  if (first_new != none && n > 1 && n <= 64) {
    allowed = 0;
    for (std::uint32_t i = 0; i < n; ++i)
      if (L.mo[cands[i]] >= first_new) allowed |= std::uint64_t{1} << i;
    if (allowed == 0) allowed = choice_stream::all_allowed;
  }
  std::uint32_t pick =
      n > 1 ? e.choices.next(choice_kind::read_from, n, ev.src.file_name(), ev.src.line(), allowed) : 0;
  std::uint32_t pos = cands[pick];
  std::uint32_t sid = L.mo[pos];
  store_rec& st = e.stores[sid];
  ev.rf = sid;
  ev.stale = pos + 1 != size;
  ev.value = st.value;
  note_read(st, e.current, ev.ts);
  acquire_from(t, st, mo, ev);
  ev.post = t.clock;
  std::uint32_t self = static_cast<std::uint32_t>(e.events.size() - 1);
  probe p{e.current, ev.ts, ev.sc, id, 4 * std::int64_t{pos} + 2, &ev.pre, &ev.post};
  sc_commit(p, self);
  L.events.push_back(self);
  return ev.value;
}

void atomic_store(atomic_slot& s, const void* addr, std::uint64_t v, order_ref o, const source_location& loc) {
  execution& e = g_ex;
  pending_op pend{pending_kind::write, addr, 0, -1};
  pend.slot = &s;
  pend.plain_store = true;  // the write sleep sets (dpor.cpp)
  begin_op(pend);
  std::memory_order mo = resolve_order(o, loc);
  if (is_acquire(mo) && mo != std::memory_order::seq_cst) usage_fail("store with an acquire order", loc);
  location_rec& L = location_of(s, addr, loc);
  std::uint32_t id = s.id;
  thread_rec& t = cur();
  t.fresh_reads = false;
  event& ev = record(op_kind::store, loc);
  ev.order = mo;
  ev.order_name = o.name;
  ev.sc = mo == std::memory_order::seq_cst;
  ev.loc = id;
  ev.value = v;
  ev.post = t.clock;
  std::uint32_t size = static_cast<std::uint32_t>(L.mo.size());
  std::uint32_t lo = floor_of(L, t.clock) + 1;
  std::vector<std::uint32_t>& cands = e.candidates;
  cands.clear();
  for (std::uint32_t p = size + 1; p-- > lo;) {
    if (p < size && e.stores[L.mo[p]].rmw) continue;
    if (!cands.empty()) {
      probe pr{e.current, ev.ts, ev.sc, id, 4 * std::int64_t{p} - 1, &ev.pre, &ev.post};
      if (!sc_consistent(pr)) continue;
    }
    cands.push_back(p);
  }
  const auto n = static_cast<std::uint32_t>(cands.size());
  std::uint32_t pick = n > 1 ? e.choices.next(choice_kind::mo_position, n, ev.src.file_name(), ev.src.line()) : 0;
  std::uint32_t pos = cands[pick];
  std::uint32_t self = static_cast<std::uint32_t>(e.events.size() - 1);
  probe pr{e.current, ev.ts, ev.sc, id, 4 * std::int64_t{pos} - 1, &ev.pre, &ev.post};
  sc_commit(pr, self);
  std::uint32_t sid = new_store(id, v, e.current, ev.ts, self);
  release_into(e.stores[sid], t, mo, self);
  ev.store = sid;
  insert_mo(L, pos, sid);
  L.events.push_back(self);
}

namespace {

// The shared body of RMWs and compare-exchange. `op` computes the new value from the old;
// for a CAS, `expected` decides success per candidate store.
struct rmw_request {
  rmw_op op;
  std::uint64_t operand;
  bool is_cas;
  bool weak;
  std::uint64_t expected;
  std::memory_order success;
  std::memory_order failure;
  const char* success_name;
  const char* failure_name;
};

struct rmw_outcome {
  bool ok;
  std::uint64_t read;
};

rmw_outcome do_rmw(atomic_slot& s, const void* addr, const rmw_request& rq, const source_location& loc) {
  execution& e = g_ex;
  pending_op pend{pending_kind::write, addr, 0, -1};
  pend.slot = &s;
  pend.rmw = true;  // the write sleep sets (dpor.cpp)
  begin_op(pend);
  // A restricted sleeping RMW (dpor.cpp): only stores created since it went to sleep.
  const std::uint32_t first_new = dpor_take_rf_restriction();
  location_rec& L = location_of(s, addr, loc);
  std::uint32_t id = s.id;
  thread_rec& t = cur();
  t.fresh_reads = false;
  event& ev = record(op_kind::rmw, loc);
  ev.loc = id;
  std::uint32_t size = static_cast<std::uint32_t>(L.mo.size());
  std::uint32_t lo = floor_of(L, t.clock);
  // Candidate encoding: 2*i = succeed reading mo[i]; 2*i+1 = fail (a plain load of mo[i]).
  std::vector<std::uint32_t>& cands = e.candidates;
  cands.clear();
  for (std::uint32_t i = size; i-- > lo;) {
    const store_rec& st = e.stores[L.mo[i]];
    bool matches = !rq.is_cas || st.value == rq.expected;
    bool placeable = i + 1 == size || !e.stores[L.mo[i + 1]].rmw;
    std::uint32_t code;
    std::memory_order mo;
    std::int64_t key;
    if (matches && placeable) {
      code = 2 * i;
      mo = rq.success;
      key = 4 * std::int64_t{i} + 3;
    } else if (!matches) {
      code = 2 * i + 1;
      mo = rq.failure;
      key = 4 * std::int64_t{i} + 2;
    } else {
      continue;
    }
    if (!cands.empty()) {
      vector_clock post = t.clock;
      if (st.has_rel && is_acquire(mo)) post.join(st.rel);
      probe p{e.current, ev.ts, mo == std::memory_order::seq_cst, id, key, &ev.pre, &post};
      if (!sc_consistent(p)) continue;
    }
    cands.push_back(code);
  }
  const auto n = static_cast<std::uint32_t>(cands.size());
  // As for a load: the indices keep their meaning; with no new store left, nothing is restricted.
  std::uint64_t allowed = choice_stream::all_allowed;
  if (first_new != none && n > 1 && n <= 64) {
    allowed = 0;
    for (std::uint32_t i = 0; i < n; ++i)
      if (L.mo[cands[i] / 2] >= first_new) allowed |= std::uint64_t{1} << i;
    if (allowed == 0) allowed = choice_stream::all_allowed;
  }
  std::uint32_t pick =
      n > 1 ? e.choices.next(choice_kind::read_from, n, ev.src.file_name(), ev.src.line(), allowed) : 0;
  std::uint32_t code = cands[pick];
  std::uint32_t pos = code / 2;
  bool ok = (code & 1) == 0;
  if (ok && rq.is_cas && rq.weak && e.spurious < e.opts.max_spurious &&
      e.choices.next(choice_kind::weak_cas, 2) == 1) {
    ++e.spurious;
    ok = false;  // a spurious failure: a load of the matching value with the failure order
    ev.note = "spurious failure";
  }
  std::uint32_t rsid = L.mo[pos];
  std::uint32_t self = static_cast<std::uint32_t>(e.events.size() - 1);
  std::memory_order mo = ok ? rq.success : rq.failure;
  ev.order = mo;
  ev.order_name = ok ? rq.success_name : rq.failure_name;
  ev.sc = mo == std::memory_order::seq_cst;
  ev.rf = rsid;
  ev.stale = pos + 1 != size;
  store_rec& rs = e.stores[rsid];
  std::uint64_t old = rs.value;
  note_read(rs, e.current, ev.ts);
  acquire_from(t, rs, mo, ev);
  ev.post = t.clock;
  if (!ok) {
    ev.kind = op_kind::cas_fail;
    ev.value = old;
    probe p{e.current, ev.ts, ev.sc, id, 4 * std::int64_t{pos} + 2, &ev.pre, &ev.post};
    sc_commit(p, self);
    L.events.push_back(self);
    return {false, old};
  }
  std::uint64_t next = rq.is_cas ? rq.operand : apply_rmw(rq.op, old, rq.operand, L.bytes);
  ev.value = next;
  ev.value2 = old;
  probe p{e.current, ev.ts, ev.sc, id, 4 * std::int64_t{pos} + 3, &ev.pre, &ev.post};
  sc_commit(p, self);
  std::uint32_t sid = new_store(id, next, e.current, ev.ts, self);
  store_rec& ns = e.stores[sid];
  ns.rmw = true;
  release_into(ns, t, mo, self);
  const store_rec& prev = e.stores[rsid];  // C++20 release sequence: continue the one read
  if (prev.has_rel) {
    if (!ns.has_rel) ns.rel_event = prev.rel_event;
    ns.has_rel = true;
    ns.rel.join(prev.rel);
  }
  ev.store = sid;
  insert_mo(L, pos + 1, sid);
  L.events.push_back(self);
  return {true, old};
}

}  // namespace

std::uint64_t atomic_rmw(atomic_slot& s, const void* addr, rmw_op op, std::uint64_t operand, order_ref o,
                         const source_location& loc) {
  std::memory_order mo = resolve_order(o, loc);
  rmw_request rq{op, operand, false, false, 0, mo, mo, o.name, o.name};
  return do_rmw(s, addr, rq, loc).read;
}

bool atomic_cas(atomic_slot& s, const void* addr, std::uint64_t& expected, std::uint64_t desired, bool weak,
                order_ref success, order_ref failure, const source_location& loc) {
  std::memory_order ms = resolve_order(success, loc);
  std::memory_order mf = resolve_order(failure, loc);
  if (mf == std::memory_order::release || mf == std::memory_order::acq_rel)
    usage_fail("compare_exchange failure order may not be release or acq_rel", loc);
  rmw_request rq{rmw_op::exchange, desired, true, weak, expected, ms, mf, success.name, failure.name};
  rmw_outcome r = do_rmw(s, addr, rq, loc);
  if (!r.ok) expected = r.read;
  return r.ok;
}

void fence(order_ref o, const source_location& loc) {
  execution& e = g_ex;
  begin_op({pending_kind::fence, nullptr, 0, -1});
  std::memory_order mo = resolve_order(o, loc);
  thread_rec& t = cur();
  t.fresh_reads = false;
  event& ev = record(op_kind::fence, loc);
  ev.order = mo;
  ev.order_name = o.name;
  ev.sc = mo == std::memory_order::seq_cst;
  if (is_acquire(mo)) t.clock.join(t.acq_pending);
  std::uint32_t self = static_cast<std::uint32_t>(e.events.size() - 1);
  if (is_release(mo)) {
    t.rel_fence = t.clock;
    t.has_rel_fence = true;
    t.rel_fence_event = self;
  }
  ev.post = t.clock;
  if (ev.sc) sc_commit_fence(self);
}

}  // namespace sluice::model::rt
