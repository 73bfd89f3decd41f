// bench/ir/ops.cpp — a fixed number of uncontended operations, for instruction counts under
// callgrind (bench/ir_ab.sh). On a shared VM wall-clock micro-benchmarks move 2x between runs;
// instructions executed per operation do not, so a same-source A/B of two commits is exact.
//   ops WORKLOAD   (bcast | unb | b1 | tryempty | sel | sel4 | spsc | spscl): 100,000 iterations of
//                  one operation pair; (seqb | sequ): the report's seq rows, 100,000 sends into a
//                  bounded(100,000) or unbounded channel, then 100,000 receives; (aseqb): the
//                  same as seqb with co_await async_send / async_recv in one coroutine run inline;
//                  (apong): a producer and a consumer coroutine on bounded(1), run by a one-thread
//                  run queue, so that nearly every operation waits and is resumed by the other
// Each workload is its own out-of-line function: the compiler's inlining budget is spent per
// function, so adding a workload does not change what the others inline.
#include <sluice/sluice.hpp>
#include <sluice/broadcast.hpp>
#include <coroutine>
#include <cstdio>
#include <exception>
#include <cstring>
#include <deque>
#include <vector>

namespace {
constexpr long n = 100000;

// A send and a receive of each of n values on a fresh channel made by `make`.
template <class Make>
[[gnu::noinline]] long send_recv(Make make) {
  auto [tx, rx] = make();
  long sum = 0;
  for (long i = 0; i < n; ++i) {
    (void)tx.send(i);
    auto r = rx.recv();
    sum += *r;
  }
  return sum;
}

// The report's seq workload (bench/harness/workloads.hpp): n sends, then n receives, on a fresh
// channel made by `make` (for bounded, its capacity is n: nothing ever waits).
template <class Make>
[[gnu::noinline]] long send_all_then_recv_all(Make make) {
  auto [tx, rx] = make();
  for (long i = 0; i < n; ++i) (void)tx.send(i);
  long sum = 0;
  for (long i = 0; i < n; ++i) {
    auto r = rx.recv();
    sum += *r;
  }
  return sum;
}

// A coroutine that runs to completion where it is called (it never waits in aseqb).
struct inline_task {
  struct promise_type {
    inline_task get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};
inline_task async_seq_body(sluice::sender<long>& tx, sluice::receiver<long>& rx, long& sum) {
  for (long i = 0; i < n; ++i) (void)co_await tx.async_send(i);
  for (long i = 0; i < n; ++i) sum += *co_await rx.async_recv();
}
[[gnu::noinline]] long async_send_all_then_recv_all() {
  auto [tx, rx] = sluice::bounded<long>(n);
  long sum = 0;
  async_seq_body(tx, rx, sum);
  return sum;
}

// A run queue drained by the calling thread: the scheduler of apong's coroutines.
struct run_queue {
  std::deque<std::coroutine_handle<>> q;
  void schedule(std::coroutine_handle<> h) { q.push_back(h); }
  void run() {
    while (!q.empty()) {
      auto h = q.front();
      q.pop_front();
      h.resume();
    }
  }
};
struct queued_task {
  struct promise_type {
    run_queue* rq;
    template <class... Args>
    promise_type(run_queue& r, Args&&...) : rq(&r) {}
    run_queue* scheduler() const noexcept { return rq; }
    queued_task get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};
queued_task pong_producer(run_queue&, sluice::sender<long> tx) {
  for (long i = 0; i < n; ++i) (void)co_await tx.async_send(i);
}
queued_task pong_consumer(run_queue&, sluice::receiver<long> rx, long& sum) {
  for (long i = 0; i < n; ++i) sum += *co_await rx.async_recv();
}
[[gnu::noinline]] long async_pong() {
  run_queue rq;
  long sum = 0;
  {
    auto [tx, rx] = sluice::bounded<long>(1);
    pong_consumer(rq, std::move(rx), sum);
    pong_producer(rq, std::move(tx));
  }
  rq.run();
  return sum;
}

[[gnu::noinline]] long try_recv_empty() {
  auto [tx, rx] = sluice::bounded<long>(1);
  long sum = 0;
  for (long i = 0; i < n; ++i) sum += rx.try_recv().has_value();
  return sum;
}

[[gnu::noinline]] long select_two() {
  auto [tx, rx] = sluice::bounded<long>(4);
  auto [tx2, rx2] = sluice::bounded<long>(4);
  long sum = 0;
  for (long i = 0; i < n; ++i) {
    (void)tx.send(i);
    sluice::select(sluice::on_recv(rx, [&](auto r) { sum += *r; }), sluice::on_recv(rx2, [&](auto r) { sum += *r; }));
  }
  return sum;
}

// A four-case select send and a four-case select receive per iteration, over four unbounded
// channels (the shape of the report's select_both rows, uncontended).
[[gnu::noinline]] long select_four() {
  std::vector<sluice::sender<long>> tx;
  std::vector<sluice::receiver<long>> rx;
  for (int k = 0; k < 4; ++k) {
    auto [t, r] = sluice::unbounded<long>();
    tx.push_back(std::move(t));
    rx.push_back(std::move(r));
  }
  long sum = 0;
  auto sent = [](auto r) { (void)r.value(); };
  auto take = [&](auto r) { sum += *r; };
  for (long i = 0; i < n; ++i) {
    sluice::select(sluice::on_send(tx[0], i, sent), sluice::on_send(tx[1], i, sent), sluice::on_send(tx[2], i, sent),
                   sluice::on_send(tx[3], i, sent));
    sluice::select(sluice::on_recv(rx[0], take), sluice::on_recv(rx[1], take), sluice::on_recv(rx[2], take),
                   sluice::on_recv(rx[3], take));
  }
  return sum;
}
}  // namespace

int main(int argc, char** argv) {
  const char* w = argc > 1 ? argv[1] : "";
  long sum = -1;
  if (!std::strcmp(w, "bcast")) sum = send_recv([] { return sluice::broadcast<long>(16); });
  if (!std::strcmp(w, "unb")) sum = send_recv([] { return sluice::unbounded<long>(); });
  if (!std::strcmp(w, "b1")) sum = send_recv([] { return sluice::bounded<long>(1); });
  if (!std::strcmp(w, "spsc")) sum = send_recv([] { return sluice::spsc_bounded<long>(16); });
  if (!std::strcmp(w, "spscl")) sum = send_recv([] { return sluice::spsc_unbounded<long>(); });
  if (!std::strcmp(w, "seqb")) sum = send_all_then_recv_all([] { return sluice::bounded<long>(n); });
  if (!std::strcmp(w, "sequ")) sum = send_all_then_recv_all([] { return sluice::unbounded<long>(); });
  if (!std::strcmp(w, "aseqb")) sum = async_send_all_then_recv_all();
  if (!std::strcmp(w, "apong")) sum = async_pong();
  if (!std::strcmp(w, "tryempty")) sum = try_recv_empty();
  if (!std::strcmp(w, "sel")) sum = select_two();
  if (!std::strcmp(w, "sel4")) sum = select_four();
  std::printf("%ld\n", sum);
  return sum < 0;
}
