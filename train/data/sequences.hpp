#pragma once
// Keras's pad_sequences, which also returns the mask that marks real (not padded) steps.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/tensor.hpp"

namespace loom {

enum class PadSide { pre, post };

struct PadOptions {
  std::size_t maxlen = 0;            // 0: the longest sequence's length
  PadSide padding = PadSide::pre;    // where padding goes (Keras default "pre")
  PadSide truncating = PadSide::pre; // which end of a too-long sequence is cut off
  double value = 0.0;                // padding value
};

template <class T = float>
struct Padded {
  Tensor<T> values;  // (sequences, maxlen)
  // (sequences, maxlen), 1 for a real step and 0 for padding: the CallContext mask layers take.
  // Built from positions, so a real step equal to the padding value stays unmasked.
  Tensor<T> mask;
};

template <class T = float, class S>
Padded<T> pad_sequences(const std::vector<std::vector<S>>& sequences, const PadOptions& options = {});

#define LOOM_EXTERN_PAD(T, S) \
  extern template Padded<T> pad_sequences<T, S>(const std::vector<std::vector<S>>&, const PadOptions&);
#define LOOM_EXTERN_PAD_T(T) \
  extern template struct Padded<T>; \
  LOOM_EXTERN_PAD(T, int) LOOM_EXTERN_PAD(T, std::int64_t) LOOM_EXTERN_PAD(T, float) LOOM_EXTERN_PAD(T, double)
LOOM_EXTERN_PAD_T(float)
LOOM_EXTERN_PAD_T(double)
#undef LOOM_EXTERN_PAD_T
#undef LOOM_EXTERN_PAD

}  // namespace loom
