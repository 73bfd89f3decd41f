#include <sluice/sluice.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

int main() {
  using namespace std::chrono_literals;

  // A bounded MPMC channel: senders and receivers are handles; copying one clones it.
  auto [tx, rx] = sluice::bounded<std::string>(16);

  std::jthread producer([tx = std::move(tx)] {  // the thread owns the only sender
    for (int i = 0; i < 3; ++i) tx.send("job " + std::to_string(i));
  });  // when the thread ends, the last sender is gone and the channel closes

  int received = 0;
  for (std::string& job : rx) {  // blocking iteration: ends once closed and drained
    std::printf("got %s\n", job.c_str());
    ++received;
  }

  // Errors are values, not exceptions.
  auto r = rx.recv_for(10ms);
  if (r || r.error() != sluice::errc::closed) return 1;

  // A rendezvous channel: a send completes only when a receiver takes the message.
  auto [tx0, rx0] = sluice::bounded<int>(0);
  auto failed = tx0.try_send(42);  // nobody is receiving: errc::full, and the 42 comes back
  if (failed || failed.error().code != sluice::errc::full || failed.error().message != 42) return 1;

  return received == 3 ? 0 : 1;
}
