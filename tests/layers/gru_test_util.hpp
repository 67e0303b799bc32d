#pragma once
// Helpers for the GRUCell tests: reference data, a plain step loop over a sequence (the RNN
// wrapper is another issue), and a way to gradcheck a layer's weights.
#include <string>
#include <vector>

#include <xtensor/xarray.hpp>
#include <xtensor/xnpy.hpp>

#include "core/xarray_interop.hpp"
#include "layers/gru_cell.hpp"
#include "test_util.hpp"

namespace loom::testing {

// An array of a reference case (tests/data/reference/<case>/<name>.npy, float64) as T.
template <class T>
xt::xarray<T> ref_array(const std::string& case_name, const std::string& name) {
  xt::xarray<double> a =
      xt::load_npy<double>(data_path("reference/" + case_name + "/" + name + ".npy"));
  xt::xarray<T> out(a.shape());
  std::copy(a.begin(), a.end(), out.begin());
  return out;
}
template <class T>
Tensor<T> ref_tensor(const std::string& case_name, const std::string& name) {
  return from_xarray<T>(ref_array<T>(case_name, name));
}

template <class T>
struct SequenceResult {
  Tensor<T> outputs;  // (B, T, U)
  Tensor<T> state;    // (B, U)
};

// Steps `cell` over x (B, T, I) with a plain loop. A new sequence gets new dropout masks unless
// `keep_masks` (a gradcheck needs the same masks in every evaluation of its function).
template <class T>
SequenceResult<T> run_gru(GRUCell<T>& cell, const Tensor<T>& x, Tensor<T> h0 = {},
                          bool training = false, bool go_backwards = false, bool keep_masks = false) {
  if (!keep_masks) cell.reset_dropout_masks();
  Tensor<T> h = h0.defined() ? h0 : cell.get_initial_state(x.dim(0))[0];
  std::vector<Tensor<T>> outs;
  const std::size_t steps = x.dim(1);
  for (std::size_t s = 0; s < steps; ++s) {
    const std::size_t t = go_backwards ? steps - 1 - s : s;
    auto o = cell.call(take(x, 1, t), {h}, training);
    outs.push_back(o.output);
    h = o.states[0];
  }
  if (!keep_masks) cell.reset_dropout_masks();
  return {stack(outs, 1), h};
}

template <class T>
std::vector<xt::xarray<T>> to_xarrays(const std::vector<Tensor<T>>& ts) {
  std::vector<xt::xarray<T>> out;
  for (const auto& t : ts) out.push_back(to_xarray(t));
  return out;
}

}  // namespace loom::testing
