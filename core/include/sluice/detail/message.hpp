// sluice/detail/message.hpp — what a message may be, how a channel stores it, slot storage.
//
// Contract: message_type<T> is what every kind accepts. Flavors store `stored_t<T, P>`,
// nothrow-movable and small: T itself when its move is noexcept and it is at most
// `inline_message_limit` bytes, else a box: the sender moves it into a platform allocation
// BEFORE reserving a slot (a throwing move leaves the channel untouched and reaches the
// sender); the receiver unboxes after the slot is released (a throw reaches the receiver, and
// the message is destroyed once, with the box). Boxing big messages keeps every path (a slot, a
// packet, a select case, a coroutine frame) at a pointer: two moves in all. Below the limit a
// message is moved along the path, never copied, with at most one temporary per operation.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "sluice/result.hpp"

namespace sluice::detail {
// What every channel and kind accepts as a message: a movable, destructible, non-const object
// (not an array).
template <class T>
concept message_type = std::is_object_v<T> && !std::is_array_v<T> && !std::is_const_v<T> &&
                       std::is_move_constructible_v<T> && std::is_destructible_v<T>;

// Messages bigger than this travel boxed (see the contract): one allocation per message, which
// costs less than moving 16 KiB even once, and keeps stack use per operation below ~32 KiB.
inline constexpr std::size_t inline_message_limit = 16 * 1024;

template <class T>
inline constexpr bool boxed_v = !std::is_nothrow_move_constructible_v<T> || sizeof(T) > inline_message_limit;

template <class T, class P>
struct box {
  T* ptr = nullptr;
  box() noexcept = default;
  explicit box(T* p) noexcept : ptr(p) {}
  box(box&& o) noexcept : ptr(std::exchange(o.ptr, nullptr)) {}
  box& operator=(box&& o) noexcept {
    reset();
    ptr = std::exchange(o.ptr, nullptr);
    return *this;
  }
  ~box() { reset(); }
  void reset() noexcept {
    if (ptr) {
      std::destroy_at(ptr);
      P::deallocate(ptr, sizeof(T), alignof(T));
      ptr = nullptr;
    }
  }
};

template <class T, class P>
using stored_t = std::conditional_t<boxed_v<T>, box<T, P>, T>;

// What a receive carries instead of a message (a select case, an async receive).
struct no_msg {};

// Turns a message into its stored form. May throw (boxing allocates and moves/copies).
template <class T, class P, class U>
stored_t<T, P> to_stored(U&& msg) {
  if constexpr (boxed_v<T>) {
    void* mem = P::allocate(sizeof(T), alignof(T));
    try {
      return box<T, P>(::new (mem) T(std::forward<U>(msg)));
    } catch (...) {
      P::deallocate(mem, sizeof(T), alignof(T));
      throw;
    }
  } else {
    return stored_t<T, P>(std::forward<U>(msg));
  }
}

// Turns a stored message back into a T. For boxed types the move may throw; the box is freed
// either way.
template <class T, class P>
T from_stored(stored_t<T, P>&& s) {
  if constexpr (boxed_v<T>) {
    box<T, P> b(std::move(s));
    return T(std::move(*b.ptr));
  } else {
    return std::move(s);
  }
}

// The T inside a stored message (a box's target, or the message itself).
template <class T, class P>
T& stored_value(stored_t<T, P>& s) noexcept {
  if constexpr (boxed_v<T>)
    return *s.ptr;
  else
    return s;
}

// Uninitialized storage for one value, with manual lifetime.
template <class T>
struct uninit {
  uninit() noexcept {}  // leaves the bytes uninitialized (no zeroing on value-initialization)
  alignas(T) unsigned char bytes[sizeof(T)];
  T* get() noexcept { return std::launder(reinterpret_cast<T*>(bytes)); }
  template <class... Args>
  void emplace(Args&&... args) noexcept(std::is_nothrow_constructible_v<T, Args...>) {
    ::new (static_cast<void*>(bytes)) T(std::forward<Args>(args)...);
  }
  // Moves the value of `src` straight into this storage (no temporary) and ends it in `src`.
  void move_from(uninit& src) noexcept {
    static_assert(std::is_nothrow_move_constructible_v<T>);
    ::new (static_cast<void*>(bytes)) T(std::move(*src.get()));
    src.destroy();
  }
  T take() noexcept {
    T v(std::move(*get()));
    std::destroy_at(get());
    return v;
  }
  void destroy() noexcept { std::destroy_at(get()); }
};

// Ends the value in an uninit at scope exit (after a move out of it, even one that throws).
template <class S>
struct destroy_at_exit {
  uninit<S>& storage;
  ~destroy_at_exit() { storage.destroy(); }
};

// A received message as a result's value (value_from: built in place, no temporary), moved
// once from `out`, this operation's one copy, which ends then (even if the move throws).
template <class T, class P>
auto take_received(uninit<stored_t<T, P>>& out) {
  return value_from{[&out]() -> T {
    destroy_at_exit<stored_t<T, P>> done{out};
    return std::move(stored_value<T, P>(*out.get()));
  }};
}
// A failed send's error (error_from: built in place): `code`, and the message handed back from
// `msg`, this operation's one copy of it.
template <class T, class P>
auto handed_back(errc code, stored_t<T, P>& msg) {
  return error_from{[&msg, code] { return send_error<T>{code, from_stored<T, P>(std::move(msg))}; }};
}

// Puts a message back into a moved-from object without needing assignment (message types
// need not be assignable): destroys the moved-from value, move-constructs from `src`.
template <class S>
void restore(S& dst, uninit<S>& src) noexcept {
  static_assert(std::is_nothrow_move_constructible_v<S>);
  std::destroy_at(&dst);
  ::new (static_cast<void*>(&dst)) S(std::move(*src.get()));
  src.destroy();
}

// Placement-constructs a T in platform-allocated shared memory.
template <class T, class P, class... Args>
T* create_shared(std::size_t bytes, Args&&... args) {
  void* mem = P::allocate(bytes, alignof(T));
  try {
    return ::new (mem) T(std::forward<Args>(args)...);
  } catch (...) {
    P::deallocate(mem, bytes, alignof(T));
    throw;
  }
}

template <class T, class P>
void destroy_shared(T* p, std::size_t bytes) noexcept {
  std::destroy_at(p);
  P::deallocate(p, bytes, alignof(T));
}
}  // namespace sluice::detail
