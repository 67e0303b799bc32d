#pragma once
// The bodies of loom's fuzz targets, shared by the libFuzzer programs (tests/fuzz/fuzz_*.cpp,
// built with LOOM_FUZZ=ON) and by the normal test suite, which replays every corpus file through
// them (tests/robustness/test_fuzz_corpus.cpp). Each body returns "" when the reader behaved, or
// a description of the contract it broke: an exception of an undocumented type, a result that
// does not hold together, or a failed load that changed the model. A crash, a sanitizer report
// or a hang is a failure by itself.
#include <cstdint>
#include <cstdio>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

#include "loom.hpp"
#include "train/io/npy.hpp"
#include "train/io/zip.hpp"

namespace loom::fuzz {

// A folder private to this process for the files the readers are handed.
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path().string();
    std::string tmpl = base + "/loom_fuzz_XXXXXX";
    if (!::mkdtemp(tmpl.data())) std::abort();
    return tmpl;
  }();
  return dir;
}

inline std::string write_scratch(const std::string& name, std::string_view bytes) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// ---------------------------------------------------------------------------------------------
// npz: raw bytes through the zip and npy decoders. Documented errors: IOError only. A loaded
// archive must survive a save/load round trip bit for bit (after conversion to T).
template <class T>
std::string npz_once(std::string_view data) {
  std::map<std::string, Tensor<T>> arrays;
  try {
    arrays = io::load_npz_bytes<T>(std::string(data), "fuzz.npz");
  } catch (const IOError&) {
    return "";
  } catch (const std::exception& e) {
    return std::string("load_npz_bytes threw an undocumented type: ") + e.what();
  }
  std::vector<io::zip::Entry> entries;
  for (const auto& [name, t] : arrays) {
    if (!t.defined()) return "load_npz_bytes returned an undefined tensor '" + name + "'";
    std::size_t n = 1;
    for (auto d : t.shape()) n *= d;
    if (n != t.size()) return "tensor '" + name + "' size disagrees with its shape";
    entries.push_back({name + ".npy", io::npy_encode(t)});
  }
  try {
    const auto again = io::load_npz_bytes<T>(io::zip::write(entries), "fuzz-roundtrip.npz");
    if (again.size() != arrays.size()) return "round trip changed the number of arrays";
    for (const auto& [name, t] : arrays) {
      const auto& u = again.at(name);
      if (u.shape() != t.shape() || std::memcmp(u.data(), t.data(), t.size() * sizeof(T)) != 0)
        return "round trip changed array '" + name + "'";
    }
  } catch (const std::exception& e) {
    return std::string("re-reading a re-encoded archive failed: ") + e.what();
  }
  return "";
}

inline std::string npz_input(std::string_view data) {
  if (auto r = npz_once<float>(data); !r.empty()) return r;
  return npz_once<double>(data);
}

// ---------------------------------------------------------------------------------------------
// CSV: byte 0 picks the options, the rest is the file. Documented errors: IOError, and IndexError
// only from CsvTable::column. A table must be (rows >= 1, selected columns) with one name per
// column.
inline std::string csv_input(std::string_view data) {
  if (data.empty()) return "";
  const auto sel = static_cast<unsigned char>(data[0]);
  CsvOptions o;
  o.delimiter = ",;\t|"[sel & 3];
  o.header = (sel >> 2) % 3 == 0 ? CsvHeader::detect : (sel >> 2) % 3 == 1 ? CsvHeader::present : CsvHeader::absent;
  switch ((sel >> 4) & 3) {
    case 1: o.columns = {std::size_t{0}}; break;
    case 2: o.columns = {std::string("b"), std::size_t{1}}; break;
    case 3: o.columns = {std::string("value")}; break;
    default: break;
  }
  const std::string path = write_scratch("input.csv", data.substr(1));
  try {
    if (sel & 0x80) {
      const auto t = read_csv<double>(path, o);
      if (t.data.rank() != 2 || t.data.dim(0) == 0 || t.names.size() != t.data.dim(1))
        return "read_csv<double> returned an inconsistent table " + t.data.shape().str();
    } else {
      const auto t = read_csv<float>(path, o);
      if (t.data.rank() != 2 || t.data.dim(0) == 0 || t.names.size() != t.data.dim(1))
        return "read_csv<float> returned an inconsistent table " + t.data.shape().str();
      if (!o.columns.empty() && t.data.dim(1) != o.columns.size())
        return "read_csv returned another number of columns than selected";
    }
  } catch (const IOError&) {
    return "";
  } catch (const std::exception& e) {
    return std::string("read_csv threw an undocumented type: ") + e.what();
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Checkpoints, structure-aware: the input is a list of entries "@@ <name>\n<bytes>" that is packed
// into a valid zip (so mutations get past the CRC), and an entry named "<x>.txt" is stored as the
// npy byte array "<x>.npy" that checkpoints keep their text meta record in. The archive is loaded
// into a compiled model. Documented errors: IOError, and ShapeError for a wrong shape. A failed
// load must change nothing: weights, optimizer state (it may build missing slots as zeros, as
// load_checkpoint documents), learning rate and the default generator.
struct CheckpointFixture {
  std::shared_ptr<Sequential<float>> model;
  std::shared_ptr<optimizers::Adam<float>> adam;
};

inline CheckpointFixture make_checkpoint_fixture() {
  set_seed(7);
  CheckpointFixture f;
  f.model = std::make_shared<Sequential<float>>("fz");
  f.model->add(std::make_shared<Dense<float>>(3, DenseOptions{.activation = "tanh", .name = "fz_hidden"}));
  f.model->add(std::make_shared<Dense<float>>(1, DenseOptions{.name = "fz_out"}));
  f.model->build(Shape{1, 2});
  f.adam = std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = 0.01});
  f.model->compile(f.adam, "mse");
  return f;
}

inline CheckpointFixture& checkpoint_fixture() {
  static CheckpointFixture f = make_checkpoint_fixture();
  return f;
}

// The entries of a structure-aware checkpoint input; false when the input names no entry.
inline bool split_entries(std::string_view data, std::vector<io::zip::Entry>& out) {
  constexpr std::string_view kMark = "@@ ";
  std::size_t p = data.rfind(kMark, 0) == 0 ? 0 : data.find("\n@@ ");
  if (p == std::string_view::npos) return false;
  if (p != 0) ++p;
  while (p != std::string_view::npos) {
    const std::size_t name_at = p + kMark.size();
    const std::size_t nl = data.find('\n', name_at);
    if (nl == std::string_view::npos) {
      out.push_back({std::string(data.substr(name_at)), ""});
      break;
    }
    std::size_t next = data.find("\n@@ ", nl);
    const std::size_t end = next == std::string_view::npos ? data.size() : next;
    out.push_back({std::string(data.substr(name_at, nl - name_at)), std::string(data.substr(nl + 1, end - nl - 1))});
    p = next == std::string_view::npos ? next : next + 1;
  }
  for (auto& e : out) {
    if (e.name.size() > 4 && e.name.compare(e.name.size() - 4, 4, ".txt") == 0) {
      auto t = Tensor<float>::empty(Shape{e.data.size()});
      for (std::size_t i = 0; i < e.data.size(); ++i) t.data()[i] = static_cast<unsigned char>(e.data[i]);
      e.name.replace(e.name.size() - 4, 4, ".npy");
      e.data = io::npy_encode(t);
    }
  }
  return true;
}

inline bool same_weights(const std::vector<xt::xarray<float>>& a, const std::vector<xt::xarray<float>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].shape() != b[i].shape() || std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) != 0)
      return false;
  return true;
}

// After a load that was accepted, the process must still work: the default generator draws finite
// numbers (a CRC-valid all-zero or nan generator state once hung the truncated normal or gave
// nan), and a training step ends, within 5 s, with finite weights wherever the loaded ones were.
inline std::string check_after_accepted_load(CheckpointFixture& f) {
  const auto t0 = std::chrono::steady_clock::now();
  Generator& g = default_generator();
  for (int i = 0; i < 64; ++i)
    if (!std::isfinite(g.normal()) || !std::isfinite(g.truncated_normal()) || !std::isfinite(g.uniform01()))
      return "after an accepted load_checkpoint the default generator drew a non-finite number";
  bool finite_before = true;
  for (const auto& w : f.model->get_weights())
    for (float v : w) finite_before = finite_before && std::isfinite(v);
  f.model->train_on_batch(Tensor<float>::ones({4, 2}), Tensor<float>::zeros({4, 1}));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (secs > 5.0) return "a training step after an accepted load_checkpoint took " + std::to_string(secs) + " s";
  if (finite_before)
    for (const auto& w : f.model->get_weights())
      for (float v : w)
        if (!std::isfinite(v)) return "a training step after an accepted load_checkpoint made a weight non-finite";
  return "";
}

inline std::string checkpoint_input(std::string_view data) {
  std::vector<io::zip::Entry> entries;
  if (!split_entries(data, entries)) return "";
  std::string archive;
  try {
    archive = io::zip::write(entries);
  } catch (const IOError&) {
    return "";  // an empty or duplicate name: not an archive this target can build
  }
  const std::string path = write_scratch("input.npz", archive);
  auto& f = checkpoint_fixture();
  const auto weights = f.model->get_weights();
  const auto opt_state = f.adam->get_state();
  const double lr = f.adam->learning_rate();
  const std::string rng = default_generator().state();
  std::string thrown;
  try {
    f.model->load_checkpoint(path);
    return check_after_accepted_load(f);
  } catch (const IOError&) {
  } catch (const ShapeError&) {
  } catch (const std::exception& e) {
    return std::string("load_checkpoint threw an undocumented type: ") + e.what();
  }
  if (!same_weights(f.model->get_weights(), weights)) return "a failed load_checkpoint changed the weights";
  if (f.adam->learning_rate() != lr) return "a failed load_checkpoint changed the learning rate";
  if (default_generator().state() != rng) return "a failed load_checkpoint changed the generator";
  // load_checkpoint builds the optimizer's slots before validating (documented: fresh slots are
  // zeros, which is what the first step would create); existing slots must keep their bits.
  for (const auto& [k, u] : f.adam->get_state()) {
    const auto it = opt_state.find(k);
    if (it == opt_state.end()) {
      for (std::size_t i = 0; i < u.size(); ++i)
        if (u.data()[i] != 0.0f) return "a failed load_checkpoint left a nonzero new optimizer slot '" + k + "'";
      continue;
    }
    const auto& t = it->second;
    if (u.shape() != t.shape() || std::memcmp(u.data(), t.data(), t.size() * sizeof(float)) != 0)
      return "a failed load_checkpoint changed optimizer state '" + k + "'";
  }
  if (f.adam->get_state().size() < opt_state.size()) return "a failed load_checkpoint dropped optimizer slots";
  return "";
}

// The structure-aware form of an existing .npz file (the seed corpus is made this way).
inline std::string checkpoint_seed_from_npz(const std::string& bytes) {
  std::string out;
  for (const auto& e : io::zip::read(bytes, "seed")) {
    std::string name = e.name, payload = e.data;
    if (name == "checkpoint/meta.npy") {
      const auto t = io::npy_decode<float>(e.data, "seed");
      payload.clear();
      for (std::size_t i = 0; i < t.size(); ++i) payload += static_cast<char>(static_cast<unsigned char>(t.data()[i]));
      name = "checkpoint/meta.txt";
    }
    out += (out.empty() ? "@@ " : "\n@@ ") + name + "\n" + payload;
  }
  return out;
}

}  // namespace loom::fuzz
