#pragma once
// GradientTape, shaped like tf.GradientTape. Ops that read a watched tensor append a record (input
// ids, output ids, a backward function) to a flat vector; gradient() sweeps it once in reverse and
// accumulates with +=. There is no topological sort and no reference cycle, and records keep only
// what their backward function captured, not their inputs.
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

#include "autograd/variable.hpp"
#include "core/tensor.hpp"

namespace loom {

// What a backward function sees: the gradient of each output (zeros where the target does not
// depend on it), and which inputs want a gradient. It fills grad_in[i] for those inputs; a
// gradient left undefined counts as zero.
template <class T>
struct BackwardCtx {
  // Undefined where the target does not depend on the output: g() makes the zeros only when asked,
  // so that an op which checks has_g() skips both the allocation and the reads (a GRU whose loss
  // uses only the final state would otherwise sweep a (batch, steps, units) block of zeros).
  mutable std::vector<Tensor<T>> grad_out;
  const Shape* out_shapes = nullptr;  // the record's, one per output
  std::vector<Tensor<T>> grad_in;
  std::vector<char> needs;
  const Tensor<T>& g(std::size_t i = 0) const {
    if (!grad_out[i].defined()) grad_out[i] = Tensor<T>::zeros(out_shapes[i]);
    return grad_out[i];
  }
  bool has_g(std::size_t i = 0) const { return grad_out[i].defined(); }
  bool need(std::size_t i) const { return needs[i] != 0; }
};

template <class T>
using BackwardFn = std::function<void(BackwardCtx<T>&)>;

template <class T = float>
class GradientTape {
 public:
  explicit GradientTape(bool persistent = false, bool watch_accessed_variables = true);
  ~GradientTape();
  GradientTape(const GradientTape&) = delete;
  GradientTape& operator=(const GradientTape&) = delete;

  void watch(const Tensor<T>& t);
  void watch(const Variable<T>& v) { watch(v.value()); }

  // d target / d source. `output_gradient` seeds the sweep (ones of target's shape by default).
  // A source the target does not depend on gets zeros. A non-persistent tape may be asked once.
  Tensor<T> gradient(const Tensor<T>& target, const Tensor<T>& source,
                     const Tensor<T>& output_gradient = {});
  std::vector<Tensor<T>> gradient(const Tensor<T>& target, const std::vector<Tensor<T>>& sources,
                                  const Tensor<T>& output_gradient = {});
  std::vector<Tensor<T>> gradient(const Tensor<T>& target,
                                  const std::vector<Variable<T>>& sources,
                                  const Tensor<T>& output_gradient = {});

  // Drops every record and watch; the tape keeps recording.
  void reset();
  std::size_t num_records() const;
  bool persistent() const;

  struct State;

 private:
  std::unique_ptr<State> st_;
};

extern template class GradientTape<float>;
extern template class GradientTape<double>;

namespace autograd {

using TensorRefs = std::initializer_list<const void*>;

// For op writers (see docs/extending.md). should_record is the cheap test an op makes before it
// builds a backward closure; record appends the op to every active tape that watches an input.
template <class T>
bool should_record(std::initializer_list<const Tensor<T>*> inputs);
template <class T>
bool should_record(std::span<const Tensor<T>> inputs);
template <class T>
void record(const char* name, std::initializer_list<const Tensor<T>*> inputs,
            std::initializer_list<const Tensor<T>*> outputs, BackwardFn<T> backward);
template <class T>
void record(const char* name, std::span<const Tensor<T>> inputs,
            std::span<const Tensor<T>> outputs, BackwardFn<T> backward);

}  // namespace autograd
}  // namespace loom
