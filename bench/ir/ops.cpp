// bench/ir/ops.cpp — a fixed number of uncontended operations, for instruction counts under
// callgrind (bench/ir_ab.sh). On a shared VM wall-clock micro-benchmarks move 2x between runs;
// instructions executed per operation do not, so a same-source A/B of two commits is exact.
//   ops WORKLOAD   (bcast | unb | b1 | tryempty | sel): 100,000 iterations of one operation pair
#include <sluice/sluice.hpp>
#include <sluice/broadcast.hpp>
#include <cstdio>
#include <string>
int main(int argc, char** argv) {
  std::string w = argv[1];
  const long n = 100000;
  long sum = 0;
  if (w == "bcast") {
    auto [tx, rx] = sluice::broadcast<long>(16);
    for (long i = 0; i < n; ++i) { (void)tx.send(i); auto r = rx.recv(); sum += *r; }
  } else if (w == "unb") {
    auto [tx, rx] = sluice::unbounded<long>();
    for (long i = 0; i < n; ++i) { (void)tx.send(i); auto r = rx.recv(); sum += *r; }
  } else if (w == "b1") {
    auto [tx, rx] = sluice::bounded<long>(1);
    for (long i = 0; i < n; ++i) { (void)tx.send(i); auto r = rx.recv(); sum += *r; }
  } else if (w == "tryempty") {
    auto [tx, rx] = sluice::bounded<long>(1);
    for (long i = 0; i < n; ++i) { auto r = rx.try_recv(); sum += r.has_value(); }
  } else if (w == "sel") {
    auto [tx, rx] = sluice::bounded<long>(4);
    auto [tx2, rx2] = sluice::bounded<long>(4);
    for (long i = 0; i < n; ++i) { (void)tx.send(i); sluice::select(sluice::on_recv(rx, [&](auto r){ sum += *r; }), sluice::on_recv(rx2, [&](auto r){ sum += *r; })); }
  }
  std::printf("%ld\n", sum);
}
