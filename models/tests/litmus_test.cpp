// models/tests/litmus_test.cpp — the litmus suite (the memory-model oracles; each row names its
// source), checked exhaustively under both memory models.
//
// Proves: for each litmus program the set of outcomes the checker reaches (exhaustive search,
// unbounded preemptions) is exactly the set the memory model allows, written out in full below
// (the row's outcome plus every other outcome, derived by hand). The suite runs twice, under
// options::model = rc11 and = cxx20; rows where the two differ (a seq_cst load reading a
// non-seq_cst store: RWC+sc+rlxw, IRIW+sc-readers) state both verdicts. Race rows assert that a
// data race is (or is not) reported. Every row runs under the exhaustive mode's reduction and
// under the plain DFS, and the two must reach the same outcome set (the same verdict for race
// rows): the reduction loses nothing. The DFS is unbounded except on four-thread rows, where it
// uses preemption bound 1 unless `--unbounded-dfs` is given (minutes instead of seconds). Every
// row also runs with the read-from-aware sleep sets off (options::rf_sleep and write_sleep false): the same
// outcome set (race rows: the same verdict), and no more executions with them on than off. The
// reduction also runs with every race reversed (options::rf_races, mo_races, fence_races and
// rmw_races off): the same
// outcome set, verdict and graphs, and no more executions with the two rules on than off. The
// reduction, the plain sleep sets, the every-race-reversed run and the DFS also count distinct execution graphs
// (options::graphs) and must reach the same set of graphs (rows without a race), which is stronger
// than the same outcomes: the reduction loses no execution (where the DFS is bounded, its set must
// be contained in the reduction's; at bound 1 it is in fact equal on every row). The
// load-buffering row LB is a named expected gap: the checker
// reaches every allowed outcome except r1=1 ∧ r2=1 (see models/LIMITATIONS.md).
#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "sluice/model.hpp"

namespace mc = sluice::model;
using P = mc::platform;
using A = P::atomic<int>;
using outcome = std::vector<int>;
using outcome_set = std::set<outcome>;

namespace {

constexpr auto rlx = std::memory_order::relaxed;
constexpr auto acq = std::memory_order::acquire;
constexpr auto rel = std::memory_order::release;
constexpr auto sc = std::memory_order::seq_cst;

int failures = 0;
mc::memory_model current_model = mc::memory_model::rc11;

// DFS preemption bound for rows with four threads: their outcomes come from which store each
// load reads, not from the interleaving, and the unbounded DFS takes millions of executions.
// The reduction (exhaustive mode) is always unbounded.
int four_thread_bound = 1;

// Distinct execution graphs (options::graphs): the reduction, the plain sleep sets and the DFS
// must reach the same set of graphs, not only the same outcomes (the reduction loses no
// execution). Where the DFS is bounded (four-thread rows without --unbounded-dfs), its set must
// be contained in the reduction's; the line says whether they are equal. Returns ok.
bool graph_line(const mc::result& r, const mc::result& pl, const mc::result& rv, const mc::result& d, int bound) {
  auto ratio = [](const mc::result& x) {
    return x.graphs == 0 ? 0.0 : static_cast<double>(x.executions) / static_cast<double>(x.graphs);
  };
  bool same = r.graph_ids == d.graph_ids;
  bool contained = std::includes(r.graph_ids.begin(), r.graph_ids.end(), d.graph_ids.begin(), d.graph_ids.end());
  bool ok = pl.graph_ids == r.graph_ids && rv.graph_ids == r.graph_ids && (bound < 0 ? same : contained);
  std::printf(
      "    graphs: reduction=%llu (%.2f executions/graph)  plain sleep sets=%llu (%.2f)  every race reversed=%llu "
      "(%.2f)  dfs=%llu (%.2f)  %s\n",
      static_cast<unsigned long long>(r.graphs), ratio(r), static_cast<unsigned long long>(pl.graphs), ratio(pl),
      static_cast<unsigned long long>(rv.graphs), ratio(rv), static_cast<unsigned long long>(d.graphs), ratio(d),
              !ok                  ? "DIFFERS"
              : same               ? "same graphs"
                                   : "dfs (bounded) reaches a subset");
  return ok;
}

mc::options litmus_options(const char* name, mc::search_mode mode, int bound = -1) {
  mc::options o;
  o.name = name;
  o.mode = mode;
  o.preemption_bound = bound;  // -1: every interleaving
  o.max_spurious = 0;
  o.print_summary = false;
  o.print_failure = false;
  o.use_env = false;
  o.model = current_model;
  return o;
}

std::string show(const outcome_set& s) {
  std::string out = "{";
  for (const auto& o : s) {
    out += " (";
    for (std::size_t i = 0; i < o.size(); ++i) {
      if (i) out += ',';  // appended, not `"," + std::string`: g++ 12 -O3's false -Wrestrict
      out += std::to_string(o[i]);
    }
    out += ")";
  }
  return out + " }";
}

// Runs `body(record)` exhaustively and compares the reached outcomes with `allowed`.
// `gap` lists allowed outcomes the checker is known not to reach (load buffering).
template <class Body>
void row(const char* name, const outcome_set& allowed, Body body, const outcome_set& gap = {}, int bound = -1) {
  outcome_set reached, reached_dfs;
  mc::options ro = litmus_options(name, mc::search_mode::exhaustive);
  ro.graphs = 1;
  auto r = mc::check(ro, [&] { body([&](outcome o) { reached.insert(std::move(o)); }); });
  mc::options dopt = litmus_options(name, mc::search_mode::dfs, bound);
  dopt.graphs = 1;
  auto d = mc::check(dopt, [&] { body([&](outcome o) { reached_dfs.insert(std::move(o)); }); });
  outcome_set reached_plain;  // the plain sleep sets (read-from-aware ones off)
  mc::options po = litmus_options(name, mc::search_mode::exhaustive);
  po.rf_sleep = po.write_sleep = false;
  po.graphs = 1;
  auto pl = mc::check(po, [&] { body([&](outcome o) { reached_plain.insert(std::move(o)); }); });
  outcome_set reached_rev;  // every race reversed (the four race rules off)
  mc::options vo = litmus_options(name, mc::search_mode::exhaustive);
  vo.rf_races = vo.mo_races = vo.fence_races = vo.rmw_races = false;
  vo.graphs = 1;
  auto rv = mc::check(vo, [&] { body([&](outcome o) { reached_rev.insert(std::move(o)); }); });
  outcome_set expected;
  for (const auto& o : allowed)
    if (!gap.count(o)) expected.insert(o);
  bool plain_ok = pl.passed() && pl.exhausted && reached_plain == reached && r.executions <= pl.executions;
  bool rev_ok = rv.passed() && rv.exhausted && reached_rev == reached && r.executions <= rv.executions;
  bool ok = r.passed() && r.exhausted && reached == expected && d.passed() && d.exhausted && reached_dfs == reached &&
            plain_ok && rev_ok;
  // Bounded POR (options::reduction_bound) against the DFS at the same bound, 0 and 1: the
  // same outcome sets (fewer than the unbounded ones where an outcome needs preemptions).
  std::string bounded_note;
  for (int b = 0; b <= 1; ++b) {
    outcome_set rb, db;
    mc::options bo = litmus_options(name, mc::search_mode::exhaustive);
    bo.reduction_bound = b;
    bo.bounded_sleep = true;
    auto x = mc::check(bo, [&] { body([&](outcome o) { rb.insert(std::move(o)); }); });
    auto y = mc::check(litmus_options(name, mc::search_mode::dfs, b),
                       [&] { body([&](outcome o) { db.insert(std::move(o)); }); });
    // And without the sleep sets under a bound (options::bounded_sleep): the same outcomes, and
    // the sleep sets never cost executions.
    outcome_set rn;
    bo.bounded_sleep = false;
    auto z = mc::check(bo, [&] { body([&](outcome o) { rn.insert(std::move(o)); }); });
    bool same = x.passed() && x.exhausted && y.passed() && y.exhausted && rb == db && z.passed() && z.exhausted &&
                rn == rb && x.executions <= z.executions;
    bounded_note += "  bound " + std::to_string(b) + ": " + std::to_string(x.executions) + "/" +
                    std::to_string(z.executions) + "/" + std::to_string(y.executions) +
                    (same ? "" : " DIFFERS: bpor " + show(rb) + " bpor-no-sleep " + show(rn) + " dfs " + show(db));
    ok = ok && same;
  }
  std::printf("%-14s %s  executions=%-5llu (pruned %-4llu) %7.2f ms  dfs: %-7llu %8.2f ms preemptions=%-3s reached=%s%s\n",
              name, ok ? "ok  " : "FAIL", static_cast<unsigned long long>(r.executions),
              static_cast<unsigned long long>(r.pruned), r.seconds * 1e3, static_cast<unsigned long long>(d.executions),
              d.seconds * 1e3, bound < 0 ? "any" : std::to_string(bound).c_str(), show(reached).c_str(),
              gap.empty() ? "" : ("  expected gap (load buffering): " + show(gap)).c_str());
  std::printf("    bounded POR (sleep sets) / bounded POR (none) / dfs executions:%s\n", bounded_note.c_str());
  std::printf("    plain sleep sets: executions=%llu (pruned %llu)%s\n", static_cast<unsigned long long>(pl.executions),
              static_cast<unsigned long long>(pl.pruned), plain_ok ? "" : (" DIFFERS: reached " + show(reached_plain)).c_str());
  std::printf("    every race reversed: executions=%llu (pruned %llu)%s\n", static_cast<unsigned long long>(rv.executions),
              static_cast<unsigned long long>(rv.pruned), rev_ok ? "" : (" DIFFERS: reached " + show(reached_rev)).c_str());
  ok = graph_line(r, pl, rv, d, bound) && ok;
  if (!ok) {
    ++failures;
    std::printf("    expected %s; dfs reached %s\n", show(expected).c_str(), show(reached_dfs).c_str());
    if (!r.passed()) std::printf("    %s\n%s\n", r.message.c_str(), r.trace.c_str());
    if (!d.passed()) std::printf("    dfs: %s\n%s\n", d.message.c_str(), d.trace.c_str());
  }
}

// A race row: `expect_race` says whether the C++20 model reports a data race.
template <class Body>
void race_row(const char* name, bool expect_race, Body body) {
  mc::options ro = litmus_options(name, mc::search_mode::exhaustive);
  ro.graphs = 1;
  auto r = mc::check(ro, body);
  mc::options dopt = litmus_options(name, mc::search_mode::dfs);
  dopt.graphs = 1;
  auto d = mc::check(dopt, body);
  mc::options po = litmus_options(name, mc::search_mode::exhaustive);
  po.rf_sleep = po.write_sleep = false;
  po.graphs = 1;
  auto pl = mc::check(po, body);
  mc::options vo = litmus_options(name, mc::search_mode::exhaustive);
  vo.rf_races = vo.mo_races = vo.fence_races = vo.rmw_races = false;
  vo.graphs = 1;
  auto rv = mc::check(vo, body);
  bool raced = r.failure == mc::failure_kind::data_race;
  bool raced_dfs = d.failure == mc::failure_kind::data_race;
  bool raced_plain = pl.failure == mc::failure_kind::data_race;
  bool raced_rev = rv.failure == mc::failure_kind::data_race;
  bool ok = raced == expect_race && raced_dfs == expect_race && raced_plain == expect_race && raced_rev == expect_race &&
            (raced || (r.passed() && r.exhausted && r.executions <= pl.executions && r.executions <= rv.executions)) &&
            (raced_rev || (rv.passed() && rv.exhausted)) &&
            (raced_dfs || (d.passed() && d.exhausted)) && (raced_plain || (pl.passed() && pl.exhausted));
  std::printf("%-14s %s  executions=%-5llu (pruned %-4llu) %7.2f ms  dfs: %-7llu %8.2f ms %s\n", name,
              ok ? "ok  " : "FAIL", static_cast<unsigned long long>(r.executions),
              static_cast<unsigned long long>(r.pruned), r.seconds * 1e3, static_cast<unsigned long long>(d.executions),
              d.seconds * 1e3, raced ? "data race reported" : "no data race");
  // Graphs: compared where the row runs to the end (no race); a race stops each search at its
  // own first failing execution, whose prefix differs between the searches.
  if (!expect_race) {
    std::printf("    plain sleep sets: executions=%llu (pruned %llu)\n", static_cast<unsigned long long>(pl.executions),
                static_cast<unsigned long long>(pl.pruned));
    std::printf("    every race reversed: executions=%llu (pruned %llu)\n", static_cast<unsigned long long>(rv.executions),
                static_cast<unsigned long long>(rv.pruned));
    ok = graph_line(r, pl, rv, d, -1) && ok;
  }
  if (!ok) {
    ++failures;
    std::printf("    %s\n%s\n", r.message.c_str(), r.trace.c_str());
  }
}

outcome_set all2() { return {{0, 0}, {0, 1}, {1, 0}, {1, 1}}; }
outcome_set all_bits(int n) {
  outcome_set s;
  for (int m = 0; m < (1 << n); ++m) {
    outcome o;
    for (int i = 0; i < n; ++i) o.push_back((m >> i) & 1);
    s.insert(o);
  }
  return s;
}
outcome_set without(outcome_set s, const outcome& o) {
  s.erase(o);
  return s;
}

template <class Rec>
void sb(Rec rec, std::memory_order st1, std::memory_order ld1, std::memory_order st2, std::memory_order ld2,
        bool fences) {
  A x(0), y(0);
  int r1 = -1, r2 = -1;
  mc::thread a([&] {
    x.store(1, st1);
    if (fences) P::fence(sc);
    r1 = y.load(ld1);
  });
  mc::thread b([&] {
    y.store(1, st2);
    if (fences) P::fence(sc);
    r2 = x.load(ld2);
  });
  a.join();
  b.join();
  rec({r1, r2});
}

template <class Rec>
void mp(Rec rec, std::memory_order st, std::memory_order ld, bool fences) {
  A d(0), f(0);
  int r1 = -1, r2 = -1;
  mc::thread a([&] {
    d.store(1, rlx);
    if (fences) P::fence(rel);
    f.store(1, st);
  });
  mc::thread b([&] {
    r1 = f.load(ld);
    if (fences) P::fence(acq);
    r2 = d.load(rlx);
  });
  a.join();
  b.join();
  rec({r1, r2});
}

template <class Rec>
void lb(Rec rec, std::memory_order ld) {
  A x(0), y(0);
  int r1 = -1, r2 = -1;
  mc::thread a([&] {
    r1 = x.load(ld);
    y.store(1, rlx);
  });
  mc::thread b([&] {
    r2 = y.load(ld);
    x.store(1, rlx);
  });
  a.join();
  b.join();
  rec({r1, r2});
}

// IRIW: each reader's first load uses o1, second o2; stores use st; fences between if asked.
template <class Rec>
void iriw(Rec rec, std::memory_order st, std::memory_order o1, std::memory_order o2, bool fences) {
  A x(0), y(0);
  int r1 = -1, r2 = -1, r3 = -1, r4 = -1;
  mc::thread a([&] { x.store(1, st); });
  mc::thread b([&] { y.store(1, st); });
  mc::thread c([&] {
    r1 = x.load(o1);
    if (fences) P::fence(sc);
    r2 = y.load(o2);
  });
  mc::thread d([&] {
    r3 = y.load(o1);
    if (fences) P::fence(sc);
    r4 = x.load(o2);
  });
  a.join();
  b.join();
  c.join();
  d.join();
  rec({r1, r2, r3, r4});
}

template <class Rec>
void wrc(Rec rec, std::memory_order st, std::memory_order ld) {
  A x(0), y(0);
  int r1 = -1, r2 = -1, r3 = -1;
  mc::thread a([&] { x.store(1, rlx); });
  mc::thread b([&] {
    r1 = x.load(rlx);
    y.store(1, st);
  });
  mc::thread c([&] {
    r2 = y.load(ld);
    r3 = x.load(rlx);
  });
  a.join();
  b.join();
  c.join();
  rec({r1, r2, r3});
}

template <class Rec>
void two_plus_two_w(Rec rec, std::memory_order o) {
  A x(0), y(0);
  mc::thread a([&] {
    x.store(1, o);
    y.store(2, o);
  });
  mc::thread b([&] {
    y.store(1, o);
    x.store(2, o);
  });
  a.join();
  b.join();
  rec({x.load(rlx), y.load(rlx)});
}

template <class Rec>
void s_test(Rec rec, std::memory_order st, std::memory_order ld) {
  A x(0), y(0);
  int r = -1;
  mc::thread a([&] {
    x.store(2, rlx);
    y.store(1, st);
  });
  mc::thread b([&] {
    r = y.load(ld);
    x.store(1, rlx);
  });
  a.join();
  b.join();
  rec({r, x.load(rlx)});
}

template <class Rec>
void r_test(Rec rec, std::memory_order o) {
  A x(0), y(0);
  int r = -1;
  mc::thread a([&] {
    x.store(1, o);
    y.store(1, o);
  });
  mc::thread b([&] {
    y.store(2, o);
    r = x.load(o);
  });
  a.join();
  b.join();
  rec({y.load(rlx), r});
}

// Message passing through a plain cell; the reader touches d only if it saw the flag.
void mp_cell(std::memory_order st, std::memory_order ld) {
  P::cell<int> d(0);
  A f(0);
  mc::thread a([&] {
    d.with_mut([](int* p) { *p = 1; });
    f.store(1, st);
  });
  mc::thread b([&] {
    if (f.load(ld) == 1) d.with([](const int* p) { MODEL_ASSERT(*p == 1); });
  });
  a.join();
  b.join();
}


// Where the two models part: a seq_cst load reading a non-seq_cst store (the models-differ rows of the suite).
void model_rows() {
  const bool rc11 = current_model == mc::memory_model::rc11;
  // RWC+sc+rlxw: x=1 (rlx) ‖ r1=x; r2=y (sc) ‖ y=1; r3=x (sc). C++20: r3 co-before r1 through
  // the relaxed store (rf is in coherence-ordered-before), a cycle with r1<r2<y=1<r3. RC11:
  // no scb edge from r3 to r1, allowed.
  auto rwc = [](std::memory_order wx) {
    return [wx](auto rec) {
      A x(0), y(0);
      int r1 = -1, r2 = -1, r3 = -1;
      mc::thread t1([&] { x.store(1, wx); });
      mc::thread t2([&] {
        r1 = x.load(sc);
        r2 = y.load(sc);
      });
      mc::thread t3([&] {
        y.store(1, sc);
        r3 = x.load(sc);
      });
      t1.join();
      t2.join();
      t3.join();
      rec({r1, r2, r3});
    };
  };
  row("RWC+sc+rlxw", rc11 ? all_bits(3) : without(all_bits(3), {1, 0, 0}), rwc(rlx));
  row("RWC+sc+relw", rc11 ? all_bits(3) : without(all_bits(3), {1, 0, 0}), rwc(rel));
  row("RWC+sc", without(all_bits(3), {1, 0, 0}), rwc(sc));  // both models forbid
  // IRIW+sc-readers: stores rlx (or rel), every load sc. C++20 forbids the readers disagreeing;
  // RC11 allows it.
  row("IRIW+sc-readers", rc11 ? all_bits(4) : without(all_bits(4), {1, 0, 1, 0}),
      [](auto rec) { iriw(rec, rlx, sc, sc, false); }, {}, four_thread_bound);
  row("IRIW+sc-rd+relw", rc11 ? all_bits(4) : without(all_bits(4), {1, 0, 1, 0}),
      [](auto rec) { iriw(rec, rel, sc, sc, false); }, {}, four_thread_bound);
}

void suite() {
  row("SB", all2(), [](auto rec) { sb(rec, rlx, rlx, rlx, rlx, false); });
  row("SB+rel+acq", all2(), [](auto rec) { sb(rec, rel, acq, rel, acq, false); });
  row("SB+sc", without(all2(), {0, 0}), [](auto rec) { sb(rec, sc, sc, sc, sc, false); });
  row("SB+scfs", without(all2(), {0, 0}), [](auto rec) { sb(rec, rlx, rlx, rlx, rlx, true); });
  row("SB+3sc+acq", all2(), [](auto rec) { sb(rec, sc, sc, sc, acq, false); });
  row("MP", all2(), [](auto rec) { mp(rec, rlx, rlx, false); });
  row("MP+rel+acq", without(all2(), {1, 0}), [](auto rec) { mp(rec, rel, acq, false); });
  row("MP+fences", without(all2(), {1, 0}), [](auto rec) { mp(rec, rlx, rlx, true); });
  race_row("MP+cell", false, [] { mp_cell(rel, acq); });
  race_row("MP+cell+rlx", true, [] { mp_cell(rlx, rlx); });
  race_row("MP+rels", true, [] {
    P::cell<int> d(0);
    A f(0);
    mc::thread a([&] {
      d.with_mut([](int* p) { *p = 1; });
      f.store(1, rel);
      f.store(2, rlx);
    });
    mc::thread b([&] {
      if (f.load(acq) == 2) d.with([](const int*) {});
    });
    a.join();
    b.join();
  });
  race_row("MP+rmw", false, [] {
    P::cell<int> d(0);
    A f(0);
    mc::thread a([&] {
      d.with_mut([](int* p) { *p = 1; });
      f.store(1, rel);
    });
    mc::thread b([&] { f.fetch_add(1, rlx); });
    mc::thread c([&] {
      if (f.load(acq) == 2) d.with([](const int*) {});
    });
    a.join();
    b.join();
    c.join();
  });
  row("LB", all2(), [](auto rec) { lb(rec, rlx); }, {{1, 1}});
  row("LB+acq", without(all2(), {1, 1}), [](auto rec) { lb(rec, acq); });
  row("IRIW", all_bits(4), [](auto rec) { iriw(rec, rel, acq, acq, false); }, {}, four_thread_bound);
  row("IRIW+sc", without(all_bits(4), {1, 0, 1, 0}), [](auto rec) { iriw(rec, sc, sc, sc, false); }, {}, four_thread_bound);
  row("IRIW+acq+sc", all_bits(4), [](auto rec) { iriw(rec, sc, acq, sc, false); }, {}, four_thread_bound);
  row("IRIW+scfs", without(all_bits(4), {1, 0, 1, 0}), [](auto rec) { iriw(rec, rlx, rlx, rlx, true); }, {}, four_thread_bound);
  row("WRC", all_bits(3), [](auto rec) { wrc(rec, rlx, rlx); });
  row("WRC+rel+acq", without(all_bits(3), {1, 1, 0}), [](auto rec) { wrc(rec, rel, acq); });
  row("ISA2", without(all_bits(3), {1, 1, 0}), [](auto rec) {
    A a(0), b(0), c(0);
    int r1 = -1, r2 = -1, r3 = -1;
    mc::thread t1([&] {
      a.store(1, rlx);
      b.store(1, rel);
    });
    mc::thread t2([&] {
      r1 = b.load(acq);
      c.store(1, rel);
    });
    mc::thread t3([&] {
      r2 = c.load(acq);
      r3 = a.load(rlx);
    });
    t1.join();
    t2.join();
    t3.join();
    rec({r1, r2, r3});
  });
  row("RWC+scfs", without(all_bits(3), {1, 0, 0}), [](auto rec) {
    A x(0), y(0);
    int r1 = -1, r2 = -1, r3 = -1;
    mc::thread t1([&] { x.store(1, rlx); });
    mc::thread t2([&] {
      r1 = x.load(rlx);
      P::fence(sc);
      r2 = y.load(rlx);
    });
    mc::thread t3([&] {
      y.store(1, rlx);
      P::fence(sc);
      r3 = x.load(rlx);
    });
    t1.join();
    t2.join();
    t3.join();
    rec({r1, r2, r3});
  });
  const outcome_set w22 = {{1, 1}, {1, 2}, {2, 1}, {2, 2}};
  row("2+2W", w22, [](auto rec) { two_plus_two_w(rec, rlx); });
  row("2+2W+sc", without(w22, {1, 1}), [](auto rec) { two_plus_two_w(rec, sc); });
  const outcome_set s_all = {{0, 1}, {0, 2}, {1, 1}, {1, 2}};
  row("S", s_all, [](auto rec) { s_test(rec, rlx, rlx); });
  row("S+rel+acq", without(s_all, {1, 2}), [](auto rec) { s_test(rec, rel, acq); });
  const outcome_set r_all = {{1, 0}, {1, 1}, {2, 0}, {2, 1}};
  row("R", r_all, [](auto rec) { r_test(rec, rlx); });
  row("R+sc", without(r_all, {2, 0}), [](auto rec) { r_test(rec, sc); });
  row("CoRR", {{0, 0}, {0, 1}, {0, 2}, {1, 1}, {1, 2}, {2, 2}}, [](auto rec) {
    A x(0);
    int r1 = -1, r2 = -1;
    mc::thread a([&] {
      x.store(1, rlx);
      x.store(2, rlx);
    });
    mc::thread b([&] {
      r1 = x.load(rlx);
      r2 = x.load(rlx);
    });
    a.join();
    b.join();
    rec({r1, r2});
  });
  row("CoWR", {{1, 1}, {1, 2}, {2, 2}}, [](auto rec) {
    A x(0);
    int r = -1;
    mc::thread a([&] {
      x.store(1, rlx);
      r = x.load(rlx);
    });
    mc::thread b([&] { x.store(2, rlx); });
    a.join();
    b.join();
    rec({r, x.load(rlx)});
  });
  row("CoRW", {{0, 1}, {0, 2}, {2, 1}}, [](auto rec) {
    A x(0);
    int r = -1;
    mc::thread a([&] {
      r = x.load(rlx);
      x.store(1, rlx);
    });
    mc::thread b([&] { x.store(2, rlx); });
    a.join();
    b.join();
    rec({r, x.load(rlx)});
  });
  row("RMW-atomic", {{0, 1}, {1, 0}}, [](auto rec) {
    A x(0);
    int r1 = -1, r2 = -1;
    mc::thread a([&] { r1 = x.fetch_add(1, rlx); });
    mc::thread b([&] { r2 = x.fetch_add(1, rlx); });
    a.join();
    b.join();
    rec({r1, r2});
  });
  auto rmw_vs_store = [](auto rec) {
    A x(0);
    int r = -1;
    mc::thread a([&] { r = x.exchange(2, rlx); });
    mc::thread b([&] { x.store(1, rlx); });
    a.join();
    b.join();
    rec({r, x.load(rlx)});
  };
  row("RMW-vs-store", {{0, 1}, {1, 2}}, rmw_vs_store);   // (0,2) unreachable
  row("RMW-vs-store'", {{0, 1}, {1, 2}}, rmw_vs_store);  // (1,1) unreachable
  model_rows();
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (argc > 1 && std::string(argv[1]) == "--unbounded-dfs") four_thread_bound = -1;
  for (auto model : {mc::memory_model::rc11, mc::memory_model::cxx20}) {
    current_model = model;
    std::printf("--- memory model %s ---\n", model == mc::memory_model::rc11 ? "rc11" : "cxx20");
    suite();
  }
  std::printf("%s: %d row(s) failed\n", failures ? "FAILED" : "PASSED", failures);
  return failures ? 1 : 0;
}
