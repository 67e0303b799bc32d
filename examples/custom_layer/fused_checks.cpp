#include "fused_checks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "loom.hpp"
#include "minimal_rnn_cell.hpp"

namespace custom {

using namespace loom;

namespace {

void check(bool ok, const std::string& what) {
  if (!ok) throw RuntimeError("custom_layer: fused sequence check failed: " + what);
}

double max_abs_diff(const Tensor<double>& a, const Tensor<double>& b) {
  check(a.shape() == b.shape(), "shapes " + a.shape().str() + " and " + b.shape().str() + " differ");
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a.data()[i] - b.data()[i]));
  return m;
}

Tensor<double> flat(const std::vector<Tensor<double>>& ts) {
  std::vector<Tensor<double>> parts;
  for (const auto& t : ts) parts.push_back(reshape(t, {-1}));
  return concat(parts, 0);
}

using Cell = MinimalRNNCell<double>;

// A built cell with random weights, so that the checks do not depend on the initializers.
std::shared_ptr<Cell> random_cell(std::size_t in, std::size_t units, Generator& g) {
  auto cell = std::make_shared<Cell>(static_cast<long>(units));
  cell->build(Shape{1, in});
  for (auto w : cell->weights()) w.assign(random::uniform<double>(w.shape(), -0.7, 0.7, g));
  return cell;
}

// Outputs and final state of `rnn`, and their gradients (for a fixed random seed R of the output
// gradient) with respect to x, h0 and every weight of the cell.
std::vector<Tensor<double>> values_and_gradients(RNN<double>& rnn, const Tensor<double>& x, const Tensor<double>& h0,
                                                 const Tensor<double>& r) {
  GradientTape<double> tape(/*persistent=*/true);
  tape.watch(x);
  tape.watch(h0);
  const auto out = rnn.call_full(x, {h0});
  const auto y = flat({out.output, out.states[0]});
  const auto loss = sum(y * r);
  std::vector<Tensor<double>> all = {y};
  for (const auto& t : tape.gradient(loss, std::vector<Tensor<double>>{x, h0})) all.push_back(t);
  for (const auto& t : tape.gradient(loss, rnn.weights())) all.push_back(t);
  return all;
}

}  // namespace

double check_fused_sequence() {
  const std::size_t B = 3, T = 5, I = 3, U = 4;
  Generator g(11);
  double worst_rel = 0.0;

  for (const bool backwards : {false, true}) {
    const std::string dir = backwards ? " go_backwards" : "";
    auto cell = random_cell(I, U, g);
    RNN<double> fused(cell, {.return_sequences = true, .go_backwards = backwards});
    RNN<double> loop(cell, {.return_sequences = true, .go_backwards = backwards, .use_fused = false});
    const auto x = random::uniform<double>({B, T, I}, -1.0, 1.0, g);
    const auto h0 = random::uniform<double>({B, U}, -0.5, 0.5, g);

    // 1. Central differences: the fused op's hand-written backward, through RNN.
    const auto weights = fused.weights();
    std::vector<Tensor<double>> values;
    for (const auto& w : weights) values.push_back(w.value().clone());
    const std::size_t before = cell->fused_calls();
    const auto gc = gradcheck_weights(
        [&](const std::vector<Tensor<double>>& xs) {
          const auto r = fused.call_full(xs[0], {xs[1]});
          return flat({r.output, r.states[0]});
        },
        {x, h0}, weights, values);
    std::printf("gradcheck RNN(MinimalRNNCell) fused%s: %s (max rel error %.2e)\n", dir.c_str(),
                gc.ok ? "ok" : "FAILED", gc.max_rel_error);
    check(gc.ok, "gradcheck of the fused op" + dir + ": " + gc.str());
    check(fused.last_call_fused() && cell->fused_calls() > before, "RNN did not run the cell's fused op" + dir);
    worst_rel = std::max(worst_rel, gc.max_rel_error);

    // 2. The step loop (the oracle): same outputs, same gradients.
    const auto r = random::uniform<double>({B * T * U + B * U}, -1.0, 1.0, g);
    const auto a = values_and_gradients(fused, x, h0, r);
    const auto b = values_and_gradients(loop, x, h0, r);
    check(!loop.last_call_fused(), "use_fused=false ran the fused op");
    double diff = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) diff = std::max(diff, max_abs_diff(a[i], b[i]));
    std::printf("fused vs step loop%s: max abs difference %.2e (outputs and %zu gradients)\n", dir.c_str(), diff,
                a.size() - 1);
    check(diff < 1e-12, "fused and step loop differ by " + std::to_string(diff) + dir);
  }

  // 3. Bidirectional and a stateful RNN run the fused op, with the step loop's numbers. The cell is
  // registered (custom::register_classes), so Bidirectional builds the backward half from its
  // config, as for loom's own cells; the copy gets this cell's weights so the two runs compare.
  auto cf = random_cell(I, U, g);
  const auto x = random::uniform<double>({B, T, I}, -1.0, 1.0, g);
  std::shared_ptr<custom::MinimalRNNCell<double>> cb;
  std::vector<xt::xarray<double>> backward_weights;
  auto bidirectional = [&](bool use_fused) {
    auto fw = std::make_shared<RNN<double>>(cf, RNNOptions{.return_sequences = true, .use_fused = use_fused});
    Bidirectional<double> bi(fw);
    const auto bw = bi.backward_layer();
    cb = std::static_pointer_cast<custom::MinimalRNNCell<double>>(bw->cell());
    bi.build(x.shape());
    if (backward_weights.empty()) backward_weights = bw->get_weights();
    bw->set_weights(backward_weights);
    const auto out = bi.call_full(x).output;
    check(bw->options().go_backwards && !fw->options().go_backwards, "Bidirectional's copy is not the backward half");
    check(fw->last_call_fused() == use_fused && bw->last_call_fused() == use_fused,
          std::string("Bidirectional ran ") + (use_fused ? "the step loop" : "the fused op"));
    check(!use_fused || cb->fused_calls() == 1, "Bidirectional's backward copy did not run its fused op");
    return out;
  };
  const std::size_t f0 = cf->fused_calls();
  const double bi_diff = max_abs_diff(bidirectional(true), bidirectional(false));
  check(cf->fused_calls() == f0 + 1, "Bidirectional's forward half did not run fused");
  std::printf("Bidirectional fused vs step loop: max abs difference %.2e\n", bi_diff);
  check(bi_diff < 1e-12, "Bidirectional fused and step loop differ by " + std::to_string(bi_diff));

  // Stateful: two calls on halves of a sequence continue each other, as one call on the whole.
  const auto x2 = random::uniform<double>({B, 2 * T, I}, -1.0, 1.0, g);
  RNN<double> stateful(cf, {.return_sequences = true, .stateful = true});
  RNN<double> whole(cf, {.return_sequences = true, .use_fused = false});
  const auto first = stateful.call_full(slice(x2, 1, 0, T)).output;
  check(stateful.last_call_fused(), "the stateful RNN's first call ran the step loop");
  const auto second = stateful.call_full(slice(x2, 1, T, 2 * T)).output;
  check(stateful.last_call_fused(), "the stateful RNN's second call ran the step loop");
  const auto all = whole.call_full(x2);
  const double st_diff = std::max(max_abs_diff(concat(std::vector<Tensor<double>>{first, second}, 1), all.output),
                                  max_abs_diff(stateful.states()[0], all.states[0]));
  std::printf("stateful fused (2 calls) vs step loop (1 call): max abs difference %.2e\n", st_diff);
  check(st_diff < 1e-12, "stateful fused calls and one step-loop call differ by " + std::to_string(st_diff));
  return worst_rel;
}

}  // namespace custom
