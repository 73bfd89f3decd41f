// sluice/detail/handle.hpp — what every handle of every kind is: one counted reference.
//
// Contract. A handle holds one reference `V` (a state pointer, a chan_ref, a small struct; a
// value-initialized V is empty) whose count a Side keeps: Side::release(v) gives it back (the
// last one is that side's drop), Side::retain(v) takes another from a live one (an async
// operation's), Side::clone(v) makes a copy's (a copyable handle). owned_ref<V, Side> is that
// reference, move-only; shared_ref adds copy = clone. handle<Ref> is the base of every handle
// class, which is then rule-of-zero: copyable exactly when its Ref is (two templates, since
// clang 14 has no conditionally deleted copy constructor). A moved-from handle is empty, and
// every operation on it throws empty_handle_error naming the operation. Nothing here
// synchronizes: the Side's functions do (each kind's header).
#pragma once

#include <functional>
#include <utility>

#include "sluice/result.hpp"

namespace sluice::detail {
template <class V, class Side>
class owned_ref {
 public:
  owned_ref() noexcept = default;
  explicit owned_ref(V v) noexcept : v_(v) {}  // adopts a reference already counted
  owned_ref(owned_ref&& o) noexcept : v_(o.detach()) {}
  owned_ref& operator=(owned_ref&& o) noexcept {
    owned_ref gone(std::move(*this));
    v_ = o.detach();
    return *this;
  }
  ~owned_ref() {
    if (v_) Side::release(v_);
  }
  explicit operator bool() const noexcept { return static_cast<bool>(v_); }
  const V& get() const noexcept { return v_; }
  owned_ref another() const { return owned_ref(Side::retain(v_)); }
  V detach() noexcept { return std::exchange(v_, V{}); }  // the caller takes over the count

 protected:
  V v_{};
};

template <class V, class Side>
class shared_ref : public owned_ref<V, Side> {
 public:
  using owned_ref<V, Side>::owned_ref;
  shared_ref() noexcept = default;
  shared_ref(const shared_ref& o) : owned_ref<V, Side>(o ? Side::clone(o.v_) : V{}) {}
  shared_ref(shared_ref&&) noexcept = default;
  shared_ref& operator=(shared_ref o) noexcept {
    std::swap(this->v_, o.v_);
    return *this;
  }
  ~shared_ref() = default;
};

// A Side made of V's (or *V's) member functions: Release, and Retain for retain and clone.
template <auto Release, auto Retain = nullptr>
struct counted_by {
  template <class V>
  static void release(const V& v) noexcept {
    std::invoke(Release, v);
  }
  template <class V>
  static V retain(const V& v) {
    std::invoke(Retain, v);
    return v;
  }
  template <class V>
  static V clone(const V& v) {
    return retain(v);
  }
};

template <class Ref>
class handle {
 public:
  bool valid() const noexcept { return static_cast<bool>(ref_); }
  explicit operator bool() const noexcept { return valid(); }

 protected:
  handle() noexcept = default;
  explicit handle(Ref r) noexcept : ref_(std::move(r)) {}
  // The reference, or empty_handle_error(op) on an empty handle.
  const auto& check(const char* op) const {
    if (!ref_) throw empty_handle_error(op);
    return ref_.get();
  }

  Ref ref_;
};

// Builds a handle through its private constructor (the factories; a handle making another:
// subscribe(), downgrade(), upgrade()). Every handle class befriends it.
struct handle_access {
  template <class H, class... A>
  static H make(A&&... a) {
    return H(std::forward<A>(a)...);
  }
};

// A base that makes a handle built on a copyable one move-only (the spsc handles).
struct move_only {
  move_only() noexcept = default;
  move_only(move_only&&) noexcept = default;
  move_only& operator=(move_only&&) noexcept = default;
};
}  // namespace sluice::detail
