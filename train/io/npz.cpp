#include "train/io/npz.hpp"

#include "core/errors.hpp"
#include "train/io/atomic_file.hpp"
#include "train/io/npy.hpp"
#include "train/io/zip.hpp"

namespace loom::io {

template <class T>
std::string npz_bytes(const std::map<std::string, Tensor<T>>& arrays, const NpzOptions& o) {
  std::vector<zip::Entry> entries;
  entries.reserve(arrays.size());
  for (const auto& [name, t] : arrays) {
    if (name.empty()) throw ValueError("save_npz: array names expected to be non-empty, received ''");
    if (!t.defined())
      throw ValueError("save_npz: array '" + name + "' expected a defined tensor, received an undefined one");
    entries.push_back({name + ".npy", npy_encode(t)});
  }
  return zip::write(entries, o.compressed);
}

template <class T>
void save_npz(const std::string& path, const std::map<std::string, Tensor<T>>& arrays, const NpzOptions& o) {
  write_file_atomic(path, npz_bytes(arrays, o));
}

template <class T>
std::map<std::string, Tensor<T>> load_npz_bytes(const std::string& bytes, const std::string& what) {
  std::map<std::string, Tensor<T>> out;
  for (const auto& e : zip::read(bytes, what)) {
    const std::string& n = e.name;
    if (n.size() < 5 || n.compare(n.size() - 4, 4, ".npy") != 0)
      throw IOError("npz file '" + what + "': entry '" + n + "' is not a .npy array (not an npz file)");
    const std::string key = n.substr(0, n.size() - 4);
    out.emplace(key, npy_decode<T>(e.data, what + ":" + n));
  }
  return out;
}

template <class T>
std::map<std::string, Tensor<T>> load_npz(const std::string& path) {
  return load_npz_bytes<T>(read_file(path), path);
}

#define LOOM_INSTANTIATE_NPZ(T)                                                                    \
  template void save_npz(const std::string&, const std::map<std::string, Tensor<T>>&, const NpzOptions&); \
  template std::string npz_bytes(const std::map<std::string, Tensor<T>>&, const NpzOptions&);      \
  template std::map<std::string, Tensor<T>> load_npz<T>(const std::string&);                       \
  template std::map<std::string, Tensor<T>> load_npz_bytes<T>(const std::string&, const std::string&);
LOOM_INSTANTIATE_NPZ(float)
LOOM_INSTANTIATE_NPZ(double)

}  // namespace loom::io
