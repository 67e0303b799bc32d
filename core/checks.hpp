#pragma once
// The argument checks every layer, cell, optimizer and schedule shares, with one message style:
//   "<Class>: argument '<arg>' expected <what>, received <value>".
// Each returns the value it checked, so a constructor can check in its initializer list.
#include <concepts>
#include <cstddef>
#include <string>
#include <type_traits>

namespace loom::check {

[[noreturn]] void fail(const std::string& who, const std::string& arg, const std::string& expected,
                       const std::string& received);

// The shortest spelling of a double that reads back to it ("0.01", "2", "1e-07"), for messages.
std::string number(double v);

// The largest count a layer argument may take: 2^40, so that a cell's 4 * units or a table's
// input_dim * output_dim cannot wrap a 64-bit size (Embedding(1 << 62, 4) once built a table of
// size 0 and read past it).
inline constexpr std::size_t kMaxCount = std::size_t{1} << 40;

// A count (units, input_dim, ...): any integer type, so that -1 is reported as -1 rather than
// wrapping to a huge std::size_t.
template <std::integral I>
  requires(!std::same_as<I, bool>)
std::size_t positive(const std::string& who, const std::string& arg, I v) {
  if constexpr (std::is_signed_v<I>) {
    if (v <= 0) fail(who, arg, "a positive integer", std::to_string(v));
  } else {
    if (v == 0) fail(who, arg, "a positive integer", std::to_string(v));
  }
  if (static_cast<std::make_unsigned_t<I>>(v) > kMaxCount)
    fail(who, arg, "a positive integer of at most 2^40 (" + std::to_string(kMaxCount) + ")", std::to_string(v));
  return static_cast<std::size_t>(v);
}

// A drop probability in [0, 1) (Dropout: rate 1 would scale the kept values by 1/0).
double rate(const std::string& who, const std::string& arg, double v);
// Finite and >= 0 (learning rates, decay rates, epsilons).
double non_negative(const std::string& who, const std::string& arg, double v);
// Finite and > 0 (decay_steps, clip norms).
double positive_number(const std::string& who, const std::string& arg, double v);
// In [0, 1): the decay of an exponential moving average (beta_1, rho).
double unit_open(const std::string& who, const std::string& arg, double v);
// In [0, 1].
double unit_closed(const std::string& who, const std::string& arg, double v);

}  // namespace loom::check
