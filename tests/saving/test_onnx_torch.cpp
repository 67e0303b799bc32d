// The same GRU weights exported by PyTorch's own exporter (torch.onnx.export of torch.nn.GRU,
// Debian's python3-torch; tests/saving/onnx/torch_gru.py) and by loom's export_onnx (the weights
// mapped with gru_from_torch) give the same outputs in onnxruntime-web, and loom's predict agrees.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "loom.hpp"
#include "train/io/npz.hpp"
#include "saving/onnx_peer.hpp"

namespace loom {
namespace {

double max_abs_diff(const Tensor<float>& a, const Tensor<float>& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(double(a.data()[i]) - double(b.data()[i])));
  return d;
}

TEST(OnnxTorch, TorchAndLoomExportsOfOneGruAgreeInOnnxRuntime) {
  if (const auto why = test::onnx_peer_unavailable(); !why.empty()) GTEST_SKIP() << why;
  if (std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 has no torch (apt-get install python3-torch; .ci/deps does)";
  const std::string dir = test::onnx_work_dir("torch_gru");
  constexpr std::size_t kIn = 5, kUnits = 8;
  ASSERT_EQ(test::run_logged("torch_gru.py", "/usr/bin/python3 '" + std::string(LOOM_SOURCE_DIR) +
                             "/tests/saving/onnx/torch_gru.py' '" + dir + "' 5 8", dir + "/torch.log"), "");
  const auto sd = io::load_npz<float>(dir + "/torch_gru.npz");
  const auto keras = gru_from_torch<float>({sd.at("weight_ih_l0"), sd.at("weight_hh_l0"), sd.at("bias_ih_l0"),
                                            sd.at("bias_hh_l0")});
  Sequential<float> model;
  model.add(GRU(kUnits, {}, {.return_sequences = true}));
  std::mt19937 gen(3);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  auto input = [&](std::size_t b, std::size_t t) {
    std::vector<float> v(b * t * kIn);
    for (auto& x : v) x = u(gen);
    return Tensor<float>(Shape({b, t, kIn}), v);
  };
  model.predict(input(1, 2), {.verbose = 0});
  const auto* cell = dynamic_cast<const GRUCell<float>*>(
      dynamic_cast<const RNN<float>&>(*model.layers()[0]).cell().get());
  ASSERT_NE(cell, nullptr);
  Variable<float>(cell->kernel()).assign(keras.kernel);
  Variable<float>(cell->recurrent_kernel()).assign(keras.recurrent_kernel);
  Variable<float>(cell->bias()).assign(keras.bias);
  export_onnx(model, dir + "/loom_gru.onnx");

  const std::vector<std::pair<std::size_t, std::size_t>> runs = {{1, 1}, {3, 6}, {7, 13}};
  Config index = Config::array();
  std::vector<Tensor<float>> loom_y;
  for (const char* m : {"torch_gru", "loom_gru"}) {
    Config e = {{"model", std::string(m) + ".onnx"}, {"input", "input"}, {"output", "output"}};
    e["runs"] = Config::array();
    for (std::size_t r = 0; r < runs.size(); ++r)
      e["runs"].push_back(Config{{"x", "x" + std::to_string(r) + ".bin"},
                                 {"shape", std::vector<std::size_t>{runs[r].first, runs[r].second, kIn}},
                                 {"y", std::string(m) + "_y" + std::to_string(r) + ".bin"}});
    index.push_back(e);
  }
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const auto x = input(runs[r].first, runs[r].second);
    test::write_f32(dir + "/x" + std::to_string(r) + ".bin", x);
    loom_y.push_back(model.predict(x, {.verbose = 0}));
  }
  { std::ofstream(dir + "/index.json") << index.dump(1); }
  ASSERT_EQ(test::run_onnx_peer(dir), "");
  double worst = 0;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const auto t = test::read_ort_output(dir + "/torch_gru_y" + std::to_string(r) + ".bin");
    const auto l = test::read_ort_output(dir + "/loom_gru_y" + std::to_string(r) + ".bin");
    ASSERT_EQ(t.shape(), l.shape());
    ASSERT_EQ(l.shape(), loom_y[r].shape());
    const double d = max_abs_diff(t, l);
    EXPECT_LE(d, 1e-5) << "torch's export and loom's differ in ORT at run " << r;
    EXPECT_LE(max_abs_diff(l, loom_y[r]), 1e-5);
    worst = std::max(worst, d);
  }
  std::printf("[ torch.onnx.export vs export_onnx ] nn.GRU(%zu, %zu), %zu runs in onnxruntime-web, max diff = %.3g\n",
              kIn, kUnits, runs.size(), worst);
}

}  // namespace
}  // namespace loom
