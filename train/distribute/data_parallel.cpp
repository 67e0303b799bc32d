#include "train/distribute/data_parallel.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/errors.hpp"

namespace loom::distribute {

std::vector<std::size_t> shard(const std::vector<std::size_t>& batch, int rank, int size) {
  if (size < 1) throw ValueError("shard: size expected >= 1, received " + std::to_string(size));
  if (rank < 0 || rank >= size)
    throw ValueError("shard: rank expected in [0, " + std::to_string(size) + "), received " + std::to_string(rank));
  const std::size_t n = batch.size(), r = static_cast<std::size_t>(rank), s = static_cast<std::size_t>(size);
  const std::size_t begin = n * r / s, end = n * (r + 1) / s;
  return {batch.begin() + static_cast<std::ptrdiff_t>(begin), batch.begin() + static_cast<std::ptrdiff_t>(end)};
}

template <class T>
GradientReducer<T>::GradientReducer(std::shared_ptr<Communicator> comm) : comm_(std::move(comm)) {
  if (!comm_) throw ValueError("GradientReducer: comm expected a communicator, received a null pointer");
}

template <class T>
typename GradientReducer<T>::Result GradientReducer<T>::reduce(const std::vector<Tensor<T>>& grads,
                                                                std::size_t local_samples,
                                                                std::size_t global_samples, bool local_non_finite) {
  if (global_samples == 0 || local_samples > global_samples)
    throw ValueError("GradientReducer reduce: local_samples expected <= global_samples and global_samples >= 1, "
                     "received " + std::to_string(local_samples) + " and " + std::to_string(global_samples));
  const std::size_t ranks = static_cast<std::size_t>(comm_->size());
  std::size_t total = 0;
  for (std::size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined())
      throw ValueError("GradientReducer reduce: grads expected defined tensors (zeros for no samples), received an "
                       "undefined one at index " + std::to_string(i));
    total += grads[i].size();
  }
  // One extra element carries the non-finite flag, so one all-reduce tells every rank whether
  // any rank must skip the update.
  buffer_.resize(total + 1);
  T* p = buffer_.data();
  const bool scaled = local_samples * ranks != global_samples;
  const T scale = static_cast<T>(static_cast<double>(local_samples) * static_cast<double>(ranks) /
                                 static_cast<double>(global_samples));
  for (const auto& g : grads) {
    const T* src = g.data();
    if (scaled)
      for (std::size_t k = 0; k < g.size(); ++k) p[k] = src[k] * scale;
    else
      std::memcpy(p, src, g.size() * sizeof(T));
    p += g.size();
  }
  *p = local_non_finite ? T(1) : T(0);
  comm_->all_reduce_sum(buffer_.data(), buffer_.size());

  Result r;
  r.any_non_finite = buffer_[total] != T(0);
  r.grads.reserve(grads.size());
  const T divisor = static_cast<T>(ranks);
  p = buffer_.data();
  for (const auto& g : grads) {
    Tensor<T> out = Tensor<T>::empty(g.shape());
    T* dst = out.data();
    for (std::size_t k = 0; k < g.size(); ++k) dst[k] = p[k] / divisor;
    p += g.size();
    r.grads.push_back(std::move(out));
  }
  return r;
}

template class GradientReducer<float>;
template class GradientReducer<double>;

}  // namespace loom::distribute
