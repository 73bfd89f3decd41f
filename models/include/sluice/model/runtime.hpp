// sluice/model/runtime.hpp — the entry points the platform shims forward to (models/rt/).
//
// Contract: every function that models a visible operation is a scheduling point: the current
// model thread may be switched out before the operation takes effect. Values cross this
// boundary as 64-bit patterns; the shim converts. Called outside a running check (static
// objects, destructors after the last execution), the shims bypass the runtime and act on
// plain memory (see active()).
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>

#include "sluice/model/source_location.hpp"

namespace sluice::model::rt {

// An ordering as written at the call site: its value and, for core's named orderings, its name.
struct order_ref {
  std::memory_order order;
  const char* name;  // nullptr for a bare std::memory_order
};

enum class rmw_op : std::uint8_t { exchange, add, sub, bit_or, bit_and };

// Per-object handles. `gen` ties the handle to one execution; a stale handle is re-registered.
struct atomic_slot {
  std::uint64_t shadow;  // the modification-order-last value (used outside executions)
  std::uint32_t gen = 0;
  std::uint32_t id = 0;
};

struct cell_meta {
  std::uint32_t gen = 0;
  std::uint32_t id = 0;
};

struct parker_slot {
  std::uint32_t gen = 0;
  std::uint32_t id = 0;
};

bool active() noexcept;

void atomic_init(atomic_slot& s, const void* addr, std::uint64_t v, unsigned bytes, const source_location& loc);
void atomic_destroy(atomic_slot& s);
std::uint64_t atomic_load(atomic_slot& s, const void* addr, order_ref o, const source_location& loc);
void atomic_store(atomic_slot& s, const void* addr, std::uint64_t v, order_ref o, const source_location& loc);
std::uint64_t atomic_rmw(atomic_slot& s, const void* addr, rmw_op op, std::uint64_t operand,
                         order_ref o, const source_location& loc);
bool atomic_cas(atomic_slot& s, const void* addr, std::uint64_t& expected, std::uint64_t desired,
                bool weak, order_ref success, order_ref failure, const source_location& loc);
// An await load (core's detail::await_load; memory_model.cpp): one load that reads only a
// store whose value `test(ctx, value)` accepts; while none is readable the thread blocks until
// the atomic is written, then tries again. A blocked attempt records nothing.
using await_test = bool (*)(const void* ctx, std::uint64_t value);
std::uint64_t atomic_await(atomic_slot& s, const void* addr, order_ref o, await_test test, const void* ctx,
                           const source_location& loc);
void fence(order_ref o, const source_location& loc);

void cell_init(cell_meta& m, const void* addr, const source_location& loc);
void cell_access(cell_meta& m, const void* addr, bool write, const source_location& loc);
void cell_destroy(cell_meta& m, const void* addr, const source_location& loc);

void parker_init(parker_slot& p);
bool park(parker_slot& p, bool timed, std::int64_t deadline_ns, const source_location& loc);
void unpark(parker_slot& p, const source_location& loc);
// The platform lock (locks.cpp): a parker-table object; lock blocks while another thread holds it.
void lock_acquire(parker_slot& l, order_ref o, const source_location& loc);
void lock_release(parker_slot& l, order_ref o, const source_location& loc);
std::int64_t now_ns() noexcept;
// True when `name` is one of the comma-separated names in SLUICE_MC_MUTANT (read once).
bool mutant_enabled(const char* name) noexcept;

// A checker choice in [0, n): every search mode explores it (exhaustive: each value), replay
// reproduces it. Not a scheduling point. Outside a check: a cheap pseudo-random value.
std::size_t random_index(std::size_t n, const source_location& loc) noexcept;

void yield(const source_location& loc);       // spin_hint / yield_now
// Resumes `h` now on the current model thread, or, if that thread is already inside such a
// resumption, after it returns (core's inline-resumption trampoline, kept per model thread:
// model threads are fibers of one OS thread, so a thread_local would be shared by all of them
// and would outlive an execution the checker abandons).
void resume_inline(std::coroutine_handle<> h);
void test_delay(const source_location& loc);  // a forced scheduling point

void* allocate(std::size_t bytes, std::size_t align, const source_location& loc);
void deallocate(void* p, std::size_t bytes, std::size_t align, const source_location& loc);
// Whether p is a platform allocation of this execution that has been freed (freed blocks stay
// quarantined until the execution ends, so the answer is exact). Not an operation.
bool is_freed_allocation(const void* p) noexcept;

std::uintptr_t thread_id() noexcept;

// Test threads. entry(arg) runs on a new model thread; destroy(arg) frees the closure.
int spawn(void (*entry)(void*), void* arg, void (*destroy)(void*), const source_location& loc);
void join(int tid, const source_location& loc);

// Runs a region (a stop callback) without preemption; its operations are still recorded.
void no_preempt_begin() noexcept;
void no_preempt_end() noexcept;

[[noreturn]] void assert_fail(const char* expr, const source_location& loc);
[[noreturn]] void usage_fail(const char* what, const source_location& loc);

}  // namespace sluice::model::rt
