// sluice/detail/switchable_case.hpp — what a select case switched off at run time is made of
// (select.hpp's pointer forms of on_recv/on_send: Go's nil channel).
//
// Contract: a switchable case reaches its handle through switchable_ref (a pointer, null when
// off) or, in async_select, owned_handle<H, true> (a clone, empty when off); both say on(). A case
// whose Ref has on() is checked before every try and when its port is made; an off case's port
// is off_port: never ready, registering nothing, so no party ever claims a waiter through it
// and the engines (blocking.hpp, async_port_wait.hpp) need no branch for it. A case whose Ref
// has no on() (a case built from a reference) carries no check and no off_port (no_off_port is
// empty). Nothing here synchronizes.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "sluice/detail/status.hpp"
#include "sluice/detail/wait_port.hpp"

namespace sluice::detail {

// The handle of a case that may be switched off (on_recv/on_send given a pointer): null when
// off. Its own Ref type, so that a case built from a reference pays nothing for the switch.
template <class H>
struct switchable_ref {
  const H* h;
  const H* operator->() const noexcept { return h; }
  const H& operator*() const noexcept { return *h; }
  bool on() const noexcept { return h != nullptr; }
};
// A handle clone a case owns (async_select.hpp), reached like a pointer; if Switch, an empty
// clone when off.
template <class H, bool Switch>
struct owned_handle {
  H h;
  const H* operator->() const noexcept { return &h; }
  bool on() const noexcept requires Switch { return static_cast<bool>(h); }
};
template <class Ref>
concept switchable = requires(const Ref& r) {
  { r.on() } -> std::same_as<bool>;
};
// What a switched-off case waits on: never ready, registers nothing, so no party ever claims
// the select's waiter through it.
template <class P>
class off_port final : public dyn_port<P> {
 public:
  std::optional<status> try_now() override { return std::nullopt; }
  bool enroll(wait_entry<P>&) override { return false; }
  bool ready() override { return false; }
  void withdraw(wait_entry<P>&) override {}
  std::optional<status> settle(std::uintptr_t) override { return std::nullopt; }
  void forward() override {}
};
struct no_off_port {};
template <class P, class Ref>
using off_port_for = std::conditional_t<switchable<Ref>, off_port<P>, no_off_port>;
// Whether a case may fire: false only for a case switched off.
template <class C>
bool case_on(const C& c) noexcept {
  if constexpr (requires { c.h.on(); })
    return c.h.on();
  else
    return true;
}
// A select with no timeout, deadline or default case whose every case is off would wait
// forever: it throws instead (select.hpp's header). Free for cases that cannot be off.
template <class... Cs>
void require_a_case_on(const char* what, const Cs&... cs) {
  if (!(case_on(cs) || ...))
    throw std::invalid_argument(std::string(what) +
                                ": every case is switched off and there is no timeout, deadline or default "
                                "case (it would wait forever)");
}

}  // namespace sluice::detail
