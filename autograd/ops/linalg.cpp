#include "autograd/ops/linalg.hpp"

#include <string>

#include "autograd/tape.hpp"
#include "core/blas.hpp"
#include "core/errors.hpp"

namespace loom {
namespace {

[[noreturn]] void bad_matmul(const Shape& a, const Shape& b, const std::string& why) {
  throw ShapeError("matmul: shapes " + a.str() + " and " + b.str() + " are incompatible: " + why);
}

}  // namespace

template <class T>
Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b) {
  if (!a.defined() || !b.defined())
    throw ValueError("matmul: expected defined tensors, received an undefined one");
  const Shape& sa = a.shape();
  const Shape& sb = b.shape();
  const bool shared_b = sa.rank() == 3 && sb.rank() == 2;
  if (!((sa.rank() == 2 && sb.rank() == 2) || (sa.rank() == 3 && sb.rank() == 3) || shared_b))
    bad_matmul(sa, sb, "expected ranks (2,2), (3,3) or (3,2), received (" +
                           std::to_string(sa.rank()) + "," + std::to_string(sb.rank()) + ")");
  const std::size_t batch = sa.rank() == 3 ? sa[0] : 1;
  if (sa.rank() == 3 && sb.rank() == 3 && sb[0] != batch)
    bad_matmul(sa, sb, "expected equal batch sizes, received " + std::to_string(batch) + " and " +
                           std::to_string(sb[0]));
  const std::size_t m = sa[sa.rank() - 2], k = sa[sa.rank() - 1];
  const std::size_t kb = sb[sb.rank() - 2], n = sb[sb.rank() - 1];
  if (k != kb)
    bad_matmul(sa, sb, "expected a's last dimension (" + std::to_string(k) +
                           ") to equal b's second-to-last (" + std::to_string(kb) + ")");
  Tensor<T> out;
  if (shared_b) {
    // One GEMM over the flattened batch: (B*m, k) @ (k, n).
    out = Tensor<T>::empty({batch, m, n});
    blas::gemm<T>(false, false, batch * m, n, k, T(1), a.data(), b.data(), T(0), out.data());
  } else if (sa.rank() == 2) {
    out = Tensor<T>::empty({m, n});
    blas::gemm<T>(false, false, m, n, k, T(1), a.data(), b.data(), T(0), out.data());
  } else {
    out = Tensor<T>::empty({batch, m, n});
    for (std::size_t i = 0; i < batch; ++i)
      blas::gemm<T>(false, false, m, n, k, T(1), a.data() + i * m * k, b.data() + i * k * n, T(0),
                    out.data() + i * m * n);
  }
  if (autograd::should_record<T>({&a, &b})) {
    autograd::record<T>("matmul", {&a, &b}, {&out},
                        [a, b, batch, m, n, k, shared_b](BackwardCtx<T>& c) {
      const T* g = c.g().data();
      if (c.need(0)) {
        // dA = dC @ B^T
        auto ga = Tensor<T>::empty(a.shape());
        if (shared_b || a.rank() == 2) {
          blas::gemm<T>(false, true, batch * m, k, n, T(1), g, b.data(), T(0), ga.data());
        } else {
          for (std::size_t i = 0; i < batch; ++i)
            blas::gemm<T>(false, true, m, k, n, T(1), g + i * m * n, b.data() + i * k * n, T(0),
                          ga.data() + i * m * k);
        }
        c.grad_in[0] = std::move(ga);
      }
      if (c.need(1)) {
        // dB = A^T @ dC, summed over the batch when B is shared.
        auto gb = Tensor<T>::empty(b.shape());
        if (shared_b || a.rank() == 2) {
          blas::gemm<T>(true, false, k, n, batch * m, T(1), a.data(), g, T(0), gb.data());
        } else {
          for (std::size_t i = 0; i < batch; ++i)
            blas::gemm<T>(true, false, k, n, m, T(1), a.data() + i * m * k, g + i * m * n, T(0),
                          gb.data() + i * k * n);
        }
        c.grad_in[1] = std::move(gb);
      }
    });
  }
  return out;
}

namespace {
template <class T>
Tensor<T> permute_data(const Tensor<T>& x, const std::vector<std::size_t>& perm) {
  const Shape& s = x.shape();
  Shape os;
  for (auto p : perm) os.push_back(s[p]);
  auto out = Tensor<T>::empty(os);
  const std::size_t r = s.rank();
  std::vector<std::size_t> in_stride(r), st(r);
  std::size_t acc = 1;
  for (std::size_t i = r; i-- > 0;) {
    in_stride[i] = acc;
    acc *= s[i];
  }
  for (std::size_t i = 0; i < r; ++i) st[i] = in_stride[perm[i]];
  std::vector<std::size_t> idx(r, 0);
  const T* xp = x.data();
  T* op = out.data();
  std::size_t off = 0;
  for (std::size_t i = 0, n = out.size(); i < n; ++i) {
    op[i] = xp[off];
    for (std::size_t d = r; d-- > 0;) {
      if (++idx[d] < os[d]) {
        off += st[d];
        break;
      }
      off -= st[d] * (os[d] - 1);
      idx[d] = 0;
    }
  }
  return out;
}
}  // namespace

template <class T>
Tensor<T> transpose(const Tensor<T>& x, const std::vector<std::size_t>& perm) {
  if (!x.defined())
    throw ValueError("transpose: expected a defined tensor, received an undefined one");
  const std::size_t r = x.rank();
  std::vector<bool> seen(r, false);
  bool ok = perm.size() == r;
  for (auto p : perm) ok = ok && p < r && !seen[p] && (seen[p] = true);
  if (!ok) {
    std::string got = "{";
    for (std::size_t i = 0; i < perm.size(); ++i) got += (i ? ", " : "") + std::to_string(perm[i]);
    throw ValueError("transpose: argument 'perm' expected a permutation of 0.." + std::to_string(r ? r - 1 : 0) +
                     " for shape " + x.shape().str() + ", received " + got + "}");
  }
  auto out = permute_data(x, perm);
  if (autograd::should_record<T>({&x})) {
    std::vector<std::size_t> inv(r);
    for (std::size_t i = 0; i < r; ++i) inv[perm[i]] = i;
    autograd::record<T>("transpose", {&x}, {&out}, [inv](BackwardCtx<T>& c) {
      c.grad_in[0] = permute_data(c.g(), inv);
    });
  }
  return out;
}

template <class T>
Tensor<T> transpose(const Tensor<T>& x) {
  if (!x.defined() || x.rank() < 2)
    throw ShapeError("transpose: expected a tensor of rank >= 2, received shape " +
                     (x.defined() ? x.shape().str() : std::string("undefined")));
  std::vector<std::size_t> perm(x.rank());
  for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
  std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
  return transpose(x, perm);
}

#define LOOM_INSTANTIATE_LINALG(T)                                            \
  template Tensor<T> matmul(const Tensor<T>&, const Tensor<T>&);              \
  template Tensor<T> transpose(const Tensor<T>&);                             \
  template Tensor<T> transpose(const Tensor<T>&, const std::vector<std::size_t>&);
LOOM_INSTANTIATE_LINALG(float)
LOOM_INSTANTIATE_LINALG(double)

}  // namespace loom
