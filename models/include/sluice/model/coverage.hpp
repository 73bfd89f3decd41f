// sluice/model/coverage.hpp — which named orderings of core a check executes (the ordering study).
//
// Contract: the platform shims call note_order() for every operation whose order is a core
// named_order. When SLUICE_MC_COVERAGE=FILE is set, the runtime remembers each distinct
// (check name, order name, operation kind) seen inside a running check and, at process exit,
// appends one line per triple to FILE: "<check name>\t<order name>\t<kind>", kind one of
// load, store, rmw, cas_success, cas_failure, fence. Unset, note_order() is one branch.
#pragma once

namespace sluice::model::rt {

enum class order_use : unsigned char { load, store, rmw, cas_success, cas_failure, fence };

void note_order(const char* name, order_use use) noexcept;

}  // namespace sluice::model::rt
