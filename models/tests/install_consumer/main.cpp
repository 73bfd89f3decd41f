// A user's algorithm, model-checked with an installed sluice::model: a flag publishing a plain
// value. The release/acquire version must pass with the bounded space exhausted; the relaxed
// version must be reported as a data race (so the checker really ran the user's code). Then
// a sluice channel on the model platform: two messages arrive, in order. Exits non-zero on any
// other outcome.
#include <sluice/model.hpp>
#include <sluice/sluice.hpp>

#include <cstdio>
#include <memory>

namespace mc = sluice::model;
using P = mc::platform;

namespace {

mc::options quiet(const char* name) {
  mc::options o;
  o.name = name;
  o.use_env = false;
  o.print_summary = false;
  o.print_failure = false;
  return o;
}

template <std::memory_order Publish, std::memory_order Observe>
mc::result check_flag_publish(const char* name) {
  return mc::check(quiet(name), [] {
    P::cell<int> payload(0);
    P::atomic<int> ready(0);
    mc::thread writer([&] {
      payload.with_mut([](int* p) { *p = 42; });
      ready.store(1, Publish);
    });
    mc::thread reader([&] {
      if (ready.load(Observe) == 1) payload.with([](const int* p) { MODEL_ASSERT(*p == 42); });
    });
    writer.join();
    reader.join();
  });
}

}  // namespace

int main() {
  int failures = 0;
  auto expect = [&](const char* what, bool ok, const mc::result& r) {
    std::printf("%-44s %s (%s, %llu executions%s)\n", what, ok ? "ok" : "WRONG",
                mc::to_string(r.failure), static_cast<unsigned long long>(r.executions),
                r.exhausted ? ", exhausted" : "");
    if (!ok) ++failures;
  };

  auto good = check_flag_publish<std::memory_order_release, std::memory_order_acquire>("flag_rel_acq");
  expect("flag publish, release/acquire: passes", good.passed() && good.exhausted, good);

  auto bad = check_flag_publish<std::memory_order_relaxed, std::memory_order_relaxed>("flag_relaxed");
  expect("flag publish, relaxed: data race found", bad.failure == mc::failure_kind::data_race, bad);

  // A channel's spin-waits and parking make the unbounded reduction (the default exhaustive
  // mode) too large; the bounded DFS exhausts preemption bound 2, as the model tier does.
  mc::options chan_opts = quiet("bounded1_two_in_order");
  chan_opts.mode = mc::search_mode::dfs;
  chan_opts.preemption_bound = 2;
  auto chan = mc::check(chan_opts, [] {
    auto [sender, rx] = sluice::basic_bounded<int, P>(1);
    // The thread takes the sender into its body, so the handle dies inside the execution: a
    // model::thread keeps its callable (and what it captured by value) until the execution is
    // torn down, outside the model (relacy_tests/model_harness.hpp explains; reported).
    mc::thread producer([&sender = sender] {  // clang 14 cannot capture a structured binding by itself
      auto tx = std::move(sender);
      tx.send(1);
      tx.send(2);
    });
    auto a = rx.recv();
    auto b = rx.recv();
    MODEL_ASSERT(a && *a == 1 && b && *b == 2);
    producer.join();
  });
  expect("sluice bounded(1) on the model: FIFO", chan.passed() && chan.exhausted, chan);
  return failures == 0 ? 0 : 1;
}
