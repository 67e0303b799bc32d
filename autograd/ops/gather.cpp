#include "autograd/ops/gather.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "autograd/tape.hpp"
#include "core/errors.hpp"

namespace loom {

namespace {
// An integral value of any size, e.g. 1e30: a cast to long long would be undefined behaviour.
std::string whole_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}
}  // namespace

template <class T>
Tensor<T> gather_rows(const Tensor<T>& table, const Tensor<T>& indices) {
  if (!table.defined() || !indices.defined())
    throw ValueError("gather_rows: expected defined 'table' and 'indices' tensors, received an "
                     "undefined one");
  if (table.rank() < 1)
    throw ShapeError("gather_rows: argument 'table' expected rank >= 1, received shape " +
                     table.shape().str());
  const std::size_t rows = table.dim(0);
  const std::size_t width = rows ? table.size() / rows : 0;
  const std::size_t n = indices.size();
  // Validated and converted once, so the backward reuses the row numbers.
  std::vector<std::size_t> idx(n);
  const T* ip = indices.data();
  for (std::size_t i = 0; i < n; ++i) {
    const T v = ip[i];
    if (!std::isfinite(v) || v != std::floor(v))
      throw ValueError("gather_rows: indices expected integer values, received " +
                       std::to_string(static_cast<double>(v)) + " at flat position " + std::to_string(i));
    if (v < T(0) || v >= static_cast<T>(rows))
      throw IndexError("gather_rows: index expected in [0, " + std::to_string(rows) + "), received " +
                       whole_number(static_cast<double>(v)) + " at flat position " +
                       std::to_string(i));
    idx[i] = static_cast<std::size_t>(v);
  }
  Shape os = indices.shape();
  for (std::size_t d = 1; d < table.rank(); ++d) os.push_back(table.shape()[d]);
  auto out = Tensor<T>::empty(os);
  const T* tp = table.data();
  T* op = out.data();
  for (std::size_t i = 0; i < n; ++i) std::memcpy(op + i * width, tp + idx[i] * width, width * sizeof(T));
  if (autograd::should_record<T>({&table})) {
    autograd::record<T>("gather_rows", {&table}, {&out},
                        [idx = std::move(idx), ts = table.shape(), width](BackwardCtx<T>& c) {
                          auto gt = Tensor<T>::zeros(ts);
                          const T* gp = c.g().data();
                          T* dp = gt.data();
                          for (std::size_t i = 0; i < idx.size(); ++i) {
                            T* row = dp + idx[i] * width;
                            const T* g = gp + i * width;
                            for (std::size_t j = 0; j < width; ++j) row[j] += g[j];
                          }
                          c.grad_in[0] = std::move(gt);
                        });
  }
  return out;
}

template Tensor<float> gather_rows(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> gather_rows(const Tensor<double>&, const Tensor<double>&);

}  // namespace loom
