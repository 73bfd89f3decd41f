// models/rt/graphs.cpp — distinct execution graphs (options::graphs, SLUICE_MC_GRAPHS).
//
// Contract: with options::graphs set, graphs_note() reduces each execution that no sleep set cut
// short to a canonical text that does not depend on the global interleaving, hashes it to 128
// bits and keeps the hash in a set; graphs_end() reports the set (result::graphs, graph_ids).
// The canonical text (graph_text()) names
//  * a thread by its spawn path: "0" is the main thread, "P.k" the thread spawned by thread P's
//    k-th event (not by its model-thread number, which is handed out in spawn order and so may
//    differ between two interleavings of the same graph);
//  * an event by "thread:k", its index k (from 1) in its thread's program order (the event's
//    own clock component, ts);
//  * an atomic by the event that constructed it (its init event), or "&<address>" when it was
//    constructed before the execution (then its address is the same in every execution); a
//    parker by "thread:k/i" (the i-th parker its thread constructed after its k-th event) or
//    "&<address>". Host addresses of objects made inside the execution are never used: the
//    allocator may place them differently in two executions of one graph;
// and lists
//  1. per thread (sorted by name), its events in program order: the kind, for an atomic access
//     its location, for a read (load, RMW, failed CAS) the store it read ("init": the value of an
//     atomic constructed outside), a spurious weak-CAS failure, a join's target, a park's or
//     unpark's parker, a random_index result;
//  2. per atomic (sorted by name), its modification order as the names of its stores;
//  3. per parker (sorted by name), the token's history: the unparks between two consecutive
//     consumptions of the token as a set (a park that takes the token synchronizes with every
//     unpark before it, and their order among themselves changes nothing), each consumption
//     (immediate or after blocking: blocking itself is a scheduling fact, not part of the
//     graph), and the parks that timed out or woke spuriously;
//     for a platform lock (the same table), its acquisitions in order;
//  4. the failure kind, if the execution failed (its graph is the prefix up to the failure).
// Not listed: values (a function of the reads; pointer values would differ between executions),
// memory orders (fixed by the program text), the SC order (the checker never chooses it: it only
// filters choices whose SC constraints over po, rf and mo would be cyclic, so it is a function of
// the listed relations), cells (a cell access in an execution without a race reads the write
// that happens before it, a function of the graph) and yields, delays and allocations beyond
// their place in program order.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "execution.hpp"

namespace sluice::model::rt {

namespace {

using graph_id = std::pair<std::uint64_t, std::uint64_t>;

struct id_hash {
  std::size_t operator()(const graph_id& g) const noexcept { return static_cast<std::size_t>(g.first); }
};

std::unordered_map<graph_id, std::uint64_t, id_hash> g_seen;  // id -> its number, from 1
std::uint64_t g_executions = 0;                                  // executions noted (not pruned)

// --- 128-bit hash: MurmurHash3 x64_128's block mixing and finalization (Austin Appleby, public
// domain), written here from its description; the tail is zero-padded to a block and the length
// mixed in, so the value is not MurmurHash3's, only its structure. Not cryptographic: the inputs
// are not adversarial, and with n graphs the chance of any collision is about n^2 / 2^129.

constexpr std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

constexpr std::uint64_t fmix(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

graph_id hash128(const std::string& s) {
  constexpr std::uint64_t c1 = 0x87c37b91114253d5ULL;
  constexpr std::uint64_t c2 = 0x4cf5ad432745937fULL;
  std::uint64_t h1 = 0x736c75696365ULL;  // "sluice": any fixed seed
  std::uint64_t h2 = 0x6772617068ULL;    // "graph"
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n; i += 16) {
    unsigned char block[16] = {};
    std::memcpy(block, s.data() + i, std::min<std::size_t>(16, n - i));
    std::uint64_t k1 = 0, k2 = 0;
    for (int b = 7; b >= 0; --b) {
      k1 = (k1 << 8) | block[b];
      k2 = (k2 << 8) | block[8 + b];
    }
    k1 *= c1;
    k1 = rotl(k1, 31);
    k1 *= c2;
    h1 ^= k1;
    h1 = rotl(h1, 27);
    h1 += h2;
    h1 = h1 * 5 + 0x52dce729;
    k2 *= c2;
    k2 = rotl(k2, 33);
    k2 *= c1;
    h2 ^= k2;
    h2 = rotl(h2, 31);
    h2 += h1;
    h2 = h2 * 5 + 0x38495ab5;
  }
  h1 ^= n;
  h2 ^= n;
  h1 += h2;
  h2 += h1;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 += h2;
  h2 += h1;
  return {h1, h2};
}

// --- the canonical text -------------------------------------------------------------------------

void put_num(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void put_addr(std::string& out, const void* p) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, reinterpret_cast<std::uintptr_t>(p), 16);
  out += '&';
  out.append(buf, r.ptr);
}

struct namer {
  const execution& e;
  std::vector<std::string> thread;  // by model-thread number

  explicit namer(const execution& ex) : e(ex) {
    thread.resize(static_cast<std::size_t>(ex.nthreads));
    for (int t = 0; t < ex.nthreads; ++t) {  // a parent's number is smaller than its child's
      const thread_rec& th = ex.threads[t];
      if (th.parent < 0) {
        thread[t] = "0";
        continue;
      }
      thread[t] = thread[th.parent];
      thread[t] += '.';
      put_num(thread[t], th.spawn_ts);
    }
  }
  void event_name(std::string& out, std::uint32_t ev) const {
    const event& x = e.events[ev];
    out += thread[x.tid];
    out += ':';
    put_num(out, x.ts);
  }
  void store_name(std::string& out, std::uint32_t sid) const {
    if (sid == none) {  // an access a failure interrupted
      out += '?';
      return;
    }
    const store_rec& st = e.stores[sid];
    if (st.event == none) out += "init";
    else event_name(out, st.event);
  }
  void loc_name(std::string& out, std::uint32_t loc) const {
    if (loc == none) {
      out += '?';
      return;
    }
    const location_rec& L = e.locs[loc];
    if (L.init_ts == 0) {
      put_addr(out, L.addr);
      return;
    }
    out += thread[L.init_tid];
    out += ':';
    put_num(out, L.init_ts);
  }
  void parker_name(std::string& out, std::uint32_t id) const {
    const parker_rec& p = e.parkers[id];
    if (p.outside) {
      put_addr(out, p.addr);
      return;
    }
    std::uint32_t nth = 0;  // parkers its thread constructed after the same event, before it
    for (std::uint32_t j = 0; j < id; ++j) {
      const parker_rec& q = e.parkers[j];
      if (!q.outside && q.tid == p.tid && q.ts == p.ts) ++nth;
    }
    out += thread[p.tid];
    out += ':';
    put_num(out, p.ts);
    out += '/';
    put_num(out, nth);
  }
};

void put_event(std::string& out, const namer& nm, const event& ev) {
  switch (ev.kind) {
    case op_kind::init: out += 'I'; break;
    case op_kind::load: out += 'R'; break;
    case op_kind::store: out += 'W'; break;
    case op_kind::rmw: out += 'U'; break;
    case op_kind::cas_fail: out += 'F'; break;
    case op_kind::fence: out += 'f'; break;
    case op_kind::cell_read: out += 'r'; break;
    case op_kind::cell_write: out += 'w'; break;
    case op_kind::spawn: out += 's'; break;
    case op_kind::join: out += 'j'; break;
    case op_kind::finish: out += 'e'; break;
    case op_kind::park: out += 'p'; break;
    case op_kind::unpark: out += 'u'; break;
    case op_kind::lock: out += 'l'; break;
    case op_kind::unlock: out += 'k'; break;
    case op_kind::yield: out += 'y'; break;
    case op_kind::delay: out += 'd'; break;
    case op_kind::alloc: out += 'a'; break;
    case op_kind::free: out += 'x'; break;
    case op_kind::random: out += 'n'; break;
  }
  switch (ev.kind) {
    case op_kind::load:
    case op_kind::rmw:
    case op_kind::cas_fail:
      nm.loc_name(out, ev.loc);
      out += '<';
      nm.store_name(out, ev.rf);
      if (ev.kind == op_kind::cas_fail && ev.note != nullptr && std::strcmp(ev.note, "spurious failure") == 0)
        out += '!';
      break;
    case op_kind::store: nm.loc_name(out, ev.loc); break;
    case op_kind::spawn:
    case op_kind::join:
      if (ev.value < nm.thread.size()) out += nm.thread[ev.value];
      break;
    case op_kind::park:
    case op_kind::unpark:
    case op_kind::lock:
    case op_kind::unlock: nm.parker_name(out, ev.loc); break;
    case op_kind::random: put_num(out, ev.value); break;
    default: break;
  }
}

}  // namespace

std::string graph_text() {
  const execution& e = g_ex;
  namer nm(e);
  std::string out;
  // 1. Program order, per thread.
  std::vector<std::string> po(static_cast<std::size_t>(e.nthreads));
  for (const event& ev : e.events) {
    std::string& s = po[ev.tid];
    if (!s.empty()) s += ' ';
    put_event(s, nm, ev);
  }
  std::vector<int> order(static_cast<std::size_t>(e.nthreads));
  for (int t = 0; t < e.nthreads; ++t) order[t] = t;
  std::sort(order.begin(), order.end(), [&](int a, int b) { return nm.thread[a] < nm.thread[b]; });
  for (int t : order) {
    out += 'T';
    out += nm.thread[t];
    out += ": ";
    out += po[t];
    out += '\n';
  }
  // 2. Modification order, per atomic.
  std::vector<std::pair<std::string, std::uint32_t>> locs;
  for (std::size_t l = 0; l < e.nlocs; ++l) {
    std::string name;
    nm.loc_name(name, static_cast<std::uint32_t>(l));
    locs.emplace_back(std::move(name), static_cast<std::uint32_t>(l));
  }
  std::sort(locs.begin(), locs.end());
  for (const auto& [name, l] : locs) {
    out += "mo ";
    out += name;
    out += ':';
    for (std::uint32_t sid : e.locs[l].mo) {
      out += ' ';
      nm.store_name(out, sid);
    }
    out += '\n';
  }
  // 3. The token's history, per parker.
  std::vector<std::pair<std::string, std::uint32_t>> parkers;
  for (std::size_t p = 0; p < e.parkers.size(); ++p) {
    std::string name;
    nm.parker_name(name, static_cast<std::uint32_t>(p));
    parkers.emplace_back(std::move(name), static_cast<std::uint32_t>(p));
  }
  std::sort(parkers.begin(), parkers.end());
  for (const auto& [name, p] : parkers) {
    std::string line;
    std::vector<std::string> unparks, other;
    auto flush = [&] {
      std::sort(unparks.begin(), unparks.end());
      line += " {";
      for (std::size_t i = 0; i < unparks.size(); ++i) {
        if (i) line += ' ';
        line += unparks[i];
      }
      line += '}';
      unparks.clear();
    };
    for (const park_note& n : e.park_log) {
      if (n.parker != p) continue;
      std::string who;
      nm.event_name(who, n.event);
      switch (n.kind) {
        case park_note_kind::unpark: unparks.push_back(std::move(who)); break;
        case park_note_kind::consume:
          flush();
          line += " take ";
          line += who;
          break;
        case park_note_kind::timeout: other.push_back("timeout " + who); break;
        case park_note_kind::spurious: other.push_back("spurious " + who); break;
      }
    }
    flush();
    // A platform lock (locks.cpp: the same table): its acquisitions in order, i.e. which
    // unlock each one follows. (An attempt that blocked records no event.)
    for (std::uint32_t i = 0; i < e.events.size(); ++i) {
      if (e.events[i].kind != op_kind::lock || e.events[i].loc != p) continue;
      line += " acquire ";
      nm.event_name(line, i);
    }
    std::sort(other.begin(), other.end());
    for (const std::string& o : other) {
      line += "; ";
      line += o;
    }
    out += "parker ";
    out += name;
    out += ':';
    out += line;
    out += '\n';
  }
  // 4. The failure.
  if (e.failure != failure_kind::none) {
    out += "failed: ";
    out += to_string(e.failure);
    out += '\n';
  }
  return out;
}

void graphs_begin() {
  g_seen.clear();
  g_executions = 0;
}

// SLUICE_MC_GRAPHS=2 prints, per execution, which graph it is and its replay string, and each
// new graph's canonical text: the way to see which executions repeat a graph.
bool graphs_note() {
  execution& e = g_ex;
  if (e.pruned) return false;  // a sleep set cut it short: it repeats an explored execution
  ++g_executions;
  std::string text = graph_text();
  auto [it, fresh] = g_seen.try_emplace(hash128(text), g_seen.size() + 1);
  if (e.opts.graphs >= 2) {
    std::fprintf(stderr, "[model graph] %s: execution %llu (replay %s) is graph %llu%s\n", e.opts.name,
                 static_cast<unsigned long long>(g_executions), e.choices.replay_string().c_str(),
                 static_cast<unsigned long long>(it->second), fresh ? ", new:" : " again");
    if (fresh) std::fputs(text.c_str(), stderr);
  }
  return fresh;
}

void graphs_end(result& r) {
  r.graphs = g_seen.size();
  r.graph_ids.clear();
  for (const auto& [id, n] : g_seen) r.graph_ids.push_back(id);
  std::sort(r.graph_ids.begin(), r.graph_ids.end());
  g_seen.clear();
}

}  // namespace sluice::model::rt
