// Writes the loom-made part of the seed corpus: make_seeds <tests/fuzz/corpus>. The numpy-made
// npz seeds come from make_numpy_seeds.py. Rerun both when a file format changes.
#include <iostream>

#include "fuzz_targets.hpp"
#include "train/io/atomic_file.hpp"

using namespace loom;

namespace {

void put(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::cout << dir << "/" << name << " (" << bytes.size() << " bytes)\n";
}

template <class T>
Tensor<T> ramp(const Shape& s, double scale) {
  auto t = Tensor<T>::empty(s);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<T>(scale * static_cast<double>(i) - 1.0);
  return t;
}

void npz_seeds(const std::string& dir, const std::string& tmp) {
  const std::map<std::string, Tensor<float>> f{{"dense/kernel", ramp<float>({3, 2}, 0.25)},
                                               {"dense/bias", ramp<float>({2}, 0.5)},
                                               {"scalar", Tensor<float>::scalar(2.5f)},
                                               {"empty", Tensor<float>::zeros(Shape{0, 3})}};
  io::save_npz<float>(tmp, f);
  put(dir, "loom_f32_stored.npz", io::read_file(tmp));
  io::save_npz<float>(tmp, f, {.compressed = true});
  put(dir, "loom_f32_deflate.npz", io::read_file(tmp));
  io::save_npz<double>(tmp, {{"cube", ramp<double>({2, 2, 2}, 0.125)}});
  put(dir, "loom_f64_cube.npz", io::read_file(tmp));
}

void csv_seeds(const std::string& dir) {
  // Byte 0 selects the options (fuzz_targets.hpp csv_input): bits 0-1 delimiter ,;\t|, bits 2-3
  // header detect/present/absent, bits 4-5 column selection, bit 7 double.
  put(dir, "header_comma.csv", std::string("\x00", 1) + "time,value\n1,2.5\n2,-3e-2\n3,+4\n");
  put(dir, "no_header.csv", std::string("\x08", 1) + "1,2,3\n4,5,6\n");
  put(dir, "quoted_crlf_bom.csv", std::string("\x10", 1) + "\xEF\xBB\xBF\"a\",\"b\"\r\n\" 1\",\"2\"\r\n3,4\r\n");
  put(dir, "semicolon_select.csv", std::string("\x21", 1) + "a;b;c\n1;2;3\n\n4;5;6\n");
  put(dir, "tab_value_double.csv", std::string("\xB2", 1) + "t\tvalue\n0\tnan\n1\tinf\n2\t1e308\n");
  put(dir, "escaped_quotes.csv", std::string("\x04", 1) + "\"x\"\"y\",z\n1,2\n");
  put(dir, "ragged.csv", std::string("\x00", 1) + "a,b\n1,2\n3\n");
}

void checkpoint_seeds(const std::string& dir, const std::string& tmp) {
  auto& f = fuzz::checkpoint_fixture();
  f.model->save_checkpoint(tmp, {0, 0});
  put(dir, "fresh_checkpoint.txt", fuzz::checkpoint_seed_from_npz(io::read_file(tmp)));
  auto x = Tensor<float>::empty(Shape{8, 2}), y = Tensor<float>::empty(Shape{8, 1});
  for (std::size_t i = 0; i < 16; ++i) x.data()[i] = 0.1f * static_cast<float>(i) - 0.7f;
  for (std::size_t i = 0; i < 8; ++i) y.data()[i] = x.data()[2 * i] - x.data()[2 * i + 1];
  f.model->fit(x, y, {.epochs = 2, .batch_size = 4, .validation_split = 0.25, .verbose = 0});
  f.model->save_checkpoint(tmp, {2, 1});
  put(dir, "trained_checkpoint.txt", fuzz::checkpoint_seed_from_npz(io::read_file(tmp)));
  f.model->save_weights(tmp);
  put(dir, "weights_only.txt", fuzz::checkpoint_seed_from_npz(io::read_file(tmp)));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds <corpus folder>\n";
    return 2;
  }
  const std::string root = argv[1];
  const std::string tmp = fuzz::scratch_dir() + "/seed.npz";
  npz_seeds(root + "/npz", tmp);
  csv_seeds(root + "/csv");
  checkpoint_seeds(root + "/checkpoint", tmp);
  return 0;
}
