// The Asio adapter at every suspension point: per-operation cancellation through Asio
// cancellation slots (each cancellation type; a waiting receive loses nothing and the next
// message goes to the next receiver; a waiting send hands its message back exactly once or
// counts as delivered; races of cancellation against a partner; cancellation after the
// completion was posted; the awaitable || operator); destruction of the io_context with
// operations waiting, completions posted, and partners racing (no leak, no double destroy:
// counted messages and handlers); and executor_scheduler (schedule, schedule_at).
#include <gtest/gtest.h>

#include <asio/experimental/awaitable_operators.hpp>

#include <future>
#include <latch>
#include <string>
#include <variant>

#include "harness.hpp"

namespace {

using namespace sluice_asio_test;
using namespace std::chrono_literals;
namespace sa = sluice::asio;
using strand_t = asio::strand<asio::io_context::executor_type>;

const int caps[] = {-1, 0, 4};  // unbounded, rendezvous, bounded(4)
std::string name(int cap) { return cap < 0 ? "unbounded" : cap == 0 ? "rendezvous" : "bounded(" + std::to_string(cap) + ")"; }
template <class T>
std::pair<sluice::sender<T>, sluice::receiver<T>> make(int cap) {
  return cap < 0 ? sluice::unbounded<T>() : sluice::bounded<T>(static_cast<std::size_t>(cap));
}

// A short busy loop of a length that varies with i, to spread the races' interleavings.
void spin(int i) {
  const int n = (i * 7919) % 40000;
  volatile int k = 0;
  while (k < n) k = k + 1;
}

const asio::cancellation_type all_types[] = {asio::cancellation_type::terminal, asio::cancellation_type::partial,
                                             asio::cancellation_type::total};

// Starts an async_recv on `strand` (the cancellation signal is used on the strand only, as
// Asio requires) whose callback checks its executor and fulfils `out`.
void start_recv_on(strand_t strand, const sluice::receiver<int>& rx, asio::cancellation_signal& sig,
                   std::promise<sluice::recv_result<int>>& out, std::atomic<int>& calls, std::atomic<int>& off_strand) {
  asio::post(strand, [&, strand] {
    sa::async_recv(rx, asio::bind_cancellation_slot(sig.slot(), asio::bind_executor(strand, [&, strand](sluice::recv_result<int> r) {
                                                     ++calls;
                                                     if (!strand.running_in_this_thread()) ++off_strand;
                                                     out.set_value(std::move(r));
                                                   })));
  });
}

// --- a waiting receive ------------------------------------------------------------------------------

TEST(AsioCancel, AWaitingReceiveIsCancelledByEveryCancellationTypeAndLosesNothing) {
  for (int cap : caps) {
    for (auto type : all_types) {
      io_runner io(2);
      strand_t strand = asio::make_strand(io.io());
      auto [tx, rx] = make<int>(cap);
      asio::cancellation_signal sig;
      std::promise<sluice::recv_result<int>> first;
      std::atomic<int> calls{0}, off_strand{0};
      start_recv_on(strand, rx, sig, first, calls, off_strand);
      asio::post(strand, [&] { sig.emit(type); });  // after the initiation: the receive waits
      auto r = first.get_future().get();
      ASSERT_FALSE(r) << name(cap);
      EXPECT_EQ(r.error(), sluice::errc::cancelled) << name(cap);

      // Nothing lost: the next receiver gets the next message.
      std::future<sluice::recv_result<int>> second = sa::async_recv(rx, asio::bind_executor(strand, asio::use_future));
      ASSERT_TRUE(tx.send(5)) << name(cap);  // rendezvous: completes when `second` takes it
      EXPECT_EQ(second.get().value(), 5) << name(cap);
      EXPECT_EQ(rx.try_recv().error(), sluice::errc::empty) << name(cap);
      io.join();
      EXPECT_EQ(calls.load(), 1) << name(cap);
      EXPECT_EQ(off_strand.load(), 0) << name(cap);
    }
  }
}

// Cancellation racing a sender: the receive either has the message or was cancelled, and
// then the message is still in the channel; every message is received exactly once.
TEST(AsioCancel, ReceiveCancellationRacingASendLosesAndDuplicatesNothing) {
  for (int cap : caps) {
    io_runner io(2);
    strand_t strand = asio::make_strand(io.io());
    auto [tx, rx] = make<int>(cap);
    auto [cmd_tx, cmd_rx] = sluice::unbounded<int>();
    std::thread sender([tx = std::move(tx), cmd_rx = std::move(cmd_rx)] {
      while (auto v = cmd_rx.recv()) ASSERT_TRUE(tx.send(int(*v)));  // rendezvous: until received
    });
    constexpr int rounds = 1500;
    int taken = 0, drained = 0;
    std::atomic<int> calls{0}, off_strand{0};
    for (int i = 0; i < rounds; ++i) {
      asio::cancellation_signal sig;
      std::promise<sluice::recv_result<int>> out;
      start_recv_on(strand, rx, sig, out, calls, off_strand);
      if (i % 2) {
        ASSERT_TRUE(cmd_tx.send(int(i)));
      }
      spin(i);  // varies the interleaving (not a synchronization: any outcome is checked)
      asio::post(strand, [&] { sig.emit(asio::cancellation_type::terminal); });
      if (i % 2 == 0) {
        ASSERT_TRUE(cmd_tx.send(int(i)));
      }
      auto r = out.get_future().get();
      if (r) {
        EXPECT_EQ(*r, i) << name(cap);
        ++taken;
      } else {
        EXPECT_EQ(r.error(), sluice::errc::cancelled) << name(cap);
        EXPECT_EQ(rx.recv().value(), i) << name(cap);  // still there for the next receiver
        ++drained;
      }
      // `sig` dies here; its slot's handler may outlive the operation harmlessly.
      asio::post(strand, asio::use_future).get();  // the strand no longer uses `sig`
    }
    cmd_tx = {};
    sender.join();
    EXPECT_EQ(taken + drained, rounds) << name(cap);
    EXPECT_EQ(rx.try_recv().error(), sluice::errc::closed) << name(cap);
    io.join();
    EXPECT_EQ(calls.load(), rounds);
    EXPECT_EQ(off_strand.load(), 0);
    std::printf("[ info ] %s: %d received by the racing receive, %d left for the next receiver\n",
                name(cap).c_str(), taken, drained);
  }
}

// --- a waiting send ---------------------------------------------------------------------------------

TEST(AsioCancel, AWaitingSendIsCancelledAndHandsItsMessageBackExactlyOnce) {
  for (int cap : {0, 1}) {
    for (auto type : all_types) {
      {
        io_runner io(2);
        strand_t strand = asio::make_strand(io.io());
        auto [tx, rx] = sluice::bounded<counted>(static_cast<std::size_t>(cap));
        if (cap == 1) {
          ASSERT_TRUE(tx.send(counted(0)));  // full: the next send waits
        }
        asio::cancellation_signal sig;
        std::promise<sluice::send_result<counted>> out;
        std::atomic<int> calls{0};
        asio::post(strand, [&, strand, tx = tx] {
          sa::async_send(tx, counted(42),
                         asio::bind_cancellation_slot(sig.slot(), asio::bind_executor(strand, [&, strand](sluice::send_result<counted> r) {
                                                          ++calls;
                                                          EXPECT_TRUE(strand.running_in_this_thread());
                                                          out.set_value(std::move(r));
                                                        })));
        });
        asio::post(strand, [&] { sig.emit(type); });
        auto r = out.get_future().get();
        ASSERT_FALSE(r) << name(cap);
        EXPECT_EQ(r.error().code, sluice::errc::cancelled);
        EXPECT_EQ(r.error().message.v, 42);  // handed back
        EXPECT_EQ(counted::live.load(), cap == 1 ? 2 : 1);  // the message in r (+ the buffered one)
        if (cap == 1) {
          EXPECT_EQ(rx.try_recv()->v, 0);
        }
        EXPECT_EQ(rx.try_recv().error(), sluice::errc::empty);  // the cancelled message is not in the channel
        io.join();
        EXPECT_EQ(calls.load(), 1);
      }
      EXPECT_EQ(counted::live.load(), 0) << name(cap);
    }
  }
}

// A waiting send whose message a receiver took completes successfully; a cancellation that
// comes afterwards changes nothing.
TEST(AsioCancel, ASendWhoseMessageWasTakenCountsAsDeliveredDespiteALaterCancellation) {
  io_runner io(2);
  strand_t strand = asio::make_strand(io.io());
  auto [tx, rx] = sluice::bounded<int>(0);
  asio::cancellation_signal sig;
  std::promise<sluice::send_result<int>> out;
  asio::post(strand, [&, tx = tx] {
    sa::async_send(tx, 21, asio::bind_cancellation_slot(sig.slot(), asio::bind_executor(strand, [&](sluice::send_result<int> r) {
                     out.set_value(std::move(r));
                   })));
  });
  EXPECT_EQ(rx.recv().value(), 21);  // takes it from the waiting send
  asio::post(strand, [&] { sig.emit(asio::cancellation_type::terminal); });
  EXPECT_TRUE(out.get_future().get());
  asio::post(strand, asio::use_future).get();
}

// Cancellation racing a receiver on a rendezvous: the send either completes (the receiver has
// the message) or is cancelled with the message handed back (the receiver does not have it).
TEST(AsioCancel, SendCancellationRacingAReceiverDeliversOrHandsBackExactlyOnce) {
  io_runner io(2);
  strand_t strand = asio::make_strand(io.io());
  auto [tx, rx] = sluice::bounded<int>(0);
  auto [go_tx, go_rx] = sluice::unbounded<int>();
  auto [report_tx, report_rx] = sluice::unbounded<int>();
  std::thread receiver([rx = std::move(rx), go_rx = std::move(go_rx), report_tx = std::move(report_tx)] {
    while (go_rx.recv()) ASSERT_TRUE(report_tx.send(rx.recv().value()));
  });
  constexpr int rounds = 1500;
  int delivered = 0, handed_back = 0;
  for (int i = 0; i < rounds; ++i) {
    asio::cancellation_signal sig;
    std::promise<sluice::send_result<int>> out;
    asio::post(strand, [&, tx = tx, i] {
      sa::async_send(tx, int(i), asio::bind_cancellation_slot(sig.slot(), [&](sluice::send_result<int> r) {
                       out.set_value(std::move(r));
                     }));
    });
    if (i % 2) {
      ASSERT_TRUE(go_tx.send(1));
    }
    spin(i);  // varies the interleaving (not a synchronization: any outcome is checked)
    asio::post(strand, [&] { sig.emit(asio::cancellation_type::terminal); });
    if (i % 2 == 0) {
      ASSERT_TRUE(go_tx.send(1));
    }
    auto r = out.get_future().get();
    if (r) {
      EXPECT_EQ(report_rx.recv().value(), i);  // the receiver has it
      ++delivered;
    } else {
      EXPECT_EQ(r.error().code, sluice::errc::cancelled);
      EXPECT_EQ(r.error().message, i);  // handed back, so the receiver must not have it:
      ASSERT_TRUE(tx.send(-1));         // it takes this one instead
      EXPECT_EQ(report_rx.recv().value(), -1);
      ++handed_back;
    }
    asio::post(strand, asio::use_future).get();  // the strand no longer uses `sig`
  }
  go_tx = {};
  receiver.join();
  EXPECT_EQ(delivered + handed_back, rounds);
  std::printf("[ info ] %d sends delivered, %d cancelled and handed back\n", delivered, handed_back);
}

// --- after completion: the completion is posted, not yet run ---------------------------------------------

TEST(AsioCancel, CancellationAfterTheOperationCompletedHasNoEffect) {
  for (int cap : {-1, 4}) {
    asio::io_context io;  // not running yet: completions wait in its queue
    auto [tx, rx] = make<int>(cap);
    ASSERT_TRUE(tx.send(8));
    asio::cancellation_signal recv_sig, send_sig;
    std::optional<sluice::recv_result<int>> got;
    std::optional<sluice::send_result<int>> sent;
    sa::async_recv(io.get_executor(), rx,
                   asio::bind_cancellation_slot(recv_sig.slot(), [&](sluice::recv_result<int> r) { got.emplace(std::move(r)); }));
    sa::async_send(io.get_executor(), tx, 9,
                   asio::bind_cancellation_slot(send_sig.slot(), [&](sluice::send_result<int> r) { sent.emplace(std::move(r)); }));
    EXPECT_FALSE(got.has_value());  // never inside the initiating function
    EXPECT_FALSE(sent.has_value());
    recv_sig.emit(asio::cancellation_type::terminal);
    send_sig.emit(asio::cancellation_type::terminal);
    io.run();
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->value(), 8) << name(cap);
    ASSERT_TRUE(sent.has_value());
    EXPECT_TRUE(*sent) << name(cap);
    EXPECT_EQ(rx.try_recv().value(), 9);
  }
}

// --- the awaitable operators --------------------------------------------------------------------------

asio::awaitable<void> recv_or_timeout(sluice::receiver<int> rx, sluice::sender<int> tx, std::promise<std::string>* out) {
  using namespace asio::experimental::awaitable_operators;
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex, 2ms);
  // The channel is empty: the timer wins, and || cancels the receive (terminal).
  auto first = co_await (sa::async_recv(rx, asio::use_awaitable) || timer.async_wait(asio::use_awaitable));
  std::string log = first.index() == 1 ? "timer" : "recv";
  // Nothing was lost: the next receive gets the next message.
  asio::post(ex, [tx] { (void)tx.try_send(11); });
  timer.expires_after(1h);
  auto second = co_await (sa::async_recv(rx, asio::use_awaitable) || timer.async_wait(asio::use_awaitable));
  if (second.index() == 0) log += std::get<0>(second) ? " " + std::to_string(*std::get<0>(second)) : " error";
  out->set_value(log);
}

TEST(AsioCancel, TheAwaitableOrOperatorCancelsTheLosingReceive) {
  for (int cap : {-1, 4}) {
    io_runner io(2);
    auto [tx, rx] = make<int>(cap);
    std::promise<std::string> out;
    asio::co_spawn(io.io(), recv_or_timeout(rx, tx, &out), asio::detached);
    EXPECT_EQ(out.get_future().get(), "timer 11") << name(cap);
  }
}

// --- destroying the io_context --------------------------------------------------------------------------

asio::awaitable<void> recv_forever(sluice::receiver<counted> rx, std::atomic<int>* resumed) {
  counted frame_local(102);
  (void)co_await sa::async_recv(rx, asio::use_awaitable);
  ++*resumed;  // never: the context is destroyed while it waits
}

TEST(AsioShutdown, DestroyingTheIoContextWithWaitingOperationsLeaksNothingAndInvokesNothing) {
  {
    auto [tx, rx] = sluice::bounded<counted>(1);
    ASSERT_TRUE(tx.send(counted(1)));  // full
    auto [tx0, rx0] = sluice::bounded<counted>(0);
    std::atomic<int> invoked{0};
    {
      asio::io_context io;
      // A waiting send (the channel is full); its handler owns a counted object.
      sa::async_send(io.get_executor(), tx, counted(2), [g = counted(100), &invoked](sluice::send_result<counted>) { ++invoked; });
      // Two waiting receives on the empty rendezvous.
      for (int i = 0; i < 2; ++i)
        sa::async_recv(io.get_executor(), rx0, [g = counted(101), &invoked](sluice::recv_result<counted>) { ++invoked; });
      // An Asio coroutine waiting in async_recv, with a counted object in its frame.
      asio::co_spawn(io, recv_forever(rx0, &invoked), asio::detached);
      io.poll();  // runs the coroutine up to its wait
      EXPECT_EQ(invoked.load(), 0);
      // The buffered message, the one being sent (in the operation), 3 handler guards, the frame's.
      EXPECT_EQ(counted::live.load(), 6);
    }  // every operation is cancelled and every handler destroyed, unrun
    EXPECT_EQ(invoked.load(), 0);
    EXPECT_EQ(counted::live.load(), 1);  // the buffered message only
    EXPECT_EQ(rx.try_recv()->v, 1);
    EXPECT_EQ(rx.try_recv().error(), sluice::errc::empty);  // the abandoned send is not in the channel
    EXPECT_EQ(tx0.try_send(counted(3)).error().code, sluice::errc::full);  // no receiver is left waiting
  }
  EXPECT_EQ(counted::live.load(), 0);
}

TEST(AsioShutdown, DestroyingTheIoContextDestroysPostedCompletionsOnce) {
  {
    auto [tx, rx] = sluice::unbounded<counted>();
    ASSERT_TRUE(tx.send(counted(1)));
    std::atomic<int> invoked{0};
    {
      asio::io_context io;  // never run
      // Completes at once (a message is there): the completion, holding the message, is posted.
      sa::async_recv(io.get_executor(), rx, [g = counted(100), &invoked](sluice::recv_result<counted>) { ++invoked; });
      sa::async_send(io.get_executor(), tx, counted(2), [g = counted(101), &invoked](sluice::send_result<counted>) { ++invoked; });
      EXPECT_EQ(counted::live.load(), 4);  // message 1 (in the posted completion), message 2 (buffered), 2 guards
    }
    EXPECT_EQ(invoked.load(), 0);
    EXPECT_EQ(counted::live.load(), 1);  // message 2, buffered
    EXPECT_EQ(rx.try_recv()->v, 2);
  }
  EXPECT_EQ(counted::live.load(), 0);
}

// The io_context is stopped and destroyed while a thread sends to the channel its operations
// wait on: each operation is completed by the sender or cancelled by the shutdown, and every
// message and handler is destroyed exactly once (the counted type aborts on a double destroy).
TEST(AsioShutdown, DestroyingTheIoContextWhileASenderRacesLeaksNothing) {
  for (int cap : caps) {
    for (int round = 0; round < 60; ++round) {
      auto [tx, rx] = make<counted>(cap);
      std::atomic<int> received{0};
      int sent = 0;
      {
        auto io = std::make_unique<io_runner>(2);
        for (int k = 0; k < 6; ++k)  // six receivers, four messages: two always wait
          sa::async_recv(io->executor(), rx, [g = counted(-1), &received](sluice::recv_result<counted> r) {
            if (r) ++received;
          });
        if (round % 3 == 0) io->io().stop();
        std::thread sender([&sent, tx = tx] {
          for (int j = 0; j < 4; ++j) sent += tx.try_send(counted(j)).has_value();
        });
        if (round % 3 == 1) io->io().stop();
        if (round % 3 == 2) {
          sender.join();
          io->io().stop();
        }
        io.reset();  // joins the runners and destroys the context, the sender possibly still running
        if (sender.joinable()) sender.join();
      }
      int left = 0;
      while (rx.try_recv()) ++left;
      EXPECT_LE(received.load() + left, sent) << name(cap);
      EXPECT_EQ(counted::live.load(), 0) << name(cap);
    }
  }
}

// --- executor_scheduler -------------------------------------------------------------------------------------

template <class Sched>
struct at {
  Sched& s;
  std::chrono::steady_clock::time_point tp;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) { s.schedule_at(tp, h); }
  void await_resume() const noexcept {}
};

on<sa::executor_scheduler<strand_t>> wake_at(sa::executor_scheduler<strand_t>& s, std::chrono::steady_clock::time_point tp,
                                             strand_t strand, std::atomic<int>* early, std::atomic<int>* off, std::latch* done) {
  co_await at<sa::executor_scheduler<strand_t>>{s, tp};
  if (std::chrono::steady_clock::now() < tp) ++*early;
  if (!strand.running_in_this_thread()) ++*off;
  done->count_down();
}

TEST(AsioScheduler, ScheduleAtResumesOnTheExecutorNotBeforeTheTimePoint) {
  io_runner io(2);
  strand_t strand = asio::make_strand(io.io());
  sa::executor_scheduler<strand_t> sched(strand);
  std::atomic<int> early{0}, off{0};
  constexpr int n = 20;
  std::latch done(n);
  const auto now = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) wake_at(sched, now + std::chrono::microseconds((i * 7919) % 3000), strand, &early, &off, &done);
  done.wait();
  EXPECT_EQ(early.load(), 0);
  EXPECT_EQ(off.load(), 0);
}

on<sa::executor_scheduler<strand_t>> recv_via(sa::executor_scheduler<strand_t>& s, sluice::receiver<int> rx, strand_t strand,
                                              std::promise<bool>* on_strand) {
  auto r = co_await rx.async_recv(s);  // explicit scheduler argument
  on_strand->set_value(r.has_value() && strand.running_in_this_thread());
}

TEST(AsioScheduler, ANativeCoroutineResumesOnTheExecutorThroughSchedule) {
  io_runner io(2);
  strand_t strand = asio::make_strand(io.io());
  sa::executor_scheduler<strand_t> sched(strand);
  auto [tx, rx] = sluice::bounded<int>(0);
  std::promise<bool> on_strand;
  recv_via(sched, rx, strand, &on_strand);  // waits: nothing sent
  ASSERT_TRUE(tx.send(1));                  // wakes it from this thread; it resumes on the strand
  EXPECT_TRUE(on_strand.get_future().get());
}

TEST(AsioScheduler, ConstructibleFromAContextAndAnyIoExecutor) {
  asio::io_context io;
  sa::executor_scheduler from_context(io);
  static_assert(std::is_same_v<decltype(from_context), sa::executor_scheduler<asio::io_context::executor_type>>);
  sa::executor_scheduler<> erased(asio::any_io_executor(io.get_executor()));
  static_assert(sluice::scheduler<decltype(erased)>);
  EXPECT_TRUE(erased.get_executor() == asio::any_io_executor(io.get_executor()));
}

// The core's async timeouts take a timer scheduler (sluice::timer_scheduler: schedule_at(tp,
// h)): executor_scheduler is one, and times out an async_recv_for on its strand.
static_assert(sluice::timer_scheduler<sa::executor_scheduler<>>);
static_assert(sluice::timer_scheduler<sa::executor_scheduler<strand_t>>);

on<sa::executor_scheduler<strand_t>> recv_for_on(sa::executor_scheduler<strand_t>& s, sluice::receiver<int> rx, strand_t strand,
                                                 std::promise<std::string>* out) {
  auto r = co_await rx.async_recv_for(2ms, s);
  out->set_value(r ? "message" : std::string(sluice::to_string(r.error())) +
                                     (strand.running_in_this_thread() ? " on the strand" : " elsewhere"));
}

TEST(AsioScheduler, ServesAsTheTimerOfTheCoresAsyncTimeouts) {
  io_runner io(2);
  strand_t strand = asio::make_strand(io.io());
  sa::executor_scheduler<strand_t> sched(strand);
  auto [tx, rx] = sluice::bounded<int>(1);
  std::promise<std::string> out;
  recv_for_on(sched, rx, strand, &out);  // nothing is ever sent
  EXPECT_EQ(out.get_future().get(), "timed out on the strand");
}

}  // namespace
