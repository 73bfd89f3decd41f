// sluice/result.hpp — errors are values: errc, result<T, E> (an expected-like type), send_error.
//
// Contract: a channel operation never throws for a channel condition (full, empty, closed,
// timed out, cancelled); it returns a result holding either the value or the error. A failed
// send hands the message back inside its send_error. Two things do throw: reading the wrong
// alternative of a result (bad_result_access) and using an empty, moved-from handle
// (empty_handle_error) — both are programming errors, not channel conditions.
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
  result(result&& other) noexcept(std::is_nothrow_move_constructible_v<T> &&
                                  std::is_nothrow_move_constructible_v<E>)
      : has_value_(other.has_value_) {
    if (has_value_)
      std::construct_at(&value_, std::move(other.value_));
    else
      std::construct_at(&error_, std::move(other.error_));
  }
  result(const result&) = delete;
  result& operator=(const result&) = delete;
  result& operator=(result&& other) noexcept(std::is_nothrow_move_constructible_v<T> &&
                                             std::is_nothrow_move_constructible_v<E>) {
    if (this != &other) {
      this->~result();
      ::new (static_cast<void*>(this)) result(std::move(other));
    }
    return *this;
  }
  ~result() {
    if (has_value_)
      std::destroy_at(&value_);
    else
      std::destroy_at(&error_);
  }

  bool has_value() const noexcept { return has_value_; }
  explicit operator bool() const noexcept { return has_value_; }

  T& value() & { return check_value(), value_; }
  const T& value() const& { return check_value(), value_; }
  T&& value() && { return check_value(), std::move(value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  E& error() & { return check_error(), error_; }
  const E& error() const& { return check_error(), error_; }
  E&& error() && { return check_error(), std::move(error_); }

  template <class U>
  T value_or(U&& fallback) && {
    return has_value_ ? std::move(value_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  void check_value() const {
    if (!has_value_) throw bad_result_access();
  }
  void check_error() const {
    if (has_value_) throw bad_result_access();
  }

  bool has_value_;
  union {
    T value_;
    E error_;
  };
};

// A result with no value: success, or an E.
template <class E>
class result<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  result() noexcept : has_value_(true) {}
  explicit result(std::in_place_t) noexcept : has_value_(true) {}
  template <class... Args>
  explicit result(in_place_error_t, Args&&... args) : has_value_(false) {
    std::construct_at(&error_, std::forward<Args>(args)...);
  }
  result(result&& other) noexcept(std::is_nothrow_move_constructible_v<E>)
      : has_value_(other.has_value_) {
    if (!has_value_) std::construct_at(&error_, std::move(other.error_));
  }
  result(const result&) = delete;
  result& operator=(const result&) = delete;
  result& operator=(result&& other) noexcept(std::is_nothrow_move_constructible_v<E>) {
    if (this != &other) {
      this->~result();
      ::new (static_cast<void*>(this)) result(std::move(other));
    }
    return *this;
  }
  ~result() {
    if (!has_value_) std::destroy_at(&error_);
  }

  bool has_value() const noexcept { return has_value_; }
  explicit operator bool() const noexcept { return has_value_; }
  void value() const {
    if (!has_value_) throw bad_result_access();
  }

  E& error() & { return check_error(), error_; }
  const E& error() const& { return check_error(), error_; }
  E&& error() && { return check_error(), std::move(error_); }

 private:
  void check_error() const {
    if (has_value_) throw bad_result_access();
  }

  bool has_value_;
  union {
    E error_;
  };
};

template <class T>
using send_result = result<void, send_error<T>>;
template <class T>
using recv_result = result<T, errc>;

}  // namespace sluice
