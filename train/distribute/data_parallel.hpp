#pragma once
// The two pieces of data-parallel training that a custom tape loop needs as well as fit:
// which samples of a global batch a rank takes, and the gradient all-reduce.
//
//   auto mine = distribute::shard(batch_indices, comm->rank(), comm->size());
//   ... forward and tape.gradient on this rank's samples (the mean loss over them) ...
//   auto r = reducer.reduce(grads, mine.size(), batch_indices.size(), !std::isfinite(loss));
//   if (!r.any_non_finite) optimizer.apply_gradients(r.grads, weights);   // same on every rank
#include <cstddef>
#include <memory>
#include <vector>

#include "core/tensor.hpp"
#include "train/distribute/communicator.hpp"

namespace loom::distribute {

// Rank `rank`'s part of a global batch: a contiguous slice, [n*rank/size, n*(rank+1)/size), so
// slice sizes differ by at most one and the slices, in rank order, are the batch. Throws
// ValueError for size < 1 or a rank outside [0, size).
std::vector<std::size_t> shard(const std::vector<std::size_t>& batch, int rank, int size);

template <class T = float>
class GradientReducer {
 public:
  // Throws ValueError for a null communicator.
  explicit GradientReducer(std::shared_ptr<Communicator> comm);

  struct Result {
    std::vector<Tensor<T>> grads;  // fresh tensors, the same on every rank
    bool any_non_finite = false;   // some rank's loss was NaN or infinite
  };

  // `grads` are this rank's gradients of its mean loss over `local_samples` of a global batch of
  // `global_samples` (zeros when it has none). They are packed into one buffer, summed over ranks
  // by one all-reduce and divided by the number of ranks, so with equal slices the result is the
  // gradient of the global batch's mean loss. A smaller slice (the last, partial batch) is scaled
  // by local * size / global first, which keeps that equality. Every rank must pass gradients of
  // the same shapes. Throws ValueError when local_samples > global_samples or global_samples is 0.
  Result reduce(const std::vector<Tensor<T>>& grads, std::size_t local_samples, std::size_t global_samples,
                bool local_non_finite);

  const std::shared_ptr<Communicator>& communicator() const { return comm_; }

 private:
  std::shared_ptr<Communicator> comm_;
  std::vector<T> buffer_;  // kept between steps: no allocation per step
};

extern template class GradientReducer<float>;
extern template class GradientReducer<double>;

}  // namespace loom::distribute
