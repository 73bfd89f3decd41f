// sluice/model/check.hpp — writing a check: threads, assertions, check().
//
// Contract: check(opts, test) runs `test` once per execution on model thread 0, exploring
// executions per opts, and returns a result (it never aborts the process). Inside, threads are
// sluice::model::thread and must be joined; MODEL_ASSERT(cond) fails the execution with a trace.
#pragma once

#include <memory>
#include <utility>

#include "sluice/model/options.hpp"
#include "sluice/model/runtime.hpp"

namespace sluice::model {

namespace rt {
result run(const options& opts, void (*test)(void*), void* arg);
}

class thread {
 public:
  template <class F>
  explicit thread(F f, source_location loc = source_location::current()) {
    auto* closure = new F(std::move(f));
    tid_ = rt::spawn([](void* p) { (*static_cast<F*>(p))(); }, closure,
                     [](void* p) { delete static_cast<F*>(p); }, loc);
  }
  thread(const thread&) = delete;
  thread& operator=(const thread&) = delete;
  ~thread() {
    if (tid_ >= 0 && rt::active()) rt::usage_fail("model thread destroyed without join()", source_location::current());
  }
  void join(source_location loc = source_location::current()) {
    rt::join(tid_, loc);
    tid_ = -1;
  }
  bool joinable() const noexcept { return tid_ >= 0; }

 private:
  int tid_ = -1;
};

template <class F>
result check(const options& opts, F&& test) {
  auto call = [&test] { test(); };  // also accepts plain functions
  return rt::run(opts, [](void* p) { (*static_cast<decltype(call)*>(p))(); }, &call);
}

template <class F>
result check(F&& test) {
  return check(options{}, std::forward<F>(test));
}

}  // namespace sluice::model

#define MODEL_ASSERT(cond)                                                                  \
  ((cond) ? static_cast<void>(0)                                                            \
          : ::sluice::model::rt::assert_fail(#cond, ::sluice::model::source_location::current()))
