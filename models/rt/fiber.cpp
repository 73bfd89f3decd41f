// models/rt/fiber.cpp — context switch and stack pool (see fiber.hpp for the contract).
#include "fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace sluice::model::rt {

namespace {
constexpr std::size_t guard_bytes = 4096;
}

stack_pool::~stack_pool() {
  for (char* base : all_) munmap(base - guard_bytes, fiber_stack_bytes + guard_bytes);
}

char* stack_pool::acquire() {
  if (!free_.empty()) {
    char* base = free_.back();
    free_.pop_back();
    return base;
  }
  void* mem = mmap(nullptr, fiber_stack_bytes + guard_bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    std::fputs("sluice model: cannot map a fiber stack\n", stderr);
    std::abort();
  }
  mprotect(mem, guard_bytes, PROT_NONE);  // a stack overflow faults instead of corrupting memory
  char* base = static_cast<char*>(mem) + guard_bytes;
  all_.push_back(base);
  return base;
}

void stack_pool::release(char* base) { free_.push_back(base); }

#if defined(__x86_64__)

extern "C" void sluice_mc_switch(void** save_sp, void* new_sp);
extern "C" void sluice_mc_trampoline();

// Callee-saved registers (System V ABI) are pushed on the old stack; the stack pointer is
// swapped; the new stack's registers are popped. A fresh stack is laid out so that the pops
// load entry into r13 and its argument into r12 and `ret` lands in the trampoline.
asm(R"(
  .text
  .globl sluice_mc_switch
  .type sluice_mc_switch,@function
sluice_mc_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size sluice_mc_switch,.-sluice_mc_switch

  .globl sluice_mc_trampoline
  .type sluice_mc_trampoline,@function
sluice_mc_trampoline:
  movq %r12, %rdi
  callq *%r13
  ud2
  .size sluice_mc_trampoline,.-sluice_mc_trampoline
)");

void fiber_prepare(fiber_context& ctx, char* base, std::size_t size, void (*entry)(void*), void* arg) {
  auto top = reinterpret_cast<std::uintptr_t>(base + size) & ~std::uintptr_t{15};
  // After the six pops and the ret, rsp = top - 8 + 8 ... we want rsp % 16 == 0 at the call
  // instruction in the trampoline, i.e. right after ret: rsp == top - 16.
  auto* slots = reinterpret_cast<void**>(top - 16 - 7 * sizeof(void*));
  slots[0] = nullptr;                                          // r15
  slots[1] = nullptr;                                          // r14
  slots[2] = reinterpret_cast<void*>(entry);                   // r13
  slots[3] = arg;                                              // r12
  slots[4] = nullptr;                                          // rbx
  slots[5] = nullptr;                                          // rbp
  slots[6] = reinterpret_cast<void*>(&sluice_mc_trampoline);   // return address
  ctx.sp = slots;
}

void fiber_switch(fiber_context& from, fiber_context& to) { sluice_mc_switch(&from.sp, to.sp); }

#else

void fiber_prepare(fiber_context& ctx, char* base, std::size_t size, void (*entry)(void*), void* arg) {
  getcontext(&ctx.uc);
  ctx.uc.uc_stack.ss_sp = base;
  ctx.uc.uc_stack.ss_size = size;
  ctx.uc.uc_link = nullptr;
  makecontext(&ctx.uc, reinterpret_cast<void (*)()>(entry), 1, arg);
}

void fiber_switch(fiber_context& from, fiber_context& to) { swapcontext(&from.uc, &to.uc); }

#endif

}  // namespace sluice::model::rt
