#include "layers/rnn_dropout.hpp"

#include <algorithm>

namespace loom {

double clip_dropout_rate(double rate) { return std::min(1.0, std::max(0.0, rate)); }

Generator make_dropout_generator(std::optional<std::uint64_t> seed) {
  return Generator(seed ? *seed : default_generator().next_u64());
}

template <class T>
const std::vector<Tensor<T>>& DropoutMaskCache<T>::get(const Shape& shape, double rate,
                                                       std::size_t count, Generator& g) {
  if (masks_.size() == count && masks_[0].shape() == shape) return masks_;
  masks_.clear();
  const T keep = static_cast<T>(1.0 / (1.0 - rate));
  for (std::size_t k = 0; k < count; ++k) {
    auto m = Tensor<T>::empty(shape);
    T* p = m.data();
    for (std::size_t i = 0; i < m.size(); ++i) p[i] = g.uniform01() < rate ? T(0) : keep;
    masks_.push_back(m);
  }
  return masks_;
}

template class DropoutMaskCache<float>;
template class DropoutMaskCache<double>;

}  // namespace loom
