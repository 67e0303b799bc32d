#include "train/data/sequences.hpp"

#include <algorithm>

#include "core/checks.hpp"

namespace loom {

template <class T, class S>
Padded<T> pad_sequences(const std::vector<std::vector<S>>& seqs, const PadOptions& o) {
  if (o.maxlen > check::kMaxCount)
    check::fail("pad_sequences", "maxlen", "0 (the longest sequence) or a length of at most 2^40",
                std::to_string(o.maxlen));
  std::size_t len = o.maxlen;
  if (len == 0)
    for (const auto& s : seqs) len = std::max(len, s.size());
  Padded<T> r;
  r.values = Tensor<T>::full(Shape{seqs.size(), len}, static_cast<T>(o.value));
  r.mask = Tensor<T>::zeros(Shape{seqs.size(), len});
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    const auto& s = seqs[i];
    const std::size_t n = std::min(len, s.size());
    // Truncating "pre" keeps the last n elements, "post" the first n.
    const std::size_t from = o.truncating == PadSide::pre ? s.size() - n : 0;
    // Padding "pre" puts the kept elements at the end of the row.
    const std::size_t to = o.padding == PadSide::pre ? len - n : 0;
    T* v = r.values.data() + i * len;
    T* m = r.mask.data() + i * len;
    for (std::size_t k = 0; k < n; ++k) {
      v[to + k] = static_cast<T>(s[from + k]);
      m[to + k] = T(1);
    }
  }
  return r;
}

#define LOOM_INSTANTIATE_PAD(T, S) \
  template Padded<T> pad_sequences<T, S>(const std::vector<std::vector<S>>&, const PadOptions&);
#define LOOM_INSTANTIATE_PAD_T(T) \
  template struct Padded<T>; \
  LOOM_INSTANTIATE_PAD(T, int) LOOM_INSTANTIATE_PAD(T, std::int64_t) LOOM_INSTANTIATE_PAD(T, float) \
  LOOM_INSTANTIATE_PAD(T, double)
LOOM_INSTANTIATE_PAD_T(float)
LOOM_INSTANTIATE_PAD_T(double)

}  // namespace loom
