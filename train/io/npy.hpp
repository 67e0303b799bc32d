#pragma once
// The .npy array format (numpy's format.py, versions 1.0 to 3.0). Encoding goes through
// xtensor's xt::dump_npy. Decoding is loom's own, because xt::load_npy trusts its input: it
// allocates whatever the header's shape says, does not notice a short read, and only loads the
// exact dtype asked for. This decoder validates the header and converts the stored dtype.
#include <string>
#include <string_view>

#include "core/tensor.hpp"

namespace loom::io {

// npy bytes of a tensor: dtype '<f4' for float, '<f8' for double, C order.
template <class T>
std::string npy_encode(const Tensor<T>& t);

// A tensor from npy bytes of dtype float (f2 excluded: f4, f8), signed or unsigned integers (1,
// 2, 4, 8 bytes), or bool, in either byte order and either C or Fortran order, converted to T.
// `what` names the source in messages. Throws IOError naming what is wrong: bad magic,
// unsupported version, malformed header, unsupported dtype, rank above 8, or data whose size does
// not match the shape.
template <class T>
Tensor<T> npy_decode(std::string_view bytes, const std::string& what);

extern template std::string npy_encode(const Tensor<float>&);
extern template std::string npy_encode(const Tensor<double>&);
extern template Tensor<float> npy_decode<float>(std::string_view, const std::string&);
extern template Tensor<double> npy_decode<double>(std::string_view, const std::string&);

}  // namespace loom::io
