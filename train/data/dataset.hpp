#pragma once
// Dataset: samples from arrays (the first axis indexes samples), shaped like tf.data.Dataset.
// A dataset is a pipeline of cheap steps (shuffle, take, skip, batch) over sample indices; the
// arrays are never copied until a batch is built.
//
//   auto ds = Dataset<float>(x, y).shuffle(42).batch(32);
//   for (const auto& b : ds) { ... b.x, b.y ... }   // the last partial batch is kept
//
// Elements are single samples (without the batch axis) before batch(), batches after it, so
// take/skip count samples before batch() and batches after it, as in tf.data.
// shuffle(seed) reshuffles on every pass, each pass's order a function of (seed, pass number):
// use epoch(e) to iterate the order of pass e explicitly (what fit does, so a resumed run sees
// the same orders). For a train/validation split, shuffle with reshuffle_each_iteration = false
// before take/skip, or the two parts change (and overlap) from pass to pass, exactly as in tf.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/tensor.hpp"

namespace loom {

template <class T = float>
struct Batch {
  Tensor<T> x;
  Tensor<T> y;  // undefined when the dataset has no targets
};

template <class T = float>
class Dataset {
 public:
  // Throws ShapeError when x is a scalar or y's first dimension differs from x's.
  explicit Dataset(const Tensor<T>& x, const Tensor<T>& y = {});

  Dataset shuffle(std::uint64_t seed, bool reshuffle_each_iteration = true) const;
  Dataset take(std::size_t count) const;
  Dataset skip(std::size_t count) const;
  // Throws ValueError for batch_size 0 or a dataset that is already batched.
  Dataset batch(std::size_t batch_size, bool drop_remainder = false) const;

  // Number of elements of one pass (tf's cardinality).
  std::size_t size() const;
  // Number of samples one pass visits.
  std::size_t num_samples() const;
  bool batched() const;
  bool has_targets() const { return y_.defined(); }
  const Tensor<T>& x() const { return x_; }
  const Tensor<T>& y() const { return y_; }

  // Sample indices of every element of pass `epoch`, in order.
  std::vector<std::vector<std::size_t>> elements(std::size_t epoch) const;
  // The element built from the given sample indices (a batch, or one sample without batch axis).
  Batch<T> gather(const std::vector<std::size_t>& indices, bool batched) const;

  class Iterator {
   public:
    Batch<T> operator*() const;
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    // Every finished iterator equals end().
    bool operator==(const Iterator& o) const { return done() ? o.done() : (!o.done() && i_ == o.i_); }
    bool operator!=(const Iterator& o) const { return !(*this == o); }

   private:
    friend class Dataset;
    bool done() const { return !elements_ || i_ >= elements_->size(); }
    // A copy of the dataset (tensor handles), so a pass outlives a temporary Dataset.
    std::shared_ptr<const Dataset> ds_;
    std::shared_ptr<const std::vector<std::vector<std::size_t>>> elements_;
    std::size_t i_ = 0;
  };

  // One pass: pass number `epoch` (orders of reshuffling steps depend on it).
  class Pass {
   public:
    Iterator begin() const { return begin_; }
    Iterator end() const { return {}; }
    std::size_t size() const { return begin_.elements_->size(); }

   private:
    friend class Dataset;
    Iterator begin_;
  };
  Pass epoch(std::size_t epoch) const;
  // Range-for support: each begin() starts the next pass (0, 1, 2, ...) of this object.
  Iterator begin() const;
  Iterator end() const { return {}; }

 private:
  struct Step {
    enum Kind { kShuffle, kTake, kSkip, kBatch } kind;
    std::uint64_t value = 0;  // seed, count or batch size
    bool flag = false;        // reshuffle_each_iteration or drop_remainder
  };
  Dataset with(Step s) const;

  Tensor<T> x_, y_;
  std::vector<Step> steps_;
  mutable std::size_t passes_ = 0;  // passes begun by begin()
};

extern template struct Batch<float>;
extern template struct Batch<double>;
extern template class Dataset<float>;
extern template class Dataset<double>;

}  // namespace loom
