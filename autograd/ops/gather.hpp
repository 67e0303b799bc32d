#pragma once
// Row gather (the lookup of an Embedding): out[..., :] = table[indices[...], :].
#include "core/tensor.hpp"

namespace loom {

// table is (N, ...); indices holds integer values in [0, N) in any shape; the result has shape
// indices.shape + table.shape[1:]. The gradient scatter-adds into the table's rows (repeated
// indices accumulate); indices get none. A non-integer index -> ValueError, one outside [0, N)
// -> IndexError, both naming the position and the value.
template <class T> Tensor<T> gather_rows(const Tensor<T>& table, const Tensor<T>& indices);

extern template Tensor<float> gather_rows(const Tensor<float>&, const Tensor<float>&);
extern template Tensor<double> gather_rows(const Tensor<double>&, const Tensor<double>&);

}  // namespace loom
