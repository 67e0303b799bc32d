// torch_gru_train: the workload of gru_train in libtorch, for the side-by-side benchmark.
// --variant gru   : torch::nn::GRU (batch_first) over the whole sequence;
// --variant cell  : a torch::nn::GRUCell stepped in a loop;
// --variant lstm, lstm_cell: the same with torch::nn::LSTM and torch::nn::LSTMCell (loss on h).
// Training step: forward, MSE loss on the final state, backward, Adam (lr 1e-3, eps 1e-7).
// --threads sets torch's intra-op threads, --blas-threads OpenBLAS's (libtorch on Debian calls
// the system OpenBLAS for its GEMMs).
// Usage: torch_gru_train [--batch 64] [--seq 50] [--features 32] [--units 128] [--threads 1]
//                        [--blas-threads 1] [--steps 200] [--warmup 20] [--mode train|forward]
//                        [--variant gru|cell|lstm|lstm_cell]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <torch/torch.h>

extern "C" void openblas_set_num_threads(int);

namespace {
using Clock = std::chrono::steady_clock;

double rss_mb() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return double(resident) * double(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}
double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}
}  // namespace

int main(int argc, char** argv) {
  long B = 64, Tn = 50, I = 32, U = 128;
  int threads = 1, blas_threads = 1, steps = 200, warmup = 20;
  std::string mode = "train", variant = "gru";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--batch") B = std::stol(v);
    else if (k == "--seq") Tn = std::stol(v);
    else if (k == "--features") I = std::stol(v);
    else if (k == "--units") U = std::stol(v);
    else if (k == "--threads") threads = std::stoi(v);
    else if (k == "--blas-threads") blas_threads = std::stoi(v);
    else if (k == "--steps") steps = std::stoi(v);
    else if (k == "--warmup") warmup = std::stoi(v);
    else if (k == "--mode") mode = v;
    else if (k == "--variant") variant = v;
    else {
      std::fprintf(stderr, "torch_gru_train: unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  torch::set_num_threads(threads);
  openblas_set_num_threads(blas_threads);
  torch::manual_seed(42);

  if (variant != "gru" && variant != "cell" && variant != "lstm" && variant != "lstm_cell") {
    std::fprintf(stderr, "torch_gru_train: --variant expects gru, cell, lstm or lstm_cell, received %s\n",
                 variant.c_str());
    return 2;
  }
  torch::nn::GRU gru(torch::nn::GRUOptions(I, U).batch_first(true));
  torch::nn::GRUCell cell(torch::nn::GRUCellOptions(I, U));
  torch::nn::LSTM lstm(torch::nn::LSTMOptions(I, U).batch_first(true));
  torch::nn::LSTMCell lstm_cell(torch::nn::LSTMCellOptions(I, U));
  auto params = variant == "cell"        ? cell->parameters()
                : variant == "lstm"      ? lstm->parameters()
                : variant == "lstm_cell" ? lstm_cell->parameters()
                                         : gru->parameters();
  torch::optim::Adam adam(params, torch::optim::AdamOptions(1e-3).eps(1e-7));
  auto x = torch::rand({B, Tn, I}) * 2 - 1;
  auto target = torch::rand({B, U}) - 0.5;
  auto h0 = torch::zeros({B, U});

  auto forward = [&]() -> torch::Tensor {
    if (variant == "lstm") {
      auto out = lstm->forward(x, std::make_tuple(h0.unsqueeze(0), h0.unsqueeze(0)));
      return std::get<0>(std::get<1>(out)).squeeze(0);
    }
    if (variant == "lstm_cell") {
      std::tuple<torch::Tensor, torch::Tensor> hc{h0, h0};
      for (long t = 0; t < Tn; ++t) hc = lstm_cell->forward(x.select(1, t), hc);
      return std::get<0>(hc);
    }
    if (variant == "cell") {
      auto h = h0;
      for (long t = 0; t < Tn; ++t) h = cell->forward(x.select(1, t), h);
      return h;
    }
    auto out = gru->forward(x, h0.unsqueeze(0));
    return std::get<1>(out).squeeze(0);
  };
  double last = 0;
  auto step = [&] {
    if (mode == "forward") {
      torch::NoGradGuard ng;
      last = forward()[0][0].item<float>();
    } else {
      adam.zero_grad();
      auto loss = torch::mse_loss(forward(), target);
      loss.backward();
      adam.step();
      last = loss.item<float>();
    }
  };
  for (int i = 0; i < warmup; ++i) step();
  std::vector<double> ms;
  double rss100 = 0;
  for (int i = 0; i < steps; ++i) {
    const auto t0 = Clock::now();
    step();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (i + 1 == 100) rss100 = rss_mb();
  }
  std::sort(ms.begin(), ms.end());
  auto q = [&](double p) { return ms[std::min(ms.size() - 1, std::size_t(p * ms.size()))]; };
  std::printf(
      "impl=torch_%s mode=%s batch=%ld seq=%ld features=%ld units=%ld threads=%d blas_threads=%d "
      "steps=%d median_ms=%.5f p10_ms=%.5f p90_ms=%.5f peak_rss_mb=%.1f rss100_mb=%.1f "
      "rss_end_mb=%.1f loss=%.6g\n",
      variant.c_str(), mode.c_str(), B, Tn, I, U, threads, blas_threads, steps, q(0.5), q(0.1),
      q(0.9), peak_rss_mb(), rss100, rss_mb(), last);
  return 0;
}
