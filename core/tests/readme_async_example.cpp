#include <sluice/sluice.hpp>

#include <coroutine>
#include <cstdio>
#include <exception>
#include <thread>

// Any coroutine type can await a channel; this one starts at once and frees itself at the end.
struct detached {
  struct promise_type {
    detached get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
};

// A coroutine between two threads: no executor needed; it resumes on the thread that wakes it.
detached doubler(sluice::receiver<int> in, sluice::sender<int> out) {
  while (auto m = co_await in.async_recv()) co_await out.async_send(*m * 2);
}  // `in` closed and drained: the frame ends, and with it the last sender of `out`

int main() {
  auto [to_coroutine, coroutine_in] = sluice::bounded<int>(0);
  auto [coroutine_out, from_coroutine] = sluice::unbounded<int>();
  doubler(std::move(coroutine_in), std::move(coroutine_out));

  std::jthread producer([tx = std::move(to_coroutine)] {
    for (int i = 1; i <= 3; ++i) tx.send(int(i));  // a plain thread sends to the coroutine
  });

  int sum = 0;
  for (int& v : from_coroutine) sum += v;  // and a plain thread receives what it sent on
  std::printf("sum %d\n", sum);
  return sum == 12 ? 0 : 1;
}
