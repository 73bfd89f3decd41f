// tools/ordering_price_tu.cpp — one send and one receive per channel flavor, for counting the
// barriers and acquire/release instructions each compiles to (tools/ordering_price.py, AArch64).
//
// Contract: each `price_*` function is extern "C" and not inlined, so its body and the
// functions it calls in this translation unit are the cost of one send + one receive on that
// flavor (std_platform, int messages). bounded(N) and bounded(1) are one function: the array
// flavor's capacity is a run-time value, so its code does not depend on N.
#include <sluice/sluice.hpp>

namespace {
using P = sluice::std_platform;
namespace d = sluice::detail;

template <class Flavor>
int send_recv(Flavor& ch) {
  d::stored_t<int, P> msg{1};
  (void)ch.send(msg, nullptr, nullptr);
  d::uninit<d::stored_t<int, P>> out;
  if (ch.recv(out, nullptr, nullptr) != d::status::ok) return -1;
  return out.take();
}
}  // namespace

extern "C" {
[[gnu::noinline]] int price_bounded(d::array_flavor<d::stored_t<int, P>, P>& ch) { return send_recv(ch); }
[[gnu::noinline]] int price_rendezvous(d::zero_flavor<d::stored_t<int, P>, P>& ch) { return send_recv(ch); }
[[gnu::noinline]] int price_unbounded(d::list_flavor<d::stored_t<int, P>, P>& ch) { return send_recv(ch); }
[[gnu::noinline]] int price_spsc_ring(d::spsc_ring_flavor<d::stored_t<int, P>, P>& ch) { return send_recv(ch); }
[[gnu::noinline]] int price_spsc_unbounded(d::spsc_list_flavor<d::stored_t<int, P>, P>& ch) { return send_recv(ch); }
[[gnu::noinline]] int price_oneshot(d::oneshot_state<d::stored_t<int, P>, P>& st) {
  d::stored_t<int, P> msg{1};
  (void)st.send(msg);
  d::uninit<d::stored_t<int, P>> out;
  if (st.recv(out, nullptr, nullptr) != d::status::ok) return -1;
  return out.take();
}
}
