// gru_sequence: argument checks and the tape record around the kernels of gru_kernels.cpp.
#include "autograd/ops/gru.hpp"

#include <memory>
#include <string>

#include "autograd/ops/gru_kernels.hpp"
#include "autograd/ops/rnn_op_util.hpp"
#include "autograd/tape.hpp"
#include "core/errors.hpp"

namespace loom {

namespace {

using rnn_op::expect_shape;

// Checks the shared arguments and fills the kernels' state. x is read as (B, Tn, I).
template <class T>
std::shared_ptr<gru_detail::GruState<T>> prepare(
    const std::string& op, const Tensor<T>& x, std::size_t B, std::size_t Tn, std::size_t I,
    const Tensor<T>& h0, const Tensor<T>& kernel, const Tensor<T>& recurrent_kernel,
    const Tensor<T>& bias, bool reset_after, RnnActivation act, RnnActivation ract,
    const std::vector<Tensor<T>>& input_dropout, const std::vector<Tensor<T>>& recurrent_dropout,
    bool keep) {
  if (!recurrent_kernel.defined() || recurrent_kernel.rank() != 2 ||
      recurrent_kernel.dim(1) != 3 * recurrent_kernel.dim(0))
    throw ShapeError(op + ": recurrent_kernel expected shape (units, 3*units), received " +
                     (recurrent_kernel.defined() ? recurrent_kernel.shape().str()
                                                 : std::string("undefined")));
  const std::size_t U = recurrent_kernel.dim(0);
  expect_shape(op, kernel, Shape{I, 3 * U}, "kernel");
  expect_shape(op, h0, Shape{B, U}, op == "gru_sequence" ? "h0 (initial state)" : "h (state)");
  if (bias.defined())
    expect_shape(op, bias, reset_after ? Shape{2, 3 * U} : Shape{3 * U},
                 reset_after ? "bias (reset_after=true)" : "bias (reset_after=false)");
  rnn_op::check_masks(op, input_dropout, 3, "z, r, h", Shape{B, I}, "input_dropout");
  rnn_op::check_masks(op, recurrent_dropout, 3, "z, r, h", Shape{B, U}, "recurrent_dropout");

  auto st = std::make_shared<gru_detail::GruState<T>>();
  st->B = B;
  st->Tn = Tn;
  st->I = I;
  st->U = U;
  st->reset_after = reset_after;
  st->act = act;
  st->ract = ract;
  st->keep = keep;
  st->kernel = kernel;
  st->rkernel = recurrent_kernel;
  st->in_masks = input_dropout;
  st->rec_masks = recurrent_dropout;
  st->bias.assign(6 * U, T(0));
  if (bias.defined()) std::copy(bias.data(), bias.data() + bias.size(), st->bias.begin());
  st->xin = rnn_op::time_major_inputs(x, B, Tn, I, input_dropout);
  return st;
}

// The backward of both ops: gradients for x, h, kernel, recurrent_kernel[, bias]. The cell step
// has one output (the new state), given to the kernels as the gradient of the final state.
template <class T>
void record_gru(const char* name, const std::shared_ptr<gru_detail::GruState<T>>& st,
                const Shape& x_shape, std::vector<Tensor<T>> ins, std::vector<Tensor<T>> outs,
                const Tensor<T>& bias) {
  const bool has_bias = bias.defined();
  const Shape bias_shape = has_bias ? bias.shape() : Shape{};
  const bool single = outs.size() == 1;
  autograd::record<T>(
      name, std::span<const Tensor<T>>(ins), std::span<const Tensor<T>>(outs),
      [st, has_bias, bias_shape, x_shape, single](BackwardCtx<T>& c) {
        const auto& s = *st;
        gru_detail::GruNeeds n{c.need(0), c.need(1), c.need(2), c.need(3), has_bias && c.need(4)};
        Tensor<T> dx, dh0, dk, dr, db6;
        if (n.x) dx = Tensor<T>::empty(x_shape);
        if (n.h0) dh0 = Tensor<T>::empty({s.B, s.U});
        if (n.kernel) dk = Tensor<T>::empty({s.I, 3 * s.U});
        if (n.rkernel) dr = Tensor<T>::empty({s.U, 3 * s.U});
        if (n.bias) db6 = Tensor<T>::empty({2, 3 * s.U});
        // Outputs without a gradient (a loss on the final state only) are not read at all.
        const T* gY = single || !c.has_g(0) ? nullptr : c.g(0).data();
        const T* gH = single ? c.g(0).data() : c.g(1).data();
        gru_detail::backward(s, gY, gH, n, n.x ? dx.data() : nullptr, n.h0 ? dh0.data() : nullptr,
                             n.kernel ? dk.data() : nullptr, n.rkernel ? dr.data() : nullptr,
                             n.bias ? db6.data() : nullptr);
        c.grad_in[0] = dx;
        c.grad_in[1] = dh0;
        c.grad_in[2] = dk;
        c.grad_in[3] = dr;
        if (n.bias) {
          if (s.reset_after) {
            c.grad_in[4] = db6;
          } else {
            auto db = Tensor<T>::empty(bias_shape);
            std::copy(db6.data(), db6.data() + 3 * s.U, db.data());
            c.grad_in[4] = db;
          }
        }
      });
}

}  // namespace

template <class T>
GruSequenceResult<T> gru_sequence(const Tensor<T>& x, const Tensor<T>& h0, const Tensor<T>& kernel,
                                  const Tensor<T>& recurrent_kernel, const Tensor<T>& bias,
                                  const GruSequenceOptions<T>& opt) {
  if (!x.defined() || x.rank() != 3)
    throw ShapeError("gru_sequence: x expected shape (batch, timesteps, features), received " +
                     (x.defined() ? x.shape().str() : std::string("undefined")));
  const std::size_t B = x.dim(0), Tn = x.dim(1), I = x.dim(2);
  if (Tn == 0)
    throw ValueError("gru_sequence: x expected at least 1 timestep, received shape " +
                     x.shape().str());
  if (opt.mask.defined()) expect_shape(std::string("gru_sequence"), opt.mask, Shape{B, Tn}, "mask");
  const bool rec = autograd::should_record<T>({&x, &h0, &kernel, &recurrent_kernel, &bias});
  auto st = prepare<T>("gru_sequence", x, B, Tn, I, h0, kernel, recurrent_kernel, bias,
                       opt.reset_after, opt.activation, opt.recurrent_activation,
                       opt.input_dropout, opt.recurrent_dropout, rec);
  st->go_backwards = opt.go_backwards;
  st->zero_output_for_mask = opt.zero_output_for_mask;
  if (opt.mask.defined()) {
    st->mask_t = opt.mask;
    st->mask = opt.mask.data();
  }
  GruSequenceResult<T> res;
  res.outputs = Tensor<T>::empty({B, Tn, st->U});
  res.state = Tensor<T>::empty({B, st->U});
  gru_detail::forward(*st, h0.data(), res.outputs.data(), res.state.data());
  if (rec) {
    std::vector<Tensor<T>> ins = {x, h0, kernel, recurrent_kernel};
    if (bias.defined()) ins.push_back(bias);
    record_gru<T>("gru_sequence", st, x.shape(), std::move(ins), {res.outputs, res.state}, bias);
  }
  return res;
}

template <class T>
Tensor<T> gru_cell_step(const Tensor<T>& x, const Tensor<T>& h, const Tensor<T>& kernel,
                        const Tensor<T>& recurrent_kernel, const Tensor<T>& bias,
                        const GruCellOptions<T>& opt) {
  if (!x.defined() || x.rank() != 2)
    throw ShapeError("gru_cell_step: x expected shape (batch, features), received " +
                     (x.defined() ? x.shape().str() : std::string("undefined")));
  const std::size_t B = x.dim(0), I = x.dim(1);
  const bool rec = autograd::should_record<T>({&x, &h, &kernel, &recurrent_kernel, &bias});
  auto st = prepare<T>("gru_cell_step", x, B, 1, I, h, kernel, recurrent_kernel, bias,
                       opt.reset_after, opt.activation, opt.recurrent_activation,
                       opt.input_dropout, opt.recurrent_dropout, rec);
  auto out = Tensor<T>::empty({B, st->U});
  // With one step the output is the new state; the kernels write both, here to the same tensor.
  gru_detail::forward(*st, h.data(), out.data(), out.data());
  if (rec) {
    std::vector<Tensor<T>> ins = {x, h, kernel, recurrent_kernel};
    if (bias.defined()) ins.push_back(bias);
    record_gru<T>("gru_cell_step", st, x.shape(), std::move(ins), {out}, bias);
  }
  return out;
}

template GruSequenceResult<float> gru_sequence(const Tensor<float>&, const Tensor<float>&,
                                               const Tensor<float>&, const Tensor<float>&,
                                               const Tensor<float>&,
                                               const GruSequenceOptions<float>&);
template Tensor<float> gru_cell_step(const Tensor<float>&, const Tensor<float>&,
                                     const Tensor<float>&, const Tensor<float>&,
                                     const Tensor<float>&, const GruCellOptions<float>&);
template Tensor<double> gru_cell_step(const Tensor<double>&, const Tensor<double>&,
                                      const Tensor<double>&, const Tensor<double>&,
                                      const Tensor<double>&, const GruCellOptions<double>&);
template GruSequenceResult<double> gru_sequence(const Tensor<double>&, const Tensor<double>&,
                                                const Tensor<double>&, const Tensor<double>&,
                                                const Tensor<double>&,
                                                const GruSequenceOptions<double>&);

}  // namespace loom
