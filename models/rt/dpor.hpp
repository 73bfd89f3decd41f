// models/rt/dpor.hpp — the exhaustive mode's partial-order reduction (dpor.cpp).
//
// Contract: a transition is what one model thread does between two scheduling points: the
// operation it was about to perform (its `pending_op`, known while it waits) plus the local code
// after it. The scheduler opens a transition when it hands the CPU to a thread and closes it at
// the next scheduling point; dpor_close() derives what the transition touched from the events it
// recorded, computes the transition's place in the trace's happens-before (vector clocks over
// transitions), finds the races it closes with earlier transitions and adds backtrack threads to
// the earlier thread choices (source-DPOR), and updates the sleep set. With the reduction off
// (dfs, random, pct) only the bookkeeping the scheduler needs runs, and only when thread end and
// join are scheduling points (replaying an "mc2:" string).
#pragma once

#include <cstddef>
#include <cstdint>

#include "choices.hpp"

namespace sluice::model::rt {

struct atomic_slot;

// What a waiting thread will touch when it runs; the sleep set compares it with what other
// transitions touched. `global` (the default) conflicts with everything.
enum class pending_kind : std::uint8_t { none, read, write, yield, fence, parker, join, finish, free_block, global };

struct pending_op {
  pending_kind kind = pending_kind::global;
  const void* addr = nullptr;  // read, write, parker, free_block
  std::size_t bytes = 0;       // free_block
  int tid = -1;                // join, finish
  // An atomic load, seq_cst included, not an await attempt (read-from-aware sleep sets): its
  // atomic, and that it qualifies. Such a sleeping load stays asleep, restricted, when a write
  // to its atomic runs.
  const atomic_slot* slot = nullptr;
  bool plain_load = false;
  // The write sleep sets (options::write_sleep): an RMW or compare-exchange (`rmw`), or a plain
  // store (`plain_store`), of the atomic `slot`.
  bool rmw = false;
  bool plain_store = false;
};

inline constexpr std::size_t no_point = ~std::size_t{0};

void dpor_reset();
// A transition of `tid` starts; `point` is the path index of the thread choice that picked it
// (no_point when there was only one candidate). `global`: it conflicts with everything.
void dpor_open(int tid, std::size_t point, bool global);
void dpor_close();
void dpor_note_parker(std::uint32_t parker_id);  // a woken park consumes the token
// A blocked await attempt (memory_model.cpp) read atomic `loc` (a location id) and recorded no
// event: the transition still reads it, so a later store to it races with the attempt.
void dpor_note_await(std::uint32_t loc);
void dpor_note_nested();                         // a stop callback ran inside this transition
void dpor_note_spawn(int child);
// The threads asleep at this scheduling point: the sleep set, plus every thread whose sleeping
// load was restricted by a write (see dpor.cpp) and can read no store that is new to it.
thread_mask dpor_sleep() noexcept;
// Called by a load, an RMW or a compare-exchange right after its scheduling point: if the
// transition runs a restricted sleeping load or RMW, the first store id it may read (stores older
// than that are explored elsewhere); `none` (~0) otherwise. Clears the restriction.
std::uint32_t dpor_take_rf_restriction() noexcept;

}  // namespace sluice::model::rt
