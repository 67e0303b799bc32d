// deploy_onnx: train a bidirectional GRU on the bundled digits (as examples/digits), export it with
// export_onnx, and serve the file from ONNX Runtime (onnxruntime-web in node, run_ort.js beside this
// file): both test accuracies are printed, and they are equal because the predictions are.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "common/cli.hpp"
#include "common/digits.hpp"
#include "common/report.hpp"
#include "core/config.hpp"
#include "loom.hpp"

using namespace loom;

static void write_f32(const std::string& path, const Tensor<float>& t) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(t.data()), static_cast<std::streamsize>(t.size() * sizeof(float)));
}

int main(int argc, char** argv) try {
  examples::elapsed_seconds();
  examples::Cli cli("deploy_onnx", "digits by a bidirectional GRU, exported to ONNX and served by ONNX Runtime",
                    {.epochs = 15, .batch_size = 32, .units = 64, .seed = 0, .out = "out/deploy_onnx"},
                    {.epochs = 6, .batch_size = 32, .units = 32});
  if (!cli.parse(argc, argv)) return 0;
  const auto& o = cli.common();
  const std::string out = examples::make_out_dir(o.out);

  const std::size_t n_train = 1437;
  const auto table = examples::read_digits(examples::data_file(o.data, "digits.csv"), n_train, "deploy_onnx");
  const auto [x_train, y_train] = examples::digits_rows(table, 0, n_train);
  const auto [x_test, y_test] = examples::digits_rows(table, n_train, table.n() - n_train);

  set_seed(o.seed);
  auto model = std::make_shared<Sequential<float>>();
  model->add(Bidirectional(GRU(o.units)));
  model->add(Dense(10, {.activation = "softmax"}));
  model->compile(std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = 3e-3}),
                 "sparse_categorical_crossentropy", {"accuracy"});
  model->build(Shape{1, 8, 8});
  auto history = model->fit(x_train, y_train,
                            {.epochs = static_cast<std::size_t>(o.epochs),
                             .batch_size = static_cast<std::size_t>(o.batch_size),
                             .seed = o.seed,
                             .callbacks = {std::make_shared<callbacks::CSVLogger<float>>(out + "/history.csv")},
                             .verbose = 0});
  examples::plot_history(history, out + "/loss.png", "deploy_onnx: sparse categorical cross-entropy", true);
  model->save_weights(out + "/checkpoint.npz");
  const double loom_acc = model->evaluate(x_test, y_test, {.verbose = 0}).at("accuracy");

  // The deployment: the .onnx file alone, run by ONNX Runtime in another process.
  export_onnx(*model, out + "/model.onnx");
  write_f32(out + "/x_test.bin", x_test);
  write_f32(out + "/y_test.bin", y_test);
  const std::string cmd = "NODE_PATH='" + std::string(LOOM_ONNX_NODE_MODULES) + "' node '" LOOM_DEPLOY_ONNX_SCRIPT
                          "' '" + out + "'";
  if (std::system(cmd.c_str()) != 0)
    throw IOError("deploy_onnx: `" + cmd + "` failed (onnxruntime-web is installed by tests/saving/npm_peer_setup.sh "
                  "<build>/onnx, which .ci/deps-test runs)");
  std::ifstream f(out + "/ort_classes.json");
  std::stringstream s;
  s << f.rdbuf();
  const auto classes = Config::parse(s.str()).get<std::vector<int>>();
  const Tensor<float> p = model->predict(x_test, {.verbose = 0});
  std::size_t right = 0, same = 0;
  for (std::size_t i = 0; i < classes.size(); ++i) {
    std::size_t best = 0;
    for (std::size_t c = 1; c < 10; ++c)
      if (p.data()[i * 10 + c] > p.data()[i * 10 + best]) best = c;
    same += static_cast<int>(best) == classes[i];
    right += std::lround(y_test.data()[i]) == classes[i];
  }
  const double ort_acc = static_cast<double>(right) / static_cast<double>(classes.size());
  std::printf("test accuracy: loom %.4f, onnxruntime %.4f; %zu of %zu predicted classes equal (%.1f s)\n", loom_acc,
              ort_acc, same, classes.size(), examples::elapsed_seconds());
  examples::print_final({{"test_accuracy", ort_acc}, {"loom_test_accuracy", loom_acc},
                         {"classes_differing", static_cast<double>(classes.size() - same)}});
  return ort_acc == loom_acc ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
