// gru_train: loom's GRU training step (fused sequence op, MSE loss on the final state, backward,
// Keras Adam update) or its forward pass alone, timed step by step. It also times the GEMMs of the
// same step alone (--floor), which is the FLOP floor the fused op is measured against. --cell lstm
// runs the same workload through the fused LSTM (train and forward only).
// Usage: gru_train [--batch 64] [--seq 50] [--features 32] [--units 128] [--threads 1]
//                  [--steps 200] [--warmup 20] [--mode train|forward|floor|floor_forward]
//                  [--cell gru|lstm]
// Prints one line of key=value pairs (median/p10/p90 ms per step, peak RSS, RSS after 100 steps
// and at the end) that bench/run_gru_bench.sh parses.
#include <sys/resource.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "autograd/autograd.hpp"
#include "autograd/ops/gru_kernels.hpp"
#include "core/blas.hpp"
#include "core/random.hpp"
#include "optim/adam.hpp"
#include "train/losses.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace loom;

struct Args {
  std::size_t batch = 64, seq = 50, features = 32, units = 128;
  int threads = 1, steps = 200, warmup = 20;
  std::string mode = "train", cell = "gru";
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "gru_train: %s expects a value\n", k.c_str());
      std::exit(2);
    }
    const char* v = argv[++i];
    if (k == "--batch") a.batch = std::stoul(v);
    else if (k == "--seq") a.seq = std::stoul(v);
    else if (k == "--features") a.features = std::stoul(v);
    else if (k == "--units") a.units = std::stoul(v);
    else if (k == "--threads") a.threads = std::stoi(v);
    else if (k == "--steps") a.steps = std::stoi(v);
    else if (k == "--warmup") a.warmup = std::stoi(v);
    else if (k == "--mode") a.mode = v;
    else if (k == "--cell") a.cell = v;
    else {
      std::fprintf(stderr, "gru_train: unknown flag %s\n", k.c_str());
      std::exit(2);
    }
  }
  if (a.mode != "train" && a.mode != "forward" && a.mode != "floor" && a.mode != "floor_forward") {
    std::fprintf(stderr,
                 "gru_train: --mode expects train, forward, floor or floor_forward, received %s\n",
                 a.mode.c_str());
    std::exit(2);
  }
  if (a.cell != "gru" && a.cell != "lstm") {
    std::fprintf(stderr, "gru_train: --cell expects gru or lstm, received %s\n", a.cell.c_str());
    std::exit(2);
  }
  if (a.cell == "lstm" && a.mode.rfind("floor", 0) == 0) {
    std::fprintf(stderr, "gru_train: --mode %s expects --cell gru, received lstm\n", a.mode.c_str());
    std::exit(2);
  }
  return a;
}

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

// The GEMMs of one fused training step (reset_after, no dropout, dx not needed), with the shapes,
// transpose flags, leading dimensions and order of gru_kernels.cpp: the input projection per chunk
// of steps into the (B, 4U) gates rows, per step the recurrent GEMMs added into the z/r blocks
// (beta = 1) and written to the aux block (h.R_h); backward, per step, dh += D.R^T
// and drecurrent_kernel += h^T.D with beta = 1 (D rows are 4U wide), and per chunk dkernel += x^T.D
// for the z/r and h blocks. Scratch buffers only.
struct FloorGemms {
  std::size_t B, Tn, I, U, C;
  std::vector<float> x, K, R, G, h, D, dK, dR, dh;
  FloorGemms(std::size_t b, std::size_t t, std::size_t i, std::size_t u)
      : B(b), Tn(t), I(i), U(u), C(gru_detail::gru_chunk_steps(b, u, t, sizeof(float))),
        x(b * t * i, 0.1f), K(i * 3 * u, 0.01f), R(u * 3 * u, 0.01f), G(t * b * 4 * u),
        h((t + 1) * b * u, 0.1f), D(C * b * 4 * u, 0.01f), dK(i * 3 * u),
        dR(u * 3 * u), dh(b * u) {}
  void run(bool train) {
    const std::size_t U3 = 3 * U, U4 = 4 * U;
    for (std::size_t s = 0; s < Tn; ++s) {
      if (s % C == 0) {
        const std::size_t n = std::min(C, Tn - s);
        blas::gemm<float>(false, false, n * B, U3, I, 1.f, x.data() + s * B * I, I, K.data(), U3,
                          0.f, G.data() + s * B * U4, U4);
      }
      float* Gs = G.data() + s * B * U4;
      blas::gemm<float>(false, false, B, 2 * U, U, 1.f, h.data() + s * B * U, U, R.data(), U3, 1.f,
                        Gs, U4);
      blas::gemm<float>(false, false, B, U, U, 1.f, h.data() + s * B * U, U, R.data() + 2 * U, U3,
                        0.f, Gs + U3, U4);
    }
    if (!train) return;
    bool first = true;
    for (std::size_t s = Tn; s-- > 0;) {
      const std::size_t s0 = s / C * C, n = std::min(s0 + C, Tn) - s0;
      const float* Ds = D.data() + (s - s0) * B * U4;
      blas::gemm<float>(false, true, B, U, U3, 1.f, Ds, U4, R.data(), U3, 1.f, dh.data(), U);
      blas::gemm<float>(true, false, U, U3, B, 1.f, h.data() + s * B * U, U, Ds, U4,
                        s == Tn - 1 ? 0.f : 1.f, dR.data(), U3);
      if (s != s0) continue;
      const float* xs = x.data() + s0 * B * I;
      const float beta = first ? 0.f : 1.f;
      blas::gemm<float>(true, false, I, 2 * U, n * B, 1.f, xs, I, D.data(), U4, beta, dK.data(), U3);
      blas::gemm<float>(true, false, I, U, n * B, 1.f, xs, I, D.data() + U3, U4, beta,
                        dK.data() + 2 * U, U3);
      first = false;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  blas::set_num_threads(a.threads);
  const std::size_t B = a.batch, Tn = a.seq, I = a.features, U = a.units;

  Generator gen(42);
  const bool lstm = a.cell == "lstm";
  const std::size_t G = lstm ? 4 : 3;  // gates
  const double lk = std::sqrt(6.0 / double(I + G * U));
  const double lr = 1.0 / std::sqrt(double(U));
  Variable<float> kernel(random::uniform<float>({I, G * U}, -lk, lk, gen), "kernel");
  Variable<float> rkernel(random::uniform<float>({U, G * U}, -lr, lr, gen), "recurrent_kernel");
  Variable<float> bias(lstm ? Tensor<float>::zeros({G * U}) : Tensor<float>::zeros({2, G * U}),
                       "bias");
  const std::vector<Variable<float>> vars = {kernel, rkernel, bias};
  const auto x = random::uniform<float>({B, Tn, I}, -1.0, 1.0, gen);
  const auto h0 = Tensor<float>::zeros({B, U});
  const auto target = random::uniform<float>({B, U}, -0.5, 0.5, gen);
  optimizers::Adam<float> adam({.learning_rate = 1e-3});
  const GruSequenceOptions<float> opt;  // Keras defaults: reset_after, tanh/sigmoid
  // The final state the loss reads: the GRU's state, or the LSTM's h.
  auto final_state = [&]() -> Tensor<float> {
    if (lstm)
      return lstm_sequence(x, h0, h0, kernel.value(), rkernel.value(), bias.value()).h;
    return gru_sequence(x, h0, kernel.value(), rkernel.value(), bias.value(), opt).state;
  };

  // Only the floor modes allocate the floor's buffers, which would otherwise count in the peak RSS
  // of the train and forward modes.
  std::optional<FloorGemms> floor_gemms;
  if (a.mode == "floor" || a.mode == "floor_forward") floor_gemms.emplace(B, Tn, I, U);
  double last_loss = 0;
  auto step = [&] {
    if (a.mode == "floor" || a.mode == "floor_forward") {
      floor_gemms->run(a.mode == "floor");
    } else if (a.mode == "forward") {
      NoGradGuard no_grad;
      last_loss = final_state().data()[0];
    } else {
      GradientTape<float> tape;
      auto loss = losses::mse(target, final_state());
      auto grads = tape.gradient(loss, vars);
      adam.apply_gradients(grads, vars);
      last_loss = loss.item();
    }
  };

  for (int i = 0; i < a.warmup; ++i) step();
  std::vector<double> ms;
  ms.reserve(a.steps);
  double rss100 = 0;
  for (int i = 0; i < a.steps; ++i) {
    const auto t0 = Clock::now();
    step();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (i + 1 == 100) rss100 = rss_mb();
  }
  std::sort(ms.begin(), ms.end());
  auto q = [&](double p) { return ms[std::min(ms.size() - 1, std::size_t(p * ms.size()))]; };
  std::printf(
      "impl=loom_%s mode=%s batch=%zu seq=%zu features=%zu units=%zu threads=%d steps=%d "
      "median_ms=%.5f p10_ms=%.5f p90_ms=%.5f peak_rss_mb=%.1f rss100_mb=%.1f rss_end_mb=%.1f "
      "loss=%.6g\n",
      a.cell.c_str(), a.mode.c_str(), B, Tn, I, U, a.threads, a.steps, q(0.5), q(0.1), q(0.9), peak_rss_mb(),
      rss100, rss_mb(), last_loss);
  return 0;
}
