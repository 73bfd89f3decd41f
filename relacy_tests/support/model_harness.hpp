// relacy_tests/support/model_harness.hpp — harness<model::platform>: how a scenario runs under the
// model checker. Threads are sluice::model::thread (fibers the checker schedules); a failed
// SLUICE_VERIFY fails the execution through the checker's assertion (so it is reported with
// its trace and replay string, like MODEL_ASSERT); timeouts are 1 ms of the virtual clock,
// whose firing or not is the checker's choice, so the length does not matter.
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <type_traits>
#include <string>
#include <utility>

#include <sluice/model.hpp>

#include "support/common.hpp"

namespace sluice::verif {

template <>
struct harness<sluice::model::platform> {
  static constexpr bool is_model = true;
  using thread = sluice::model::thread;

  // A thread body that destroys its callable (and so the handles it captured) when the body
  // returns, inside the execution, as std::thread does. model::thread itself keeps the
  // callable until the execution is torn down, and destroys it then, outside the model: the
  // handles' destructors would run channel code (and free model allocations) with the
  // runtime inactive, which double-frees in teardown. So the callable lives on the heap and
  // is deleted by the body; when an execution fails mid-body the callable is deliberately
  // leaked (a few bytes per failing execution, in a test process) rather than destroyed
  // outside the model. (Reported to models/: see relacy_tests/README.md.)
  template <class Fn>
  static auto wrap(Fn&& fn) {
    using F = std::decay_t<Fn>;
    struct body {
      F* f;
      void operator()() {
        (*f)();
        delete std::exchange(f, nullptr);
      }
    };
    return body{new F(std::forward<Fn>(fn))};
  }

  template <class Fn>
  static thread spawn(Fn&& fn, sluice::model::source_location loc =
                                   sluice::model::source_location::current()) {
    return thread(wrap(std::forward<Fn>(fn)), loc);
  }

  // Whether p is a freed platform allocation of this execution (the checker quarantines them).
  static bool freed_allocation(const void* p) noexcept { return sluice::model::rt::is_freed_allocation(p); }

  [[noreturn]] static void fail(const char* what, const char* file, int line) {
    // The checker reports its own position; put the scenario's file:line in the message.
    // One OS thread runs every fiber and a failure ends the execution, so one buffer is enough.
    static std::string message;
    message = std::string(file) + ":" + std::to_string(line) + ": " + what;
    sluice::model::rt::assert_fail(message.c_str(), sluice::model::source_location::current());
  }

  static sluice::model::platform::clock::duration timeout() {
    return std::chrono::duration_cast<sluice::model::platform::clock::duration>(
        std::chrono::milliseconds(1));
  }
};

}  // namespace sluice::verif
