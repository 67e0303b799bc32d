#pragma once
// The argument checks every layer and cell shares, with one message style:
//   "<Class>: argument '<arg>' expected <what>, received <value>".
#include <concepts>
#include <cstddef>
#include <string>
#include <type_traits>

namespace loom::check {

[[noreturn]] void fail(const char* who, const char* arg, const std::string& expected, const std::string& received);

// A count (units, input_dim, ...): any integer type, so that -1 is reported as -1 rather than
// wrapping to a huge std::size_t.
template <std::integral I>
  requires(!std::same_as<I, bool>)
std::size_t positive(const char* who, const char* arg, I v) {
  if constexpr (std::is_signed_v<I>) {
    if (v <= 0) fail(who, arg, "a positive integer", std::to_string(v));
  } else {
    if (v == 0) fail(who, arg, "a positive integer", std::to_string(v));
  }
  return static_cast<std::size_t>(v);
}

// A drop probability in [0, 1) (Dropout: rate 1 would scale the kept values by 1/0).
double rate(const char* who, const char* arg, double v);

}  // namespace loom::check
