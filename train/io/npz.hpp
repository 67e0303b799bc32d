#pragma once
// numpy's .npz: a zip archive of "<name>.npy" arrays, as np.savez writes and np.load reads.
//
//   io::save_npz("w.npz", {{"gru_cell/kernel", k}, {"gru_cell/bias", b}});
//   auto w = io::load_npz<float>("w.npz");   // w["gru_cell/kernel"]
#include <map>
#include <string>

#include "core/tensor.hpp"

namespace loom::io {

struct NpzOptions {
  bool compressed = false;  // deflate the entries (np.savez_compressed) instead of storing them
};

// Writes atomically (temporary file, fsync, rename): a failure or crash leaves the old file.
// Names may contain '/' (Keras weight names); each becomes the entry "<name>.npy".
template <class T>
void save_npz(const std::string& path, const std::map<std::string, Tensor<T>>& arrays,
              const NpzOptions& options = {});

// The bytes save_npz writes, for an .npz held inside another archive (saving/).
template <class T>
std::string npz_bytes(const std::map<std::string, Tensor<T>>& arrays, const NpzOptions& options = {});

// Every array of an .npz file, converted to T (float32, float64, integer and bool arrays load).
// Validates the whole file before returning anything; throws IOError naming the path and what
// is wrong for a missing, empty, truncated, corrupt or foreign file.
template <class T>
std::map<std::string, Tensor<T>> load_npz(const std::string& path);

// The same from bytes already in memory; `what` names the source in messages.
template <class T>
std::map<std::string, Tensor<T>> load_npz_bytes(const std::string& bytes, const std::string& what);

#define LOOM_EXTERN_NPZ(T)                                                                         \
  extern template void save_npz(const std::string&, const std::map<std::string, Tensor<T>>&,       \
                                const NpzOptions&);                                                \
  extern template std::string npz_bytes(const std::map<std::string, Tensor<T>>&, const NpzOptions&); \
  extern template std::map<std::string, Tensor<T>> load_npz<T>(const std::string&);                \
  extern template std::map<std::string, Tensor<T>> load_npz_bytes<T>(const std::string&, const std::string&);
LOOM_EXTERN_NPZ(float)
LOOM_EXTERN_NPZ(double)
#undef LOOM_EXTERN_NPZ

}  // namespace loom::io
