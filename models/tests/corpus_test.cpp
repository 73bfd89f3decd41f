// models/tests/corpus_test.cpp — classic algorithms, each correct and broken.
//
// Proves: the checker passes every correct variant (exhaustively, under the reduction — with the
// read-from-aware sleep sets and with the plain ones, and with every race reversed — and the
// unbounded DFS, and in random and PCT mode) and catches every broken one with the right
// failure class, under the reduction and the DFS alike. The
// table printed is the "executions to find" record quoted in models/README.md.
#include <new>

#include "corpus.hpp"

namespace mc = sluice::model;
using P = mc::platform;
using mc::failure_kind;

namespace {

constexpr auto rlx = std::memory_order::relaxed;
constexpr auto acq = std::memory_order::acquire;
constexpr auto rel = std::memory_order::release;
constexpr auto sc = std::memory_order::seq_cst;

// Peterson's lock; the critical section writes a plain cell, so a mutual-exclusion failure is
// a data race. fences = 2: a seq_cst fence after each relaxed store (correct, Relacy's test3);
// 1: one fence after both stores — NOT enough in C++20: T2's turn store may precede T1's in
// modification order while T1 still reads T2's flag as 0 (no SC-fence rule orders them);
// 0: no fence (the store-buffering bug).
void peterson(int fences) {
  P::atomic<int> flag0(0), flag1(0), turn(0);
  P::cell<int> shared(0);
  auto body = [&](int me) {
    P::atomic<int>& mine = me == 0 ? flag0 : flag1;
    P::atomic<int>& other = me == 0 ? flag1 : flag0;
    mine.store(1, rlx);
    if (fences == 2) P::fence(sc);
    turn.store(1 - me, rlx);
    if (fences >= 1) P::fence(sc);
    while (other.load(acq) == 1 && turn.load(acq) == 1 - me) P::spin_hint();
    shared.with_mut([](int* p) { ++*p; });
    mine.store(0, rel);
  };
  mc::thread a([&] { body(0); });
  mc::thread b([&] { body(1); });
  a.join();
  b.join();
  shared.with([](const int* p) { MODEL_ASSERT(*p == 2); });
}

// Dekker-style try-lock (store my flag, then check the other's): at most one may enter.
void dekker(bool fenced) {
  P::atomic<int> f0(0), f1(0), inside(0);
  auto body = [&](P::atomic<int>& mine, P::atomic<int>& other) {
    mine.store(1, rlx);
    if (fenced) P::fence(sc);
    if (other.load(rlx) == 0) {
      MODEL_ASSERT(inside.fetch_add(1, rlx) == 0);
      inside.fetch_sub(1, rlx);
    }
  };
  mc::thread a([&] { body(f0, f1); });
  mc::thread b([&] { body(f1, f0); });
  a.join();
  b.join();
}

// Vyukov's bounded MPMC queue, capacity 2; `publish` is the stamp store after writing a slot.
struct vyukov_queue {
  static constexpr unsigned capacity = 2;
  struct slot {
    P::atomic<unsigned> seq;
    P::cell<int> data;
    explicit slot(unsigned i) : seq(i), data(0) {}
  };
  slot s0{0}, s1{1};
  P::atomic<unsigned> enq{0}, deq{0};
  std::memory_order publish;
  explicit vyukov_queue(std::memory_order pub) : publish(pub) {}
  slot& at(unsigned pos) { return (pos % capacity) == 0 ? s0 : s1; }

  bool push(int v) {
    unsigned pos = enq.load(rlx);
    for (;;) {
      slot& s = at(pos);
      unsigned seq = s.seq.load(acq);
      int dif = static_cast<int>(seq - pos);
      if (dif == 0) {
        if (enq.compare_exchange_weak(pos, pos + 1, rlx, rlx)) {
          s.data.with_mut([v](int* p) { *p = v; });
          s.seq.store(pos + 1, publish);
          return true;
        }
      } else if (dif < 0) {
        return false;
      } else {
        pos = enq.load(rlx);
      }
    }
  }
  bool pop(int& out) {
    unsigned pos = deq.load(rlx);
    for (;;) {
      slot& s = at(pos);
      unsigned seq = s.seq.load(acq);
      int dif = static_cast<int>(seq - (pos + 1));
      if (dif == 0) {
        if (deq.compare_exchange_weak(pos, pos + 1, rlx, rlx)) {
          out = s.data.with([](const int* p) { return *p; });
          s.seq.store(pos + capacity, rel);
          return true;
        }
      } else if (dif < 0) {
        return false;
      } else {
        pos = deq.load(rlx);
      }
    }
  }
};

void vyukov(std::memory_order publish) {
  vyukov_queue q(publish);
  mc::thread prod([&] {
    q.push(7);
    q.push(8);
  });
  mc::thread cons([&] {
    int v = 0;
    if (q.pop(v)) MODEL_ASSERT(v == 7);
  });
  prod.join();
  cons.join();
}

// SPSC hand-off with an eventcount. The producer publishes, then checks for a sleeper; the
// consumer announces itself, then re-checks before parking. Without the two seq_cst fences
// (the "signal_relaxed" bug) both checks can miss: the consumer sleeps forever.
void spsc_eventcount(bool fenced) {
  P::atomic<int> items(0), waiting(0);
  P::parker consumer_parker;
  mc::thread prod([&] {
    items.store(1, rel);
    if (fenced) P::fence(sc);
    if (waiting.load(rlx) == 1) consumer_parker.unpark();
  });
  mc::thread cons([&] {
    for (;;) {
      if (items.load(acq) == 1) break;
      waiting.store(1, rlx);
      if (fenced) P::fence(sc);
      if (items.load(acq) == 1) break;
      consumer_parker.park();
    }
  });
  prod.join();
  cons.join();
}

// Counter increment: fetch_add (correct) or a load followed by a store (lost update).
void counter(bool atomic_rmw) {
  P::atomic<int> n(0);
  auto inc = [&] {
    if (atomic_rmw) {
      n.fetch_add(1, rlx);
    } else {
      int v = n.load(acq);
      n.store(v + 1, rel);
    }
  };
  mc::thread a(inc);
  mc::thread b(inc);
  a.join();
  b.join();
  MODEL_ASSERT(n.load(rlx) == 2);
}

// Message passing through a plain cell guarded by a flag.
void message_passing(std::memory_order st, std::memory_order ld) {
  P::cell<int> data(0);
  P::atomic<int> ready(0);
  mc::thread a([&] {
    data.with_mut([](int* p) { *p = 42; });
    ready.store(1, st);
  });
  mc::thread b([&] {
    if (ready.load(ld) == 1) data.with([](const int* p) { MODEL_ASSERT(*p == 42); });
  });
  a.join();
  b.join();
}

// Treiber stack whose pop frees the node right away (use after free when another popper still
// reads node->next), versus one that defers freeing until every thread has joined.
struct node {
  P::cell<node*> next;
  int value;
  node(node* n, int v) : next(n), value(v) {}
};

void treiber(bool free_immediately) {
  P::atomic<node*> head(nullptr);
  node* popped[2] = {nullptr, nullptr};
  for (int v = 1; v <= 2; ++v) {
    void* mem = P::allocate(sizeof(node), alignof(node));
    head.store(new (mem) node(head.load(rlx), v), rlx);
  }
  auto pop = [&](int who) {
    node* h = head.load(acq);
    while (h != nullptr) {
      node* next = h->next.with([](node* const* p) { return *p; });
      if (head.compare_exchange_weak(h, next, acq, acq)) break;
    }
    if (h == nullptr) return;
    if (free_immediately) {
      h->~node();
      P::deallocate(h, sizeof(node), alignof(node));
    } else {
      popped[who] = h;
    }
  };
  mc::thread a([&] { pop(0); });
  mc::thread b([&] { pop(1); });
  a.join();
  b.join();
  for (node* n : popped)
    if (n != nullptr) {
      n->~node();
      P::deallocate(n, sizeof(node), alignof(node));
    }
  node* rest = head.load(rlx);
  while (rest != nullptr) {
    node* next = rest->next.with([](node* const* p) { return *p; });
    rest->~node();
    P::deallocate(rest, sizeof(node), alignof(node));
    rest = next;
  }
}

// Condition-variable handshake. Broken: the waiter checks `ready`, then announces itself and
// parks without checking again, so the signaller can see no waiter and skip the wake-up.
// Correct: announce, then check, then park.
void condvar_handshake(bool announce_first) {
  P::atomic<int> ready(0), waiting(0);
  P::parker waiter_parker;
  mc::thread waiter([&] {
    if (announce_first) {
      for (;;) {
        waiting.store(1, sc);
        if (ready.load(sc) == 1) break;
        waiter_parker.park();
      }
    } else {
      while (ready.load(sc) == 0) {
        waiting.store(1, sc);
        waiter_parker.park();
      }
    }
  });
  mc::thread signaller([&] {
    ready.store(1, sc);
    if (waiting.load(sc) == 1) waiter_parker.unpark();
  });
  waiter.join();
  signaller.join();
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("| %-34s | %-7s | %-14s | %12s | %12s | %12s | %12s | %12s | %12s | %12s | %12s |\n", "algorithm",
              "variant", "must report", "exhaustive", "all reversed", "plain sleep", "dfs", "random", "pct", "bounded-1",
              "dfs-1");
  corpus::entry("peterson, sc fence after each store", false, failure_kind::none, [] { peterson(2); });
  corpus::entry("peterson, one sc fence", true, failure_kind::data_race, [] { peterson(1); });
  corpus::entry("peterson, relaxed, no fence", true, failure_kind::data_race, [] { peterson(0); });
  corpus::entry("dekker, sc fences", false, failure_kind::none, [] { dekker(true); });
  corpus::entry("dekker, relaxed", true, failure_kind::assertion, [] { dekker(false); });
  corpus::entry("vyukov mpmc, release publish", false, failure_kind::none, [] { vyukov(rel); });
  corpus::entry("vyukov mpmc, relaxed publish", true, failure_kind::data_race, [] { vyukov(rlx); });
  corpus::entry("spsc + eventcount, fenced", false, failure_kind::none, [] { spsc_eventcount(true); });
  corpus::entry("spsc + eventcount, signal_relaxed", true, failure_kind::deadlock, [] { spsc_eventcount(false); });
  corpus::entry("counter, fetch_add", false, failure_kind::none, [] { counter(true); });
  corpus::entry("counter, load + store", true, failure_kind::assertion, [] { counter(false); });
  corpus::entry("message passing, rel/acq flag", false, failure_kind::none, [] { message_passing(rel, acq); });
  corpus::entry("message passing, relaxed flag", true, failure_kind::data_race, [] { message_passing(rlx, rlx); });
  corpus::entry("treiber stack, deferred free", false, failure_kind::none, [] { treiber(false); });
  corpus::entry("treiber stack, free on pop", true, failure_kind::use_after_free, [] { treiber(true); });
  corpus::entry("condvar, announce then check", false, failure_kind::none, [] { condvar_handshake(true); });
  corpus::entry("condvar, check then announce", true, failure_kind::deadlock, [] { condvar_handshake(false); });
  std::printf("(numbers: executions until the bug was found; for correct variants, executions run, * = exhausted)\n");
  std::printf("%s: %d entr%s failed\n", corpus::failures ? "FAILED" : "PASSED", corpus::failures,
              corpus::failures == 1 ? "y" : "ies");
  return corpus::failures ? 1 : 0;
}
