// Distributed: the digits task (8x8 images read as 8 steps of 8 pixels, a bidirectional GRU)
// trained data-parallel on MPI ranks. Every rank runs this same program on the same data; fit
// splits each global batch across the ranks and averages the gradients with one all-reduce per
// step, so the result is what one process with the whole batch would get. Only rank 0 prints and
// writes files. Without MPI (a build with LOOM_WITH_MPI=OFF) it trains as a single process.
//
// One machine, 2 ranks (loopback only):
//   mpirun -n 2 --bind-to none --mca btl self,vader ./distributed
// A cluster: a hostfile lists the machines and how many ranks each runs ("slots"),
//   node1 slots=4
//   node2 slots=4
// and every machine needs this program and the data at the same path (a shared file system, or
// copies):
//   mpirun -n 8 --hostfile hosts ./distributed --out /shared/out/digits
// README.md next to this file and docs/distributed.md cover setup, networks and resuming.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "common/cli.hpp"
#include "common/digits.hpp"
#include "common/report.hpp"
#include "loom.hpp"

namespace po = boost::program_options;
using namespace loom;

int main(int argc, char** argv) {
  int rank = 0;
  try {
    examples::elapsed_seconds();
    examples::Cli cli("distributed", "digits on MPI ranks: data-parallel fit of a bidirectional GRU",
                      {.epochs = 30, .batch_size = 64, .units = 128, .seed = 0, .out = "out/distributed"},
                      {.epochs = 12, .batch_size = 32, .units = 32});
    double learning_rate = 3e-3;
    std::string resume;
    cli.extra().add_options()
        ("learning-rate", po::value<double>(&learning_rate)->default_value(learning_rate, "0.003"), "Adam learning rate")
        ("resume", po::value<std::string>(&resume), "continue from this checkpoint (every rank must be able to read it)");
    if (!cli.parse(argc, argv)) return 0;
    const auto& o = cli.common();

    auto comm = distribute::mpi_available() ? distribute::mpi_communicator() : distribute::single_process();
    rank = comm->rank();
    const bool chief = rank == 0;
    const std::string out = chief ? examples::make_out_dir(o.out) : o.out;

    // 1797 rows of 64 pixels (0-16) and a label: the first 1437 train (the last 10% of them
    // validate), the last 360 test, as examples/digits.
    const std::size_t n_train = 1437, n_val = 143;
    const auto table = examples::read_digits(examples::data_file(o.data, "digits.csv"), n_train, "distributed");
    const std::size_t n = table.n();
    auto split = [&](std::size_t first, std::size_t count) { return examples::digits_rows(table, first, count); };
    const auto [x_fit, y_fit] = split(0, n_train - n_val);
    const auto [x_val, y_val] = split(n_train - n_val, n_val);
    const auto [x_test, y_test] = split(n_train, n - n_train);

    // The same seed on every rank; fit replaces the other ranks' weights with rank 0's anyway.
    set_seed(o.seed);
    auto model = std::make_shared<Sequential<float>>();
    model->add(Bidirectional(GRU(o.units)));
    model->add(Dense(10, {.activation = "softmax"}));
    model->compile(std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = learning_rate}),
                   "sparse_categorical_crossentropy", {"accuracy"});
    model->build(Shape{1, 8, 8});
    CheckpointInfo info;
    if (!resume.empty()) info = model->load_checkpoint(resume);
    if (chief) {
      model->summary();
      std::printf("distributed: %d rank(s) over %s; global batch %d (about %d per rank)\n", comm->size(),
                  comm->name().c_str(), o.batch_size, o.batch_size / comm->size());
    }

    // ModelCheckpoint and CSVLogger write on rank 0 only; every rank gets the same callbacks, so
    // that all make the same decisions.
    const auto steps_before = model->optimizer()->iterations();
    const auto t0 = std::chrono::steady_clock::now();
    auto history = model->fit(
        x_fit, y_fit,
        {.epochs = static_cast<std::size_t>(o.epochs),
         .batch_size = static_cast<std::size_t>(o.batch_size),
         .seed = o.seed,
         .validation_data = Dataset<float>(x_val, y_val),
         .callbacks = {std::make_shared<callbacks::CSVLogger<float>>(out + "/history.csv", ',', !resume.empty()),
                       std::make_shared<callbacks::ModelCheckpoint<float>>(out + "/checkpoint.npz")},
         .initial_epoch = info.epoch,
         .initial_step = info.step,
         .communicator = comm});
    const double fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // Every rank holds the same weights now; rank 0 evaluates and reports.
    if (chief) {
      model->save_weights(out + "/weights.npz");
      examples::plot_history(history, out + "/loss.png", "distributed digits: sparse categorical cross-entropy",
                             /*log_y=*/true);
      const auto test = model->evaluate(x_test, y_test, {.verbose = 0});
      const auto steps = model->optimizer()->iterations() - steps_before;
      std::printf("fit: %.2f s wall on %d rank(s), %lld global steps, %.2f ms per step\n", fit_seconds, comm->size(),
                  static_cast<long long>(steps), 1e3 * fit_seconds / static_cast<double>(std::max<long long>(steps, 1)));
      std::printf("test: loss %.4f, accuracy %.4f; wrote %s/history.csv, loss.png, checkpoint.npz, weights.npz\n",
                  test.at("loss"), test.at("accuracy"), out.c_str());
      examples::print_final({{"test_accuracy", test.at("accuracy")}, {"test_loss", test.at("loss")},
                             {"ranks", static_cast<double>(comm->size())}, {"fit_seconds", fit_seconds}});
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error (rank " << rank << "): " << e.what() << "\n";
    return 1;
  }
}
