// Sends through each flavor of an installed sluice; exits non-zero if a message goes astray.
#include <sluice/sluice.hpp>

#include <thread>

int main() {
  auto [tx, rx] = sluice::bounded<int>(4);
  std::thread t([tx = std::move(tx)]() mutable {
    for (int i = 0; i < 1000; ++i) tx.send(int(i));
  });
  long sum = 0;
  for (int v : rx) sum += v;
  t.join();
  auto [utx, urx] = sluice::unbounded<int>();
  utx.send(7);
  return (sum == 999L * 1000 / 2 && *urx.recv() == 7) ? 0 : 1;
}
