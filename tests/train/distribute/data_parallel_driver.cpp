// The program the data-parallel tests start, with mpirun (--comm mpi) or alone (--comm single). It
// trains dp_task.hpp's model with fit and a communicator and writes what the tests compare:
//   <out>/weights_rank<r>.npz   the final weights of every rank
//   <out>/history_rank<r>.txt   the History's loss per epoch, as hex floats (exact)
//   <out>/pid_rank<r>           this process's id, written before training (the kill test checks
//                               that no rank outlives the job)
//   <out>/history.csv           CSVLogger's file, which only rank 0 may write
// Faults on request: --kill-rank R --kill-step K raises SIGKILL in rank R before global step K;
// --throw-rank R --throw-step K throws from a callback there; --rank1-batch B gives rank 1 another
// batch size (the ranks must refuse to train).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "dp_task.hpp"

using namespace loom;

namespace {

struct Args {
  std::string comm = "single", out = ".", checkpoint;
  std::size_t n = 320, batch = 32, epochs = 2, save_freq = 0, stop_step = 0;
  std::uint64_t init_seed = 7;
  bool per_rank_init = false, resume = false;
  int kill_rank = -1, throw_rank = -1;
  std::size_t kill_step = 0, throw_step = 0, rank1_batch = 0;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw ValueError("driver: " + k + " expected a value");
      return argv[++i];
    };
    if (k == "--comm") a.comm = next();
    else if (k == "--out") a.out = next();
    else if (k == "--n") a.n = std::stoul(next());
    else if (k == "--batch") a.batch = std::stoul(next());
    else if (k == "--epochs") a.epochs = std::stoul(next());
    else if (k == "--init-seed") a.init_seed = std::stoull(next());
    else if (k == "--per-rank-init") a.per_rank_init = true;
    else if (k == "--checkpoint") a.checkpoint = next();
    else if (k == "--save-freq") a.save_freq = std::stoul(next());
    else if (k == "--stop-step") a.stop_step = std::stoul(next());
    else if (k == "--resume") a.resume = true;
    else if (k == "--kill-rank") a.kill_rank = std::stoi(next());
    else if (k == "--kill-step") a.kill_step = std::stoul(next());
    else if (k == "--throw-rank") a.throw_rank = std::stoi(next());
    else if (k == "--throw-step") a.throw_step = std::stoul(next());
    else if (k == "--rank1-batch") a.rank1_batch = std::stoul(next());
    else throw ValueError("driver: unknown argument '" + k + "'");
  }
  return a;
}

// Counts global steps across epochs; kills, throws or stops at the requested one.
struct Faults : callbacks::Callback<float> {
  Args a;
  int rank;
  std::size_t step = 0;
  Faults(Args args, int r) : a(std::move(args)), rank(r) {}
  void on_train_batch_begin(std::size_t, const Logs&) override {
    ++step;
    if (rank == a.kill_rank && step == a.kill_step) ::raise(SIGKILL);
    if (rank == a.throw_rank && step == a.throw_step) throw RuntimeError("driver: the requested failure");
  }
  void on_train_batch_end(std::size_t, const Logs&) override {
    if (a.stop_step != 0 && step == a.stop_step) model()->stop_training = true;
  }
};

}  // namespace

int main(int argc, char** argv) {
  int rank = 0;
  try {
    const Args a = parse(argc, argv);
    auto comm = a.comm == "mpi" ? distribute::mpi_communicator() : distribute::single_process();
    rank = comm->rank();
    const std::string tag = "_rank" + std::to_string(rank);
    std::ofstream(a.out + "/pid" + tag) << ::getpid() << "\n";

    const auto task = testing::dp::make_task(a.n, 11);
    auto model = testing::dp::make_model(a.per_rank_init ? a.init_seed + static_cast<std::uint64_t>(rank) : a.init_seed);
    CheckpointInfo info;
    if (a.resume) info = model->load_checkpoint(a.checkpoint);
    std::vector<CallbackPtr<float>> cbs{std::make_shared<Faults>(a, rank),
                                        std::make_shared<callbacks::CSVLogger<float>>(a.out + "/history.csv", ',', a.resume)};
    if (!a.checkpoint.empty())
      cbs.push_back(std::make_shared<callbacks::ModelCheckpoint<float>>(
          a.checkpoint, callbacks::ModelCheckpointOptions{.save_freq = a.save_freq}));
    const std::size_t batch = rank == 1 && a.rank1_batch ? a.rank1_batch : a.batch;
    const History h = model->fit(task.x, task.y,
                                 {.epochs = a.epochs, .batch_size = batch, .seed = 5, .callbacks = cbs, .verbose = 0,
                                  .initial_epoch = info.epoch, .initial_step = info.step, .communicator = comm});
    model->save_weights(a.out + "/weights" + tag + ".npz");
    std::ofstream hist(a.out + "/history" + tag + ".txt");
    for (double v : h["loss"]) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%a\n", v);
      hist << buf;
    }
    std::printf("driver: rank %d of %d trained %zu epochs\n", rank, comm->size(), h.size());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "driver: rank %d: error: %s\n", rank, e.what());
    return 2;
  }
}
