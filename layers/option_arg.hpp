#pragma once
// OptionArg: an options-struct field (ActivationArg, InitializerArg, RegularizerArg, ConstraintArg)
// that knows its layer and argument, so that a bad value is reported as
// "GRUCell: argument 'recurrent_activation': unknown activation identifier 'sigmoidd'; ...".
// An identifier is resolved where the options struct is built, before the layer's constructor
// runs, so the constructor cannot add the argument's name; the field itself has to. The error
// stays at the point of the mistake, as Keras raises it at construction.
#include <concepts>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "core/errors.hpp"

namespace loom {

// A string literal as a template argument.
template <std::size_t N>
struct FixedString {
  char value[N]{};
  constexpr FixedString(const char (&s)[N]) {
    for (std::size_t i = 0; i < N; ++i) value[i] = s[i];
  }
};

namespace detail {
// Rethrows e as "<layer>: argument '<option>': <e's message without its own 'who: ' prefix>".
[[noreturn]] void throw_option_error(const char* layer, const char* option, const ValueError& e);
}  // namespace detail

// Takes whatever Arg takes (identifier, object, pointer, nullptr where Arg allows it) and is an Arg.
template <class Arg, FixedString Layer, FixedString Option>
struct OptionArg : Arg {
  OptionArg() = default;  // where Arg has one (regularizers and constraints: none)
  template <class U>
    requires(!std::same_as<std::remove_cvref_t<U>, OptionArg> && std::constructible_from<Arg, U>)
  OptionArg(U&& value) try : Arg(std::forward<U>(value)) {
  } catch (const ValueError& e) {
    detail::throw_option_error(Layer.value, Option.value, e);
  }
};

}  // namespace loom
