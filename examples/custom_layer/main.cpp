// custom_layer: a layer type written outside the library, end to end. MinimalRNNCell (with a new
// op, lecun_tanh, a user initializer and a user regularizer, and its own fused sequence op with a
// hand-written backward) is checked against finite differences in double precision and its fused
// op against the step loop (fused_checks.cpp), then trained inside loom's RNN wrapper, which runs
// the fused op, on the digits data (8x8 images read as 8 steps of 8 pixels). docs/extending.md
// explains every piece.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "common/cli.hpp"
#include "common/report.hpp"
#include "fan_in_uniform.hpp"
#include "fused_checks.hpp"
#include "lecun_tanh.hpp"
#include "loom.hpp"
#include "minimal_rnn_cell.hpp"
#include "orthogonality.hpp"

namespace po = boost::program_options;
using namespace loom;

namespace {

// The op alone, then the cell stepped by RNN over 4 steps, with the inputs, the initial state and
// every weight as checked inputs, and the regularization loss part of the checked function.
double run_gradchecks() {
  Generator g(5);
  const auto op = gradcheck([](const std::vector<Tensor<double>>& xs) { return custom::lecun_tanh(xs[0]); },
                            {random::uniform<double>({3, 5}, -3.0, 3.0, g)});
  std::printf("gradcheck lecun_tanh:              %s (max rel error %.2e)\n", op.ok ? "ok" : "FAILED",
              op.max_rel_error);

  const std::size_t B = 2, T = 4, I = 3, U = 5;
  auto cell = std::make_shared<custom::MinimalRNNCell<double>>(
      U, custom::MinimalRNNCellOptions{.recurrent_regularizer = std::make_shared<custom::Orthogonality>(0.1)});
  // use_fused = false: the step loop over call(), whose graph the tape differentiates.
  RNN<double> rnn(cell, {.return_sequences = true, .use_fused = false});
  rnn.build(Shape{B, T, I});
  const auto weights = rnn.weights();
  const std::vector<Tensor<double>> inputs = {random::uniform<double>({B, T, I}, -1.0, 1.0, g),
                                              random::uniform<double>({B, U}, -0.5, 0.5, g)};
  std::vector<Tensor<double>> values;
  for (const auto& w : weights) values.push_back(random::uniform<double>(w.shape(), -0.7, 0.7, g));
  // gradcheck_weights binds the weights to checked inputs: the layer reads its weights, not xs.
  const auto layer = gradcheck_weights(
      [&](const std::vector<Tensor<double>>& xs) {
        const auto r = rnn.call_full(xs[0], {xs[1]});
        std::vector<Tensor<double>> parts = {reshape(r.output, {-1}), reshape(r.states[0], {-1})};
        for (const auto& l : rnn.losses()) parts.push_back(reshape(l, {1}));
        return concat(parts, 0);
      },
      inputs, weights, values);
  std::printf("gradcheck RNN(MinimalRNNCell) + L: %s (max rel error %.2e, %zu weights)\n", layer.ok ? "ok" : "FAILED",
              layer.max_rel_error, weights.size());
  if (!op.ok || !layer.ok)
    throw RuntimeError("custom_layer: gradcheck failed: " + (op.ok ? layer.str() : op.str()));
  // The cell's own fused sequence op (MinimalRNNCell::call_sequence), which the RNNs below run.
  const double fused = custom::check_fused_sequence();
  return std::max({op.max_rel_error, layer.max_rel_error, fused});
}

std::pair<Tensor<float>, Tensor<float>> digits(const Tensor<float>& table, std::size_t first, std::size_t count) {
  auto x = Tensor<float>::empty({count, 8, 8});
  auto y = Tensor<float>::empty({count});
  for (std::size_t i = 0; i < count; ++i) {
    const float* row = table.data() + (first + i) * 65;
    for (std::size_t p = 0; p < 64; ++p) x.data()[i * 64 + p] = row[p] / 16.0f;
    y.data()[i] = row[64];
  }
  return {x, y};
}

}  // namespace

int main(int argc, char** argv) try {
  examples::elapsed_seconds();
  examples::Cli cli("custom_layer", "a user-defined recurrent cell, gradchecked and trained in loom's RNN",
                    {.epochs = 15, .batch_size = 32, .units = 64, .seed = 0, .out = "out/custom_layer"},
                    {.epochs = 8, .batch_size = 32, .units = 32});
  double learning_rate = 3e-3, orthogonality = 1e-3;
  cli.extra().add_options()
      ("learning-rate", po::value<double>(&learning_rate)->default_value(learning_rate, "0.003"), "Adam learning rate")
      ("orthogonality", po::value<double>(&orthogonality)->default_value(orthogonality, "0.001"),
       "strength of the Orthogonality regularizer on the recurrent kernel");
  if (!cli.parse(argc, argv)) return 0;
  const auto& o = cli.common();
  const std::string out = examples::make_out_dir(o.out);
  custom::register_classes();

  const double max_rel_error = run_gradchecks();

  auto table = read_csv<float>(examples::data_file(o.data, "digits.csv"), {.header = CsvHeader::absent});
  const auto [x_train, y_train] = digits(table.data, 0, 1437);
  const auto [x_test, y_test] = digits(table.data, 1437, table.data.dim(0) - 1437);

  set_seed(o.seed);
  auto cell = std::make_shared<custom::MinimalRNNCell<float>>(
      o.units, custom::MinimalRNNCellOptions{
                   .kernel_initializer = custom::FanInUniform(),
                   .gate_initializer = custom::FanInUniform(),
                   .recurrent_regularizer = std::make_shared<custom::Orthogonality>(orthogonality)});
  auto model = std::make_shared<Sequential<float>>();
  auto rnn = std::make_shared<RNN<float>>(cell);
  model->add(rnn);
  model->add(Dense(10, {.activation = "softmax"}));
  model->compile(std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = learning_rate}),
                 "sparse_categorical_crossentropy", {"accuracy"});
  model->build(Shape{1, 8, 8});
  model->summary();

  auto history = model->fit(
      x_train, y_train,
      {.epochs = static_cast<std::size_t>(o.epochs),
       .batch_size = static_cast<std::size_t>(o.batch_size),
       .seed = o.seed,
       .validation_split = 0.1,
       .callbacks = {std::make_shared<callbacks::CSVLogger<float>>(out + "/history.csv"),
                     std::make_shared<callbacks::ModelCheckpoint<float>>(out + "/checkpoint.npz")}});
  model->save_weights(out + "/weights.npz");
  examples::plot_history(history, out + "/loss.png", "custom_layer: MinimalRNNCell on digits");

  const auto test = model->evaluate(x_test, y_test, {.verbose = 0});
  if (!rnn->last_call_fused() || cell->fused_calls() == 0)
    throw RuntimeError("custom_layer: training and evaluation expected to run MinimalRNNCell's fused op, but the "
                       "RNN stepped the cell");
  std::printf("test: loss %.4f, accuracy %.4f\n", test.at("loss"), test.at("accuracy"));
  std::printf("wrote %s/history.csv, %s/loss.png, %s/checkpoint.npz, %s/weights.npz in %.1f s\n", out.c_str(),
              out.c_str(), out.c_str(), out.c_str(), examples::elapsed_seconds());
  examples::print_final({{"test_accuracy", test.at("accuracy")}, {"gradcheck_max_rel_error", max_rel_error}});
  return 0;
} catch (const std::exception& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
