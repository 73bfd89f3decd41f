// models/rt/fiber.hpp — stackful fibers for model threads, all on one OS thread.
//
// Contract: a fiber owns a pooled stack and runs entry(arg) when first switched to. entry must
// never return (the runtime switches away for good when a model thread ends). switch_to saves
// the caller's registers into `from` and resumes `to`. On x86-64 the switch is six pushes, a
// stack-pointer swap and six pops (no signal-mask syscall, unlike ucontext's swapcontext), which
// is what makes hundreds of thousands of executions per second possible; other targets fall
// back to ucontext.
#pragma once

#include <cstddef>
#include <vector>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace sluice::model::rt {

// Stack size of one model thread. core/ parks deep inside channel code, so fibers are stackful.
inline constexpr std::size_t fiber_stack_bytes = 256 * 1024;

struct fiber_context {
#if defined(__x86_64__)
  void* sp = nullptr;
#else
  ucontext_t uc{};
#endif
};

class stack_pool {
 public:
  stack_pool() = default;
  stack_pool(const stack_pool&) = delete;
  stack_pool& operator=(const stack_pool&) = delete;
  ~stack_pool();
  // Returns the base (lowest address) of a stack of fiber_stack_bytes; a guard page sits below.
  char* acquire();
  void release(char* base);

 private:
  std::vector<char*> free_;
  std::vector<char*> all_;
};

// Prepares `ctx` so that switching to it runs entry(arg) on the stack [base, base + size).
void fiber_prepare(fiber_context& ctx, char* base, std::size_t size, void (*entry)(void*), void* arg);
// Saves the current context in `from` and resumes `to`.
void fiber_switch(fiber_context& from, fiber_context& to);

}  // namespace sluice::model::rt
