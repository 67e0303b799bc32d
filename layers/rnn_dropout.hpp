#pragma once
// Dropout masks for recurrent cells (Keras DropoutRNNCell). A mask is drawn once per sequence and
// reused at every step, so one sample keeps the same dropped features over time.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/random.hpp"
#include "core/tensor.hpp"

namespace loom {

// Keras clips dropout rates to [0, 1] silently instead of rejecting them.
double clip_dropout_rate(double rate);
// Masks apply only for 0 < rate < 1 during training; a stored rate of exactly 1 drops nothing.
inline bool dropout_active(double rate, bool training) { return training && rate > 0.0 && rate < 1.0; }

// A cell's dropout generator. Without a seed it is seeded from default_generator(), so set_seed()
// makes runs reproducible; with a seed the stream is the same in every process.
Generator make_dropout_generator(std::optional<std::uint64_t> seed);

// A cell's cached masks: `count` independent inverted-dropout masks (0 with probability `rate`,
// else 1 / (1 - rate)) of one shape, drawn on first use after a reset.
template <class T>
class DropoutMaskCache {
 public:
  // The masks for `shape`; drawn from `g` now if none are cached or the cached ones have another
  // shape (a cell stepped by hand with a new batch size).
  const std::vector<Tensor<T>>& get(const Shape& shape, double rate, std::size_t count, Generator& g);
  void reset() { masks_.clear(); }
  bool empty() const { return masks_.empty(); }
  // The cached masks ({} after a reset, before the next get()).
  const std::vector<Tensor<T>>& masks() const { return masks_; }

 private:
  std::vector<Tensor<T>> masks_;
};

extern template class DropoutMaskCache<float>;
extern template class DropoutMaskCache<double>;

}  // namespace loom
