// lstm_sequence: argument checks and the tape record around the kernels of lstm_kernels.cpp.
#include "autograd/ops/lstm.hpp"

#include <memory>
#include <string>

#include "autograd/ops/lstm_kernels.hpp"
#include "autograd/ops/rnn_op_util.hpp"
#include "autograd/tape.hpp"
#include "core/errors.hpp"

namespace loom {

namespace {

using rnn_op::expect_shape;

template <class T>
void record_lstm(const std::shared_ptr<lstm_detail::LstmState<T>>& st, const Shape& x_shape,
                 std::vector<Tensor<T>> ins, std::vector<Tensor<T>> outs, bool has_bias) {
  autograd::record<T>(
      "lstm_sequence", std::span<const Tensor<T>>(ins), std::span<const Tensor<T>>(outs),
      [st, has_bias, x_shape](BackwardCtx<T>& c) {
        const auto& s = *st;
        const lstm_detail::LstmNeeds n{c.need(0), c.need(1), c.need(2),
                                       c.need(3), c.need(4), has_bias && c.need(5)};
        Tensor<T> dx, dh0, dc0, dk, dr, db;
        if (n.x) dx = Tensor<T>::empty(x_shape);
        if (n.h0) dh0 = Tensor<T>::empty({s.B, s.U});
        if (n.c0) dc0 = Tensor<T>::empty({s.B, s.U});
        if (n.kernel) dk = Tensor<T>::empty({s.I, 4 * s.U});
        if (n.rkernel) dr = Tensor<T>::empty({s.U, 4 * s.U});
        if (n.bias) db = Tensor<T>::empty({4 * s.U});
        // Results without a gradient (a loss on the final h only, say) are not read at all.
        auto g = [&](std::size_t k) { return c.has_g(k) ? c.g(k).data() : nullptr; };
        auto p = [](Tensor<T>& t) { return t.defined() ? t.data() : nullptr; };
        lstm_detail::backward(s, g(0), g(1), g(2), n, p(dx), p(dh0), p(dc0), p(dk), p(dr), p(db));
        c.grad_in[0] = dx;
        c.grad_in[1] = dh0;
        c.grad_in[2] = dc0;
        c.grad_in[3] = dk;
        c.grad_in[4] = dr;
        if (has_bias) c.grad_in[5] = db;
      });
}

}  // namespace

template <class T>
LstmSequenceResult<T> lstm_sequence(const Tensor<T>& x, const Tensor<T>& h0, const Tensor<T>& c0,
                                    const Tensor<T>& kernel, const Tensor<T>& recurrent_kernel,
                                    const Tensor<T>& bias, const LstmSequenceOptions<T>& opt) {
  const std::string op = "lstm_sequence";
  if (!x.defined() || x.rank() != 3)
    throw ShapeError(op + ": x expected shape (batch, timesteps, features), received " +
                     (x.defined() ? x.shape().str() : std::string("undefined")));
  const std::size_t B = x.dim(0), Tn = x.dim(1), I = x.dim(2);
  if (Tn == 0)
    throw ValueError(op + ": x expected at least 1 timestep, received shape " + x.shape().str());
  if (!recurrent_kernel.defined() || recurrent_kernel.rank() != 2 ||
      recurrent_kernel.dim(1) != 4 * recurrent_kernel.dim(0))
    throw ShapeError(op + ": recurrent_kernel expected shape (units, 4*units), received " +
                     (recurrent_kernel.defined() ? recurrent_kernel.shape().str()
                                                 : std::string("undefined")));
  const std::size_t U = recurrent_kernel.dim(0);
  expect_shape(op, kernel, Shape{I, 4 * U}, "kernel");
  expect_shape(op, h0, Shape{B, U}, "h0 (initial state)");
  expect_shape(op, c0, Shape{B, U}, "c0 (initial cell state)");
  if (bias.defined()) expect_shape(op, bias, Shape{4 * U}, "bias");
  if (opt.mask.defined()) expect_shape(op, opt.mask, Shape{B, Tn}, "mask");
  rnn_op::check_masks(op, opt.input_dropout, 4, "i, f, c, o", Shape{B, I}, "input_dropout");
  rnn_op::check_masks(op, opt.recurrent_dropout, 4, "i, f, c, o", Shape{B, U},
                      "recurrent_dropout");

  const bool rec = autograd::should_record<T>({&x, &h0, &c0, &kernel, &recurrent_kernel, &bias});
  auto st = std::make_shared<lstm_detail::LstmState<T>>();
  st->B = B;
  st->Tn = Tn;
  st->I = I;
  st->U = U;
  st->go_backwards = opt.go_backwards;
  st->zero_output_for_mask = opt.zero_output_for_mask;
  st->act = opt.activation;
  st->ract = opt.recurrent_activation;
  st->keep = rec;
  st->kernel = kernel;
  st->rkernel = recurrent_kernel;
  st->in_masks = opt.input_dropout;
  st->rec_masks = opt.recurrent_dropout;
  if (opt.mask.defined()) {
    st->mask_t = opt.mask;
    st->mask = opt.mask.data();
  }
  st->bias.assign(4 * U, T(0));
  if (bias.defined()) std::copy(bias.data(), bias.data() + bias.size(), st->bias.begin());
  st->xin = rnn_op::time_major_inputs(x, B, Tn, I, opt.input_dropout);

  LstmSequenceResult<T> res;
  res.outputs = Tensor<T>::empty({B, Tn, U});
  res.h = Tensor<T>::empty({B, U});
  res.c = Tensor<T>::empty({B, U});
  lstm_detail::forward(*st, h0.data(), c0.data(), res.outputs.data(), res.h.data(), res.c.data());
  if (rec) {
    std::vector<Tensor<T>> ins = {x, h0, c0, kernel, recurrent_kernel};
    if (bias.defined()) ins.push_back(bias);
    record_lstm<T>(st, x.shape(), std::move(ins), {res.outputs, res.h, res.c}, bias.defined());
  }
  return res;
}

template LstmSequenceResult<float> lstm_sequence(const Tensor<float>&, const Tensor<float>&,
                                                 const Tensor<float>&, const Tensor<float>&,
                                                 const Tensor<float>&, const Tensor<float>&,
                                                 const LstmSequenceOptions<float>&);
template LstmSequenceResult<double> lstm_sequence(const Tensor<double>&, const Tensor<double>&,
                                                  const Tensor<double>&, const Tensor<double>&,
                                                  const Tensor<double>&, const Tensor<double>&,
                                                  const LstmSequenceOptions<double>&);

}  // namespace loom
