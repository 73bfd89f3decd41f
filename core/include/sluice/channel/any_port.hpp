// sluice/channel/any_port.hpp — a wait port on one side of a channel whose flavor is known
// only at run time (a select case, a coroutine's wait).
//
// Contract: any_port<T, P, Send>(ref, buffer, mode) makes the flavor's own port (wait_port.hpp)
// once, through the channel's type switch, and keeps it for the whole wait (a rendezvous
// port's packet must not move); port() then reaches it through dyn_port's virtual table, with
// no further switch. `buffer` is the message being sent (S&) or the destination of a receive
// (uninit<S>&); it must outlive the port.
// try_through<Send> makes one attempt through the type switch with no port:
// the fast path of a select case or an async operation, which makes its port (a variant
// emplace, perhaps a packet) only when it is about to wait.
#pragma once

#include <optional>
#include <type_traits>
#include <variant>

#include "sluice/channel/shared_state.hpp"
#include "sluice/detail/wait_port.hpp"

namespace sluice::detail {

template <class T, class P, bool Send>
class any_port {
  template <class State>
  using adapter_of = port_adapter<std::conditional_t<Send, typename decltype(State::chan)::send_port,
                                                     typename decltype(State::chan)::recv_port>,
                                  P>;
  using adapters = std::variant<adapter_of<array_state<T, P>>, adapter_of<list_state<T, P>>,
                                adapter_of<zero_state<T, P>>, adapter_of<spsc_ring_state<T, P>>,
                                adapter_of<spsc_list_state<T, P>>, adapter_of<mpsc_list_state<T, P>>>;

 public:
  template <class Buffer>
  any_port(const chan_ref<T, P>& ref, Buffer& buffer, wait_mode mode)
      : adapter_(ref.visit([&](auto& st) -> adapters {
          return adapters(std::in_place_type<adapter_of<std::remove_cvref_t<decltype(st)>>>, st.chan, buffer, mode);
        })),
        port_(std::visit([](auto& a) -> dyn_port<P>* { return &a; }, adapter_)) {}
  any_port(const any_port&) = delete;
  any_port& operator=(const any_port&) = delete;

  dyn_port<P>& port() noexcept { return *port_; }

 private:
  adapters adapter_;
  dyn_port<P>* port_;
};

// One attempt, as the flavor's port would make it (wait_port.hpp's try_now): to send `buffer`
// (nullopt: full) or to receive into it (nullopt: empty).
template <bool Send, class T, class P, class Buffer>
std::optional<status> try_through(const chan_ref<T, P>& ref, Buffer& buffer) {
  return ref.visit([&](auto& st) {
    if constexpr (Send)
      return unless_would_block(st.chan.try_send(buffer), status::full);
    else
      return unless_would_block(st.chan.try_recv(buffer), status::empty);
  });
}

}  // namespace sluice::detail
