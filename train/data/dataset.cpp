#include "train/data/dataset.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/errors.hpp"
#include "core/random.hpp"

namespace loom {
namespace {

template <class T>
Tensor<T> gather_rows(const Tensor<T>& a, const std::vector<std::size_t>& idx, bool keep_axis) {
  Shape s;
  if (keep_axis) s.push_back(idx.size());
  for (std::size_t i = 1; i < a.rank(); ++i) s.push_back(a.shape()[i]);
  auto out = Tensor<T>::empty(s);
  const std::size_t row = a.dim(0) == 0 ? 0 : a.size() / a.dim(0);
  for (std::size_t k = 0; k < idx.size(); ++k)
    std::memcpy(out.data() + k * row, a.data() + idx[k] * row, row * sizeof(T));
  return out;
}

// Mixes the pass number into the seed so that every pass has its own order; pass 0 uses the
// seed itself.
std::uint64_t pass_seed(std::uint64_t seed, std::size_t pass) {
  return seed ^ (static_cast<std::uint64_t>(pass) * 0x9E3779B97F4A7C15ull);
}

}  // namespace

template <class T>
Dataset<T>::Dataset(const Tensor<T>& x, const Tensor<T>& y) : x_(x), y_(y) {
  if (!x.defined())
    throw ValueError("Dataset: argument 'x' expected a defined tensor, received an undefined one");
  if (x.rank() == 0)
    throw ShapeError("Dataset: x expected rank >= 1 (samples on the first axis), received shape ()");
  if (y.defined() && (y.rank() == 0 || y.dim(0) != x.dim(0)))
    throw ShapeError("Dataset: y expected " + std::to_string(x.dim(0)) +
                     " samples on its first axis (as many as x " + x.shape().str() +
                     "), received shape " + y.shape().str());
}

template <class T>
Dataset<T> Dataset<T>::with(Step s) const {
  Dataset d(*this);
  d.steps_.push_back(s);
  d.passes_ = 0;
  return d;
}

template <class T>
Dataset<T> Dataset<T>::shuffle(std::uint64_t seed, bool reshuffle) const {
  return with({Step::kShuffle, seed, reshuffle});
}
template <class T>
Dataset<T> Dataset<T>::take(std::size_t count) const {
  return with({Step::kTake, count, false});
}
template <class T>
Dataset<T> Dataset<T>::skip(std::size_t count) const {
  return with({Step::kSkip, count, false});
}
template <class T>
Dataset<T> Dataset<T>::batch(std::size_t batch_size, bool drop_remainder) const {
  if (batch_size == 0) throw ValueError("Dataset::batch: batch_size expected >= 1, received 0");
  if (batched())
    throw ValueError("Dataset::batch: expected an unbatched dataset, received one already batched "
                     "(batch once, after shuffle/take/skip of samples)");
  return with({Step::kBatch, batch_size, drop_remainder});
}

template <class T>
bool Dataset<T>::batched() const {
  for (const auto& s : steps_)
    if (s.kind == Step::kBatch) return true;
  return false;
}

template <class T>
std::size_t Dataset<T>::size() const {
  std::size_t n = x_.dim(0);
  for (const auto& s : steps_) {
    switch (s.kind) {
      case Step::kShuffle: break;
      case Step::kTake: n = std::min<std::size_t>(n, s.value); break;
      case Step::kSkip: n = n > s.value ? n - s.value : 0; break;
      case Step::kBatch: n = s.flag ? n / s.value : (n + s.value - 1) / s.value; break;
    }
  }
  return n;
}

template <class T>
std::size_t Dataset<T>::num_samples() const {
  std::size_t n = 0;
  for (const auto& e : elements(0)) n += e.size();
  return n;
}

template <class T>
std::vector<std::vector<std::size_t>> Dataset<T>::elements(std::size_t epoch) const {
  std::vector<std::vector<std::size_t>> el(x_.dim(0));
  for (std::size_t i = 0; i < el.size(); ++i) el[i] = {i};
  for (const auto& s : steps_) {
    switch (s.kind) {
      case Step::kShuffle: {
        Generator g(s.flag ? pass_seed(s.value, epoch) : s.value);
        for (std::size_t i = el.size(); i > 1; --i) std::swap(el[i - 1], el[g.randint(i)]);
        break;
      }
      case Step::kTake:
        if (el.size() > s.value) el.resize(s.value);
        break;
      case Step::kSkip:
        el.erase(el.begin(), el.begin() + static_cast<long>(std::min<std::size_t>(s.value, el.size())));
        break;
      case Step::kBatch: {
        std::vector<std::vector<std::size_t>> b;
        for (std::size_t i = 0; i < el.size(); i += s.value) {
          if (s.flag && i + s.value > el.size()) break;
          std::vector<std::size_t> group;
          for (std::size_t k = i; k < std::min(el.size(), i + s.value); ++k) group.push_back(el[k][0]);
          b.push_back(std::move(group));
        }
        el = std::move(b);
        break;
      }
    }
  }
  return el;
}

template <class T>
Batch<T> Dataset<T>::gather(const std::vector<std::size_t>& idx, bool batched) const {
  for (std::size_t i : idx)
    if (i >= x_.dim(0))
      throw IndexError("Dataset::gather: sample index expected < " + std::to_string(x_.dim(0)) +
                       ", received " + std::to_string(i));
  if (!batched && idx.size() != 1)
    throw ValueError("Dataset::gather: an unbatched element expected 1 sample, received " +
                     std::to_string(idx.size()));
  Batch<T> b;
  b.x = gather_rows(x_, idx, batched);
  if (y_.defined()) b.y = gather_rows(y_, idx, batched);
  return b;
}

template <class T>
typename Dataset<T>::Pass Dataset<T>::epoch(std::size_t e) const {
  Pass p;
  p.begin_.ds_ = std::make_shared<const Dataset>(*this);
  p.begin_.elements_ = std::make_shared<const std::vector<std::vector<std::size_t>>>(elements(e));
  return p;
}

template <class T>
typename Dataset<T>::Iterator Dataset<T>::begin() const {
  return epoch(passes_++).begin();
}

template <class T>
Batch<T> Dataset<T>::Iterator::operator*() const {
  if (done()) throw IndexError("Dataset::Iterator: dereferenced past the end of the pass");
  return ds_->gather((*elements_)[i_], ds_->batched());
}

template struct Batch<float>;
template struct Batch<double>;
template class Dataset<float>;
template class Dataset<double>;

}  // namespace loom
