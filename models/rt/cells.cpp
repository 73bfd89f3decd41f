// models/rt/cells.cpp — data-race detection on plain shared memory (cell<T>).
//
// Contract: every with()/with_mut() is a scheduling point and an event. A cell remembers its
// last write (thread, timestamp, source) and, per thread, its last read since that write. A
// write races with the last write and with every recorded read that does not happen before it;
// a read races with the last write if that does not happen before it. A race fails the
// execution and names both accesses with file:line. Construction and destruction count as
// writes, so destroying a cell another thread may still read is a race too.
#include "execution.hpp"

namespace sluice::model::rt {

namespace {

cell_rec& cell_of(cell_meta& m, const void* addr) {
  execution& e = g_ex;
  if (m.gen != e.gen) {  // constructed outside this execution: no history
    m.gen = e.gen;
    m.id = static_cast<std::uint32_t>(e.cells.size());
    cell_rec& c = e.cells.emplace_back();
    c.addr = addr;
  }
  return e.cells[m.id];
}

[[noreturn]] void race(const char* first_kind, int first_tid, std::uint32_t first_step, const source_location& first,
                       const char* second_kind, const source_location& second) {
  fail_with(failure_kind::data_race, [&] {
    return std::string("data race on a cell: ") + first_kind + " by thread " + std::to_string(first_tid) + " at " +
           describe(first) + " (step " + std::to_string(first_step) + ") and " + second_kind + " by thread " +
           std::to_string(g_ex.current) + " at " + describe(second) + " (step " +
           std::to_string(g_ex.events.size()) + ") are not ordered by happens-before";
  });
}

void access(cell_meta& m, const void* addr, bool write, const source_location& loc, bool schedule) {
  execution& e = g_ex;
  if (schedule) begin_op({write ? pending_kind::write : pending_kind::read, addr, 0, -1});
  check_address(addr, loc);
  cell_rec& c = cell_of(m, addr);
  thread_rec& t = cur();
  event& ev = record(write ? op_kind::cell_write : op_kind::cell_read, loc);
  ev.loc = m.id;
  ev.post = t.clock;
  int me = e.current;
  if (c.w_ts != 0 && c.w_tid != me && c.w_ts > t.clock[c.w_tid])
    race("write", c.w_tid, c.w_step, c.w_src, write ? "write" : "read", loc);
  if (write) {
    for (int u = 0; u < max_model_threads; ++u)
      if (u != me && c.r_ts[u] != 0 && c.r_ts[u] > t.clock[u]) race("read", u, c.r_step[u], c.r_src[u], "write", loc);
    c.w_tid = static_cast<std::uint8_t>(me);
    c.w_ts = ev.ts;
    c.w_step = ev.step;
    c.w_src = loc;
    c.r_ts.fill(0);
  } else {
    c.r_ts[me] = ev.ts;
    c.r_step[me] = ev.step;
    c.r_src[me] = loc;
  }
}

}  // namespace

void cell_init(cell_meta& m, const void* addr, const source_location& loc) {
  execution& e = g_ex;
  m.gen = e.gen;
  m.id = static_cast<std::uint32_t>(e.cells.size());
  cell_rec& c = e.cells.emplace_back();
  c.addr = addr;
  access(m, addr, true, loc, false);
}

void cell_access(cell_meta& m, const void* addr, bool write, const source_location& loc) {
  access(m, addr, write, loc, true);
}

void cell_destroy(cell_meta& m, const void* addr, const source_location& loc) {
  access(m, addr, true, loc, false);
}

}  // namespace sluice::model::rt
