// Select cases switched off at run time (select.hpp: on_recv/on_send given a pointer; Go's nil
// channel): off when the pointer is null or its handle empty, in select, select_biased, a
// default or timeout select and async_select; never ready, so the live cases fire, an off send
// case sends nothing and its message is destroyed with the select; every case off with no
// timeout/deadline/default throws std::invalid_argument; the reference forms and the plain
// operations still throw empty_handle_error on an empty handle.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>

#include "async_support.hpp"
#include "sluice/sluice.hpp"

using namespace std::chrono_literals;
using sluice_test::counted;
using sluice_test::owned;

namespace {
auto fail_recv() {
  return [](sluice::recv_result<int>) { ADD_FAILURE() << "a switched-off case fired"; };
}
}  // namespace

TEST(SelectOff, NullOrEmptyReceiverIsAnOffCaseAndTheSameCodeSwitchesOn) {
  auto [tx, rx] = sluice::bounded<int>(1);
  ASSERT_TRUE(tx.send(7));
  bool enabled = false;
  int got = 0;
  // Off: the message stays where it is, the default fires.
  EXPECT_EQ(sluice::select(sluice::on_recv(enabled ? &rx : nullptr, fail_recv()), sluice::on_default([] {})), 1u);
  EXPECT_EQ(rx.len(), 1u);
  enabled = true;
  EXPECT_EQ(sluice::select(sluice::on_recv(enabled ? &rx : nullptr, [&](sluice::recv_result<int> r) { got = *r; }),
                           sluice::on_default([] { ADD_FAILURE() << "the case is on and ready"; })),
            0u);
  EXPECT_EQ(got, 7);
  // An empty handle (moved from) given by pointer is off; the live one beside it fires.
  ASSERT_TRUE(tx.send(8));
  sluice::receiver<int> moved = std::move(rx);
  EXPECT_EQ(sluice::select_biased(sluice::on_recv(&rx, fail_recv()),
                                  sluice::on_recv(&moved, [&](sluice::recv_result<int> r) { got = *r; })),
            1u);
  EXPECT_EQ(got, 8);
  // Given by reference, an empty handle is still an error, as every operation on it.
  EXPECT_THROW((void)sluice::on_recv(rx, fail_recv()), sluice::empty_handle_error);
  EXPECT_THROW((void)rx.recv(), sluice::empty_handle_error);
  EXPECT_THROW((void)rx.try_recv(), sluice::empty_handle_error);
}

TEST(SelectOff, OffSendCaseSendsNothingAndItsMessageIsDestroyedWithTheSelect) {
  auto [tx, rx] = sluice::bounded<counted>(1);
  const int live = counted::live;
  const sluice::sender<counted>* off = nullptr;
  sluice::sender<counted> empty;
  auto fail_send = [](sluice::send_result<counted>) { ADD_FAILURE() << "a switched-off case fired"; };
  EXPECT_EQ(sluice::select(sluice::on_send(off, counted(1), fail_send), sluice::on_send(&empty, counted(2), fail_send),
                           sluice::on_default([] {})),
            2u);
  EXPECT_EQ(counted::live, live);  // both messages destroyed, unsent
  EXPECT_EQ(rx.try_recv().error(), sluice::errc::empty);
  // Switched on, the same form sends.
  bool sent = false;
  auto on_sent = [&](sluice::send_result<counted> r) { sent = r.has_value(); };
  EXPECT_EQ(sluice::select(sluice::on_send(&tx, counted(3), on_sent), sluice::on_default([] {})),
            0u);
  EXPECT_TRUE(sent);
  EXPECT_EQ(rx.try_recv()->v, 3);
}

TEST(SelectOff, EveryCaseOffThrowsUnlessATimeoutOrDefaultEndsTheSelect) {
  const sluice::receiver<int>* off_rx = nullptr;
  sluice::sender<int> off_tx;  // empty
  EXPECT_THROW(sluice::select(sluice::on_recv(off_rx, fail_recv()),
                              sluice::on_send(&off_tx, 1, [](sluice::send_result<int>) { ADD_FAILURE(); })),
               std::invalid_argument);
  EXPECT_THROW(sluice::select_biased(sluice::on_recv(off_rx, fail_recv())), std::invalid_argument);
  bool timed_out = false, defaulted = false;
  EXPECT_EQ(sluice::select(sluice::on_recv(off_rx, fail_recv()), sluice::on_timeout(1ms, [&] { timed_out = true; })),
            1u);
  EXPECT_TRUE(timed_out);
  EXPECT_EQ(sluice::select(sluice::on_recv(off_rx, fail_recv()),
                           sluice::on_deadline(std::chrono::steady_clock::now(), [&] { defaulted = true; })),
            1u);
  EXPECT_TRUE(defaulted);
  defaulted = false;
  EXPECT_EQ(sluice::select(sluice::on_recv(off_rx, fail_recv()), sluice::on_default([&] { defaulted = true; })), 1u);
  EXPECT_TRUE(defaulted);
}

TEST(SelectOff, AWaitingSelectRegistersNothingForAnOffCase) {
  // The select parks (nothing is ready): the off cases go through the wait's enroll, re-check
  // and withdraw; the live rendezvous case is completed by a sender on another thread.
  auto [tx, rx] = sluice::bounded<int>(0);
  sluice::receiver<int> off_rx;
  const sluice::sender<int>* off_tx = nullptr;
  int got = 0;
  std::jthread sender([&tx = tx] { EXPECT_TRUE(tx.send(5)); });
  EXPECT_EQ(sluice::select(sluice::on_recv(&off_rx, fail_recv()),
                           sluice::on_send(off_tx, 1, [](sluice::send_result<int>) { ADD_FAILURE(); }),
                           sluice::on_recv(&rx, [&](sluice::recv_result<int> r) { got = *r; })),
            2u);
  EXPECT_EQ(got, 5);
}

TEST(SelectOff, SpscHandlesByPointer) {
  auto [tx, rx] = sluice::spsc_bounded<int>(1);
  ASSERT_TRUE(tx.send(9));
  const sluice::spsc_sender<int>* off = nullptr;
  int got = 0;
  EXPECT_EQ(sluice::select(sluice::on_send(off, 1, [](sluice::send_result<int>) { ADD_FAILURE(); }),
                           sluice::on_recv(&rx, [&](sluice::recv_result<int> r) { got = *r; })),
            1u);
  EXPECT_EQ(got, 9);
}

namespace {
owned select_off_or(const sluice::receiver<int>* off, sluice::receiver<int> rx, std::optional<std::size_t>* out,
                    int* got) {
  *out = co_await sluice::async_select(sluice::on_recv(off, fail_recv()),
                                       sluice::on_recv(&rx, [got](sluice::recv_result<int> r) { *got = *r; }));
}
owned send_off_or_default(const sluice::sender<counted>* off, std::optional<std::size_t>* out) {
  *out = co_await sluice::async_select(
      sluice::on_send(off, counted(1), [](sluice::send_result<counted>) { ADD_FAILURE() << "an off case fired"; }),
      sluice::on_default([] {}));
}
}  // namespace

TEST(SelectOff, AsyncSelectWaitsOnTheLiveCase) {
  auto [tx, rx] = sluice::unbounded<int>();
  sluice::receiver<int> empty;
  const sluice::receiver<int>* offs[] = {nullptr, &empty};
  for (const sluice::receiver<int>* off : offs) {
    std::optional<std::size_t> fired;
    int got = 0;
    owned op = select_off_or(off, rx, &fired, &got);
    EXPECT_FALSE(fired.has_value());  // suspended: the live case is empty, the off one never ready
    ASSERT_TRUE(tx.send(4));          // resumes it on this thread
    ASSERT_TRUE(op.done());
    EXPECT_EQ(fired, 1u);
    EXPECT_EQ(got, 4);
  }
}

TEST(SelectOff, AsyncSelectOffSendDestroysItsMessageAndAllOffThrowsAtTheCall) {
  auto [tx, rx] = sluice::bounded<counted>(1);
  const int live = counted::live;
  std::optional<std::size_t> fired;
  {
    owned op = send_off_or_default(nullptr, &fired);
    ASSERT_TRUE(op.done());
  }
  EXPECT_EQ(fired, 1u);
  EXPECT_EQ(counted::live, live);
  EXPECT_EQ(rx.try_recv().error(), sluice::errc::empty);
  const sluice::receiver<int>* off = nullptr;
  EXPECT_THROW((void)sluice::async_select(sluice::on_recv(off, fail_recv())), std::invalid_argument);
  EXPECT_THROW((void)sluice::async_select_biased(sluice::on_recv(off, fail_recv())), std::invalid_argument);
}
