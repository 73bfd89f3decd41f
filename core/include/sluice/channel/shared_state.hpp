// sluice/channel/shared_state.hpp — a channel's shared state: which flavor it holds (the type
// switch every handle goes through), its handle counts, the factory, and who frees it. Above
// the flavors (it names every one), below the handles (channel.hpp, spsc.hpp).
//
// Contract
//   senders     live (strong) senders; the last one to go closes the channel.
//   receivers   live receivers; the last one closes the channel and destroys the buffered
//               messages at once (the flavor's discard_unreceived()), on its own thread.
//   refs        live sides (1 while any sender lives, 1 while any receiver lives) + weak
//               senders; the last reference destroys the state (and any message left) and
//               frees it. So a clone or drop that is not its side's last costs one RMW (as
//               crossbeam's counter, with a per-side count and a destroy flag).
// A weak sender upgrades by a CAS on senders that never moves it up from 0: once the last
// strong sender is gone the channel stays sender-less.
//
// Synchronization
//   [C1] clone: relaxed fetch_add — the cloner holds a handle, so the state is alive.
//   [C2] drop: acq_rel fetch_sub on senders/receivers — whoever reaches 0 closes after every
//        other handle of its side (release/acquire through the RMWs).
//   [C3] drop of a reference: acq_rel fetch_sub on refs, so every use happens-before the
//        destruction. No "load == 1, skip the RMW" shortcut on either count: it saved one RMW
//        per channel, and its relaxed-enough load (free to read an older count) doubled the
//        checker's executions below every drop (models/README.md, "Channel scenarios").
//   [C4] upgrade: relaxed CAS on senders (the weak sender's own reference keeps the state).
// Layout: one allocation of default alignment: this struct, then the flavor's trailing storage.
#pragma once

#include <cstddef>
#include <exception>
#include <limits>
#include <memory>
#include <new>

#include "sluice/flavors/array.hpp"
#include "sluice/flavors/list.hpp"
#include "sluice/flavors/spsc_list.hpp"
#include "sluice/flavors/spsc_ring.hpp"
#include "sluice/flavors/zero.hpp"
#include "sluice/platform.hpp"

namespace sluice::detail {
namespace counter_order {
// ORDERING: relaxed — [C1] and the count queries (a snapshot with no data attached).
inline constexpr named_order clone{"counter.clone", std::memory_order_relaxed};
inline constexpr named_order query{"counter.query", std::memory_order_relaxed};
// ORDERING: acq_rel — [C2] and [C3].
inline constexpr named_order drop{"counter.drop", std::memory_order_acq_rel};
// ORDERING: relaxed — [C4].
inline constexpr named_order upgrade{"counter.upgrade", std::memory_order_relaxed};
}  // namespace counter_order

// Counts above this abort (as crossbeam's and shared_ptr's do): wrapping would free live state.
inline constexpr std::size_t max_handle_count = std::numeric_limits<std::size_t>::max() / 2;

// spsc_ring / spsc_list / mpsc_list (the list with one consumer): reachable only through the
// move-only handles of spsc.hpp.
enum class flavor_kind : unsigned char { array, list, zero, spsc_ring, spsc_list, mpsc_list };

template <class F, class P>
struct channel_state {
  template <class... Args>
  explicit channel_state(std::size_t bytes, Args&&... args)
      : alloc_bytes(bytes), chan(std::forward<Args>(args)...) {}

  static constexpr std::size_t alloc_align =
      alignof(F) > F::trailing_align ? alignof(F) : F::trailing_align;

  typename P::template atomic<std::size_t> senders{1};
  typename P::template atomic<std::size_t> receivers{1};
  typename P::template atomic<std::size_t> refs{2};
  const std::size_t alloc_bytes;
  F chan;
};

template <class T, class P> using array_state = channel_state<array_flavor<stored_t<T, P>, P>, P>;
template <class T, class P> using list_state = channel_state<list_flavor<stored_t<T, P>, P>, P>;
template <class T, class P> using zero_state = channel_state<zero_flavor<stored_t<T, P>, P>, P>;
template <class T, class P> using spsc_ring_state = channel_state<spsc_ring_flavor<stored_t<T, P>, P>, P>;
template <class T, class P> using spsc_list_state = channel_state<spsc_list_flavor<stored_t<T, P>, P>, P>;
template <class T, class P> using mpsc_list_state = channel_state<list_flavor<stored_t<T, P>, P, /*SingleConsumer=*/true>, P>;

// A non-owning, flavor-tagged pointer to a channel's shared state.
template <class T, class P>
class chan_ref {
 public:
  chan_ref() noexcept = default;
  chan_ref(flavor_kind k, void* state) noexcept : kind_(k), state_(state) {}

  explicit operator bool() const noexcept { return state_ != nullptr; }
  bool operator==(const chan_ref& o) const noexcept { return state_ == o.state_; }
  void reset() noexcept { state_ = nullptr; }

  template <class Fn>
  decltype(auto) visit(Fn&& fn) const {
    switch (kind_) {
      case flavor_kind::array: return fn(*static_cast<array_state<T, P>*>(state_));
      case flavor_kind::list: return fn(*static_cast<list_state<T, P>*>(state_));
      case flavor_kind::spsc_ring: return fn(*static_cast<spsc_ring_state<T, P>*>(state_));
      case flavor_kind::spsc_list: return fn(*static_cast<spsc_list_state<T, P>*>(state_));
      case flavor_kind::mpsc_list: return fn(*static_cast<mpsc_list_state<T, P>*>(state_));
      case flavor_kind::zero: break;
    }
    return fn(*static_cast<zero_state<T, P>*>(state_));
  }

  void add_sender() const noexcept { add([](auto& s) -> auto& { return s.senders; }); }
  void add_receiver() const noexcept { add([](auto& s) -> auto& { return s.receivers; }); }
  void add_weak() const noexcept { add([](auto& s) -> auto& { return s.refs; }); }

  // [C4]: a new strong sender, unless every strong sender is already gone.
  bool try_upgrade() const noexcept {
    return visit([](auto& s) {
      // ORDERING: counter.upgrade — [C4].
      std::size_t n = s.senders.load(counter_order::upgrade);
      while (n != 0) {
        if (n > max_handle_count) std::terminate();
        // [C4] ORDERING: counter.upgrade.
        if (s.senders.compare_exchange_weak(n, n + 1, counter_order::upgrade, counter_order::upgrade))
          return true;
      }
      return false;
    });
  }

  void drop_sender() const noexcept {
    const bool last = visit([](auto& s) {
      // [C2] ORDERING: counter.drop.
      if (s.senders.fetch_sub(1, counter_order::drop) != 1) return false;
      s.chan.disconnect();
      return true;
    });
    if (last) drop_ref();
  }
  void drop_receiver() const noexcept {
    const bool last = visit([](auto& s) {
      // [C2] ORDERING: counter.drop.
      if (s.receivers.fetch_sub(1, counter_order::drop) != 1) return false;
      s.chan.disconnect();
      // Nobody can receive them any more: the buffered messages go now, on this thread,
      // outside every lock (crossbeam-channel's drop_unreceived; the senders may live on).
      s.chan.discard_unreceived();
      return true;
    });
    if (last) drop_ref();
  }
  // [C3]: drops one reference (a side, or a weak sender); the last frees the state.
  void drop_ref() const noexcept {
    visit([](auto& s) {
      // [C3] ORDERING: counter.drop.
      if (s.refs.fetch_sub(1, counter_order::drop) == 1) {
        using state = std::remove_reference_t<decltype(s)>;
        const std::size_t bytes = s.alloc_bytes;
        std::destroy_at(&s);
        P::deallocate(&s, bytes, state::alloc_align);
      }
    });
  }

  std::size_t sender_count() const noexcept { return count([](auto& s) -> auto& { return s.senders; }); }
  std::size_t receiver_count() const noexcept { return count([](auto& s) -> auto& { return s.receivers; }); }

 private:
  // [C1] one more of the counter `which` picks.
  template <class Which>
  void add(Which which) const noexcept {
    visit([&](auto& s) {
      // [C1] ORDERING: counter.clone.
      if (which(s).fetch_add(1, counter_order::clone) > max_handle_count) std::terminate();
    });
  }
  template <class Which>
  std::size_t count(Which which) const noexcept {
    // ORDERING: counter.query.
    return visit([&](auto& s) { return which(s).load(counter_order::query); });
  }

  flavor_kind kind_ = flavor_kind::zero;
  void* state_ = nullptr;
};

// Allocates and constructs a channel's shared state (one allocation).
template <class T, class P>
chan_ref<T, P> make_channel(flavor_kind kind, std::size_t cap) {
  // A flavor with trailing storage (the bounded rings) is sized by `cap` and given its address.
  auto construct = [cap](auto tag) -> void* {
    using state = typename decltype(tag)::type;
    using F = decltype(state::chan);
    constexpr bool trailing = requires(std::size_t c) { F::trailing_bytes(c); };
    constexpr std::size_t align = state::alloc_align;
    const std::size_t head = (sizeof(state) + align - 1) / align * align;
    std::size_t bytes = head;
    if constexpr (trailing) bytes += F::trailing_bytes(cap);
    void* mem = P::allocate(bytes, align);
    if constexpr (trailing)
      return ::new (mem) state(bytes, cap, static_cast<void*>(static_cast<unsigned char*>(mem) + head));
    else
      return ::new (mem) state(bytes);
  };
  switch (kind) {
    case flavor_kind::array: return {kind, construct(std::type_identity<array_state<T, P>>{})};
    case flavor_kind::list: return {kind, construct(std::type_identity<list_state<T, P>>{})};
    case flavor_kind::spsc_ring: return {kind, construct(std::type_identity<spsc_ring_state<T, P>>{})};
    case flavor_kind::spsc_list: return {kind, construct(std::type_identity<spsc_list_state<T, P>>{})};
    case flavor_kind::mpsc_list: return {kind, construct(std::type_identity<mpsc_list_state<T, P>>{})};
    case flavor_kind::zero: break;
  }
  return {flavor_kind::zero, construct(std::type_identity<zero_state<T, P>>{})};
}
}  // namespace sluice::detail
