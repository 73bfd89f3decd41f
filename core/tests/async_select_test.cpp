// co_await sluice::async_select: exactly one case fires, on every flavor and mix of flavors;
// send cases; timeout (caller's timer) and default cases; closed channels; cancel-safety (a
// destroyed select leaves every channel as it was); exact accounting with threads, blocking
// selects and async selects competing on the same channels.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <latch>
#include <optional>
#include <thread>
#include <vector>

#include "async_support.hpp"
#include "sluice/sluice.hpp"

using namespace std::chrono_literals;
using sluice_test::counted;
using sluice_test::manual_timer;
using sluice_test::owned;
using sluice_test::pool;
using sluice_test::task;

namespace {

auto make(int cap) {
  return cap < 0 ? sluice::unbounded<int>() : sluice::bounded<int>(static_cast<std::size_t>(cap));
}
const int flavors[] = {-1, 0, 1, 3};

struct fired {
  std::optional<std::size_t> index;
  std::optional<sluice::recv_result<int>> a, b;
};

owned select_two(sluice::receiver<int> ra, sluice::receiver<int> rb, fired* out) {
  out->index = co_await sluice::async_select(sluice::on_recv(ra, [&](sluice::recv_result<int> r) { out->a.emplace(std::move(r)); }),
                                             sluice::on_recv(rb, [&](sluice::recv_result<int> r) { out->b.emplace(std::move(r)); }));
}

TEST(AsyncSelect, AReadyCaseFiresAtOnceAndTheOtherChannelIsUntouched) {
  for (int cap : {-1, 1, 3}) {
    auto [ta, ra] = make(cap);
    auto [tb, rb] = make(cap);
    ASSERT_TRUE(tb.send(2));
    fired f;
    owned c = select_two(ra, rb, &f);
    ASSERT_TRUE(c.done());
    EXPECT_EQ(f.index, 1u);
    EXPECT_FALSE(f.a.has_value());
    EXPECT_EQ(f.b->value(), 2);
    ASSERT_TRUE(ta.send(1));
    EXPECT_EQ(ra.try_recv().value(), 1);
  }
}

TEST(AsyncSelect, AWaitingSelectIsWokenByASendOnEitherChannelOfAnyFlavors) {
  for (int ca : flavors)
    for (int cb : flavors)
      for (int which = 0; which < 2; ++which) {
        auto [ta, ra] = make(ca);
        auto [tb, rb] = make(cb);
        fired f;
        owned c = select_two(ra, rb, &f);
        ASSERT_FALSE(c.done());
        std::thread t([&, ta = ta, tb = tb] { ASSERT_TRUE((which == 0 ? ta : tb).send_for(7, 10s)); });
        t.join();  // rendezvous: the send returned, so the select has the message
        ASSERT_TRUE(c.done()) << ca << ' ' << cb << ' ' << which;
        EXPECT_EQ(f.index, static_cast<std::size_t>(which));
        EXPECT_EQ((which == 0 ? f.a : f.b)->value(), 7);
        EXPECT_FALSE((which == 0 ? f.b : f.a).has_value());
        // The other channel was left as it was: a message sent there now stays there.
        auto& other_tx = which == 0 ? tb : ta;
        auto& other_rx = which == 0 ? rb : ra;
        if ((which == 0 ? cb : ca) != 0) {
          ASSERT_TRUE(other_tx.try_send(8));
          EXPECT_EQ(other_rx.try_recv().value(), 8);
        } else {
          EXPECT_EQ(other_tx.try_send(8).error().code, sluice::errc::full);  // nobody waits there
        }
      }
}

owned select_send_or_recv(sluice::sender<counted> tx, sluice::receiver<int> rx, int v, std::optional<std::size_t>* index,
                          std::optional<sluice::send_result<counted>>* sent) {
  *index = co_await sluice::async_select(
      sluice::on_send(tx, counted(v), [&](sluice::send_result<counted> r) { sent->emplace(std::move(r)); }),
      sluice::on_recv(rx, [](sluice::recv_result<int>) {}));
}

TEST(AsyncSelect, ASendCaseCompletesWhenAReceiverTakesTheMessage) {
  for (int cap : {0, 1}) {
    {
      auto [tx, rx] = sluice::bounded<counted>(static_cast<std::size_t>(cap));
      auto [ti, ri] = sluice::bounded<int>(1);
      if (cap == 1) {
        ASSERT_TRUE(tx.send(counted(0)));
      }
      std::optional<std::size_t> index;
      std::optional<sluice::send_result<counted>> sent;
      owned c = select_send_or_recv(tx, ri, 5, &index, &sent);
      ASSERT_FALSE(c.done());
      if (cap == 1) {
        EXPECT_EQ(rx.recv().value().v, 0);  // makes room: the select retries and sends
      }
      if (cap == 0) {
        EXPECT_EQ(rx.recv().value().v, 5);  // takes the message from the select's packet
      }
      ASSERT_TRUE(c.done()) << cap;
      EXPECT_EQ(index, 0u);
      ASSERT_TRUE(sent.has_value());
      EXPECT_TRUE(sent->has_value());
      if (cap == 1) {
        EXPECT_EQ(rx.try_recv().value().v, 5);
      }
    }
    EXPECT_EQ(counted::live.load(), 0) << cap;
  }
}

owned select_with_timeout(sluice::receiver<int> rx, sluice::sender<counted> tx, manual_timer* timer,
                          std::optional<std::size_t>* index, bool* timed_out) {
  *index = co_await sluice::async_select(sluice::on_recv(rx, [](sluice::recv_result<int>) { FAIL(); }),
                                         sluice::on_send(tx, counted(1), [](sluice::send_result<counted>) { FAIL(); }),
                                         sluice::on_timeout(1h, *timer, [&] { *timed_out = true; }));
}

TEST(AsyncSelect, TheTimeoutCaseFiresOnTheCallersTimerAndLeavesTheChannelsAsTheyWere) {
  for (int cap : {0, 1, 2}) {
    {
      auto [ti, ri] = make(cap);
      auto [tx, rx] = sluice::bounded<counted>(static_cast<std::size_t>(cap));
      for (int i = 0; i < cap; ++i) ASSERT_TRUE(tx.send(counted(0)));  // full
      manual_timer timer;
      std::optional<std::size_t> index;
      bool timed_out = false;
      owned c = select_with_timeout(ri, tx, &timer, &index, &timed_out);
      ASSERT_FALSE(c.done());
      timer.fire_all();
      ASSERT_TRUE(c.done()) << cap;
      EXPECT_TRUE(timed_out);
      EXPECT_EQ(index, 2u);
      EXPECT_EQ(rx.len(), static_cast<std::size_t>(cap));
      if (cap == 0) {
        EXPECT_EQ(rx.try_recv().error(), sluice::errc::empty);  // the select's message was not left behind
      }
    }
    EXPECT_EQ(counted::live.load(), 0) << cap;
  }
}

owned select_or_default(sluice::receiver<int> rx, sluice::sender<counted> tx, std::optional<std::size_t>* index) {
  *index = co_await sluice::async_select(sluice::on_recv(rx, [](sluice::recv_result<int>) {}),
                                         sluice::on_send(tx, counted(1), [](sluice::send_result<counted>) {}),
                                         sluice::on_default([] {}));
}

TEST(AsyncSelect, TheDefaultCaseFiresWhenNothingIsReady) {
  {
    auto [ti, ri] = sluice::bounded<int>(0);
    auto [tx, rx] = sluice::bounded<counted>(0);
    std::optional<std::size_t> index;
    owned c = select_or_default(ri, tx, &index);
    ASSERT_TRUE(c.done());
    EXPECT_EQ(index, 2u);
  }
  EXPECT_EQ(counted::live.load(), 0);
}

TEST(AsyncSelect, AClosedChannelsCaseFiresWithClosed) {
  for (int cap : flavors) {
    auto [ta, ra] = make(cap);
    auto [tb, rb] = make(cap);
    fired f;
    owned c = select_two(ra, rb, &f);
    ASSERT_FALSE(c.done());
    ta.close();
    ASSERT_TRUE(c.done()) << cap;
    EXPECT_EQ(f.index, 0u);
    EXPECT_EQ(f.a->error(), sluice::errc::closed);
    EXPECT_FALSE(f.b.has_value());
  }
}

TEST(AsyncSelect, DestroyingASuspendedSelectLeavesEveryChannelAsItWas) {
  for (int ca : flavors)
    for (int cb : flavors) {
      {
        auto [ta, ra] = make(ca);
        auto [tb, rb] = make(cb);
        auto [ts, rs] = sluice::bounded<counted>(0);
        fired f;
        std::optional<std::size_t> index;
        std::optional<sluice::send_result<counted>> sent;
        {
          owned c = select_two(ra, rb, &f);
          owned d = select_send_or_recv(ts, ra, 3, &index, &sent);
          ASSERT_FALSE(c.done());
          ASSERT_FALSE(d.done());
        }  // both destroyed while waiting
        EXPECT_FALSE(f.index.has_value());
        EXPECT_FALSE(index.has_value());
        EXPECT_EQ(rs.try_recv().error(), sluice::errc::empty);  // the send case's message did not stay
        // A receiver that comes later gets every message: nothing was taken by the dead selects.
        std::thread t([ta = ta, tb = tb] {
          ASSERT_TRUE(ta.send(1));
          ASSERT_TRUE(tb.send(2));
        });
        EXPECT_EQ(ra.recv_for(10s).value(), 1);
        EXPECT_EQ(rb.recv_for(10s).value(), 2);
        t.join();
      }
      EXPECT_EQ(counted::live.load(), 0);
    }
}

// Producers on two channels; consumers: coroutines looping on async_select (on a pool), a thread
// looping on the blocking select, and a thread receiving from one channel. Every message exactly
// once.
task select_loop(pool*, sluice::receiver<int> ra, sluice::receiver<int> rb, std::vector<int>* got, std::latch* done) {
  bool a_open = true, b_open = true;
  while (a_open || b_open) {
    if (a_open && b_open) {
      co_await sluice::async_select(sluice::on_recv(ra,
                                                    [&](sluice::recv_result<int> r) {
                                                      if (r)
                                                        got->push_back(*r);
                                                      else
                                                        a_open = false;
                                                    }),
                                    sluice::on_recv(rb, [&](sluice::recv_result<int> r) {
                                      if (r)
                                        got->push_back(*r);
                                      else
                                        b_open = false;
                                    }));
    } else {
      auto& rx = a_open ? ra : rb;
      if (auto r = co_await rx.async_recv())
        got->push_back(*r);
      else
        (a_open ? a_open : b_open) = false;
    }
  }
  done->count_down();
}

TEST(AsyncSelect, AsyncAndBlockingSelectsAndThreadsShareTwoChannelsWithExactAccounting) {
  for (int cap : flavors) {
    const int per_channel = cap == 0 ? 10000 : 50000;
    auto [ta, ra] = make(cap);
    auto [tb, rb] = make(cap);
    std::vector<int> got_async1, got_async2, got_blocking, got_thread;
    std::latch done(2);
    {
      pool exec(2);
      select_loop(&exec, ra, rb, &got_async1, &done);
      select_loop(&exec, ra, rb, &got_async2, &done);
      std::thread blocking([&, ra = ra, rb = rb] {
        bool a_open = true, b_open = true;
        while (a_open && b_open)
          sluice::select(sluice::on_recv(ra,
                                         [&](sluice::recv_result<int> r) {
                                           if (r)
                                             got_blocking.push_back(*r);
                                           else
                                             a_open = false;
                                         }),
                         sluice::on_recv(rb, [&](sluice::recv_result<int> r) {
                           if (r)
                             got_blocking.push_back(*r);
                           else
                             b_open = false;
                         }));
      });
      std::thread plain([&, rb = rb] {
        while (auto r = rb.recv()) got_thread.push_back(*r);
      });
      std::thread pa([&, ta = std::move(ta)] {
        for (int i = 0; i < per_channel; ++i) ASSERT_TRUE(ta.send(2 * i));
      });
      std::thread pb([&, tb = std::move(tb)] {
        for (int i = 0; i < per_channel; ++i) ASSERT_TRUE(tb.send(2 * i + 1));
      });
      pa.join();
      pb.join();
      done.wait();
      blocking.join();
      plain.join();
    }
    std::vector<int> seen(static_cast<std::size_t>(2 * per_channel), 0);
    for (auto* v : {&got_async1, &got_async2, &got_blocking, &got_thread})
      for (int m : *v) ++seen[static_cast<std::size_t>(m)];
    for (int i = 0; i < 2 * per_channel; ++i) ASSERT_EQ(seen[static_cast<std::size_t>(i)], 1) << cap << " message " << i;
  }
}

}  // namespace
