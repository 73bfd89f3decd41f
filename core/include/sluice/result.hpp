// sluice/result.hpp — errors are values: errc, result<T, E> (an expected-like type), send_error.
//
// Contract: a channel operation never throws for a channel condition (full, empty, closed,
// timed out, cancelled); it returns a result holding the value or the error, and a failed send
// hands the message back in its send_error. Only programming errors throw: reading the wrong
// alternative (bad_result_access), using an empty, moved-from handle (empty_handle_error).
//
// Move assignment (result::assign_from): every held object is destroyed exactly once, whatever
// throws. Strong guarantee (but for what a throwing move constructor did to its own source)
// when the new alternative's move is noexcept or the old one is nothrow-movable. Otherwise
// (the same alternative, with a move that may throw) the new object is moved into a temporary
// (a throw there is still strong), the old destroyed, the temporary moved in; if that throws,
// basic: *this holds a value-initialized other alternative (errc{} / the empty success).
#pragma once

#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace sluice {
enum class errc {
  full = 1,   // try_send on a full channel (or, for a rendezvous, no receiver waiting)
  empty,      // try_recv on an empty channel (or, for a rendezvous, no sender waiting)
  closed,     // the channel is closed or every handle on the other side is gone
  timed_out,  // a *_for / *_until deadline passed
  cancelled,  // the std::stop_token given to the operation was stopped
  lagged,     // broadcast with overflow::overwrite_oldest: messages this receiver had not read
              // were overwritten (tokio's Lagged(n)); broadcast_error::missed says how many
};

constexpr const char* to_string(errc e) noexcept {
  switch (e) {
    case errc::full: return "full";
    case errc::empty: return "empty";
    case errc::closed: return "closed";
    case errc::timed_out: return "timed out";
    case errc::cancelled: return "cancelled";
    case errc::lagged: return "lagged";
  }
  return "unknown";
}

// Thrown by result::value() / error() when the other alternative is held.
class bad_result_access : public std::logic_error {
 public:
  bad_result_access() : std::logic_error("sluice: result accessed for the alternative it does not hold") {}
};

// Thrown when an operation is called on a moved-from (empty) sender, receiver or weak sender.
class empty_handle_error : public std::logic_error {
 public:
  explicit empty_handle_error(const char* what) : std::logic_error(what) {}
};

// A failed send: why, and the message, handed back to the caller.
template <class T>
struct send_error {
  errc code;
  T message;
};

struct in_place_error_t {
  explicit in_place_error_t() = default;
};
inline constexpr in_place_error_t in_place_error{};

namespace detail {
// Raw storage for one object (result.hpp only; the channels use message.hpp's uninit).
template <class X>
struct result_slot {
  alignas(X) unsigned char bytes[sizeof(X)];
  X* get() noexcept { return std::launder(reinterpret_cast<X*>(bytes)); }
};

// A result<T, E> built from value_from{f} holds f()'s prvalue as its value, built in place:
// what a coroutine co_returns when the value must not pass through a temporary.
template <class F>
struct value_from {
  F make;
};
template <class F>
value_from(F) -> value_from<F>;
// The same for the error: a result built from error_from{f} holds f()'s prvalue as its error.
template <class F>
struct error_from {
  F make;
};
template <class F>
error_from(F) -> error_from<F>;
struct unit {};  // result<void, E>'s value
}  // namespace detail

// An expected-like result: holds a T or an E.
template <class T, class E>
class result {
 public:
  using value_type = T;
  using error_type = E;

  template <class... Args>
  explicit result(std::in_place_t, Args&&... args) : has_value_(true) {
    std::construct_at(&value_, std::forward<Args>(args)...);
  }
  template <class... Args>
  explicit result(in_place_error_t, Args&&... args) : has_value_(false) {
    std::construct_at(&error_, std::forward<Args>(args)...);
  }
  template <class F>
  result(detail::value_from<F>&& v) : has_value_(true) {  // NOLINT: converting, for co_return
    ::new (static_cast<void*>(&value_)) T(std::move(v.make)());
  }
  template <class F>
  result(detail::error_from<F>&& e) : has_value_(false) {  // NOLINT: converting, for co_return
    ::new (static_cast<void*>(&error_)) E(std::move(e.make)());
  }
  result(result&& other) noexcept(std::is_nothrow_move_constructible_v<T> &&
                                  std::is_nothrow_move_constructible_v<E>)
      : has_value_(other.has_value_) {
    has_value_ ? emplace<true>(std::move(other.value_)) : emplace<false>(std::move(other.error_));
  }
  result(const result&) = delete;
  result& operator=(const result&) = delete;
  // Guarantees: see the header.
  result& operator=(result&& other) noexcept(std::is_nothrow_move_constructible_v<T> &&
                                             std::is_nothrow_move_constructible_v<E>) {
    if (this == &other) return *this;
    other.has_value_ ? assign_from<true>(other.value_) : assign_from<false>(other.error_);
    return *this;
  }
  ~result() { destroy_held(); }

  bool has_value() const noexcept { return has_value_; }
  explicit operator bool() const noexcept { return has_value_; }

  T& value() & { return check<true>(), value_; }
  const T& value() const& { return check<true>(), value_; }
  T&& value() && { return check<true>(), std::move(value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  E& error() & { return check<false>(), error_; }
  const E& error() const& { return check<false>(), error_; }
  E&& error() && { return check<false>(), std::move(error_); }

  template <class U>
  T value_or(U&& fallback) && {
    return has_value_ ? std::move(value_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  template <bool IsValue>
  void check() const {
    if (has_value_ != IsValue) throw bad_result_access();
  }

  static_assert(std::is_nothrow_move_constructible_v<T> || std::is_nothrow_default_constructible_v<E>,
                "sluice::result: with a throwing T, E must be nothrow default-constructible (the basic-guarantee fallback)");
  static_assert(std::is_nothrow_move_constructible_v<E> || std::is_nothrow_default_constructible_v<T>,
                "sluice::result: with a throwing E, T must be nothrow default-constructible (the basic-guarantee fallback)");

  // The alternative named by IsValue (the value if true, else the error), held or not.
  template <bool IsValue>
  auto& alternative() noexcept {
    if constexpr (IsValue) return value_;
    else return error_;
  }
  void destroy_held() noexcept { has_value_ ? std::destroy_at(&value_) : std::destroy_at(&error_); }
  template <bool IsValue, class... Args>
  void emplace(Args&&... args) {
    std::construct_at(&alternative<IsValue>(), std::forward<Args>(args)...);
    has_value_ = IsValue;
  }
  // Replaces the held alternative with one moved from `src` (a T if ToValue, else an E), with
  // the guarantees stated in the header.
  template <bool ToValue, class Src>
  void assign_from(Src& src) {
    using New = std::conditional_t<ToValue, T, E>;
    using Old = std::conditional_t<ToValue, E, T>;
    if constexpr (std::is_nothrow_move_constructible_v<New>) {
      destroy_held();
      emplace<ToValue>(std::move(src));
    } else {
      if constexpr (std::is_nothrow_move_constructible_v<Old>) {
        if (has_value_ != ToValue) {  // the old alternative is saved, and restored on a throw
          detail::result_slot<Old> saved;
          ::new (static_cast<void*>(saved.bytes)) Old(std::move(alternative<!ToValue>()));
          destroy_held();
          try {
            emplace<ToValue>(std::move(src));
          } catch (...) {
            emplace<!ToValue>(std::move(*saved.get()));
            std::destroy_at(saved.get());
            throw;
          }
          std::destroy_at(saved.get());
          return;
        }
      }
      detail::result_slot<New> fresh;
      ::new (static_cast<void*>(fresh.bytes)) New(std::move(src));  // a throw: nothing changed
      destroy_held();
      try {
        emplace<ToValue>(std::move(*fresh.get()));
      } catch (...) {
        std::destroy_at(fresh.get());
        emplace<!ToValue>();  // the basic guarantee's fallback: a value-initialized other alternative
        throw;
      }
      std::destroy_at(fresh.get());
    }
  }

  bool has_value_;
  union {
    T value_;
    E error_;
  };
};

// A result with no value: success, or an E (result<unit, E> underneath: the same guarantees).
template <class E>
class result<void, E> : private result<detail::unit, E> {
  using base = result<detail::unit, E>;

 public:
  using value_type = void;
  using error_type = E;
  using base::base;
  using base::error;
  using base::has_value;
  using base::operator bool;

  result() noexcept : base(std::in_place) {}
  void value() const { (void)base::value(); }
};

template <class T>
using send_result = result<void, send_error<T>>;
template <class T>
using recv_result = result<T, errc>;
}  // namespace sluice
