// Digits: classify 8x8 handwritten digits read as sequences, one image row (8 pixels) per step,
// with a bidirectional GRU and a softmax layer. Trained on the first 1437 images, tested on the
// last 360 (baselines: examples/data/README.md). Baselines: softmax regression 0.914, 1-NN 0.956.
#include <cstdio>
#include <iostream>
#include <memory>

#include "common/cli.hpp"
#include "common/digits.hpp"
#include "common/report.hpp"
#include "loom.hpp"

namespace po = boost::program_options;
using namespace loom;

// The images (n, 8, 8) and their copies shifted by one pixel in each of four directions (the
// pixels shifted in are blank).
static std::pair<Tensor<float>, Tensor<float>> shifted_copies(const Tensor<float>& x, const Tensor<float>& y) {
  const int shifts[5][2] = {{0, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, -1}};
  const std::size_t n = x.dim(0);
  auto xs = Tensor<float>::zeros({5 * n, 8, 8});
  auto ys = Tensor<float>::empty({5 * n});
  for (std::size_t s = 0; s < 5; ++s)
    for (std::size_t i = 0; i < n; ++i) {
      float* dst = xs.data() + (s * n + i) * 64;
      for (int r = 0; r < 8; ++r)
        for (int c = 0; c < 8; ++c) {
          const int rr = r - shifts[s][0], cc = c - shifts[s][1];
          if (rr >= 0 && rr < 8 && cc >= 0 && cc < 8) dst[r * 8 + c] = x.data()[i * 64 + rr * 8 + cc];
        }
      ys.data()[s * n + i] = y.data()[i];
    }
  return {xs, ys};
}

int main(int argc, char** argv) try {
  examples::elapsed_seconds();
  examples::Cli cli("digits", "8x8 digits as sequences of 8 rows, classified by a bidirectional GRU",
                    {.epochs = 40, .batch_size = 32, .units = 128, .seed = 0, .out = "out/digits"},
                    {.epochs = 6, .batch_size = 32, .units = 32});
  double learning_rate = 3e-3, validation_split = 0.1, dropout = 0.0;
  bool unidirectional = false, augment = true;
  int patience = 10;
  cli.extra().add_options()
      ("learning-rate", po::value<double>(&learning_rate)->default_value(learning_rate, "0.003"), "Adam learning rate")
      ("validation-split", po::value<double>(&validation_split)->default_value(validation_split, "0.1"),
       "last fraction of the training images used for validation")
      ("patience", po::value<int>(&patience)->default_value(patience), "EarlyStopping patience (epochs)")
      ("dropout", po::value<double>(&dropout)->default_value(dropout, "0"), "dropout on the GRU's inputs")
      ("unidirectional", po::bool_switch(&unidirectional), "a plain RNN(GRUCell) instead of Bidirectional")
      ("augment", po::value<bool>(&augment)->default_value(augment),
       "add copies of the training images shifted by one pixel (1) or not (0)");
  if (!cli.parse(argc, argv)) return 0;
  const auto& o = cli.common();
  const std::string out = examples::make_out_dir(o.out);

  // 1797 rows of 64 pixels (0-16) and a label; rows of the image become time steps.
  const std::size_t n_train = 1437;
  const auto table = examples::read_digits(examples::data_file(o.data, "digits.csv"), n_train, "digits");
  const std::size_t n = table.n(), n_test = n - n_train;
  auto split = [&](std::size_t first, std::size_t count) { return examples::digits_rows(table, first, count); };
  // The last validation_split of the training images validate; the rest, with copies shifted by
  // one pixel up, down, left and right (the test images come from other writers, and the shifts
  // teach the model that position varies), train.
  const std::size_t n_val = static_cast<std::size_t>(validation_split * n_train);
  const auto [x_fit, y_fit] = split(0, n_train - n_val);
  const auto [x_val, y_val] = split(n_train - n_val, n_val);
  const auto [x_test, y_test] = split(n_train, n_test);
  const auto [x_train, y_train] = augment ? shifted_copies(x_fit, y_fit) : std::pair{x_fit, y_fit};
  std::printf("digits: %zu training images (%zu with shifted copies), %zu validation, %zu test; 8 steps of 8 pixels\n",
              n_train - n_val, x_train.dim(0), n_val, n_test);

  set_seed(o.seed);
  GRU gru(o.units, {.dropout = dropout});
  auto model = std::make_shared<Sequential<float>>();
  if (unidirectional)
    model->add(std::move(gru));
  else
    model->add(Bidirectional(std::move(gru)));
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
       .validation_data = Dataset<float>(x_val, y_val),
       .callbacks = {std::make_shared<callbacks::EarlyStopping<float>>(callbacks::EarlyStoppingOptions{
                         .patience = static_cast<std::size_t>(patience), .restore_best_weights = true}),
                     std::make_shared<callbacks::CSVLogger<float>>(out + "/history.csv"),
                     std::make_shared<callbacks::ModelCheckpoint<float>>(
                         out + "/checkpoint.npz", callbacks::ModelCheckpointOptions{.save_best_only = true})}});
  model->save_weights(out + "/weights.npz");
  examples::plot_history(history, out + "/loss.png", "digits: sparse categorical cross-entropy (log scale)",
                         /*log_y=*/true);

  const auto test = model->evaluate(x_test, y_test, {.verbose = 0});
  std::printf("test: loss %.4f, accuracy %.4f (softmax regression 0.914, 1-NN 0.956)\n", test.at("loss"),
              test.at("accuracy"));
  std::printf("wrote %s/history.csv, %s/loss.png, %s/checkpoint.npz, %s/weights.npz in %.1f s\n", out.c_str(),
              out.c_str(), out.c_str(), out.c_str(), examples::elapsed_seconds());
  examples::print_final({{"test_accuracy", test.at("accuracy")}, {"test_loss", test.at("loss")}});
  return 0;
} catch (const std::exception& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
