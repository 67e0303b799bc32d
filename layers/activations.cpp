#include "layers/activations.hpp"

#include <functional>
#include <map>

#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/softmax.hpp"
#include "autograd/ops/unary.hpp"
#include "core/errors.hpp"

namespace loom {

Activation::~Activation() = default;

namespace {

// One activation written once as a generic lambda, instantiated for float and double.
template <class F>
class FnActivation final : public Activation {
 public:
  FnActivation(std::string name, F f) : name_(std::move(name)), f_(std::move(f)) {}
  Tensor<float> operator()(const Tensor<float>& x) const override { return f_(x); }
  Tensor<double> operator()(const Tensor<double>& x) const override { return f_(x); }
  std::string name() const override { return name_; }

 private:
  std::string name_;
  F f_;
};

template <class F>
ActivationPtr make(const std::string& name, F f) {
  return std::make_shared<FnActivation<F>>(name, std::move(f));
}

// Keras's linear returns its input unchanged; a layer with activation=None hands on the same
// tensor, so the tape sees no extra record.
const std::map<std::string, ActivationPtr>& registry() {
  static const std::map<std::string, ActivationPtr> r = {
      {"linear", make("linear", [](const auto& x) { return x; })},
      {"tanh", make("tanh", [](const auto& x) { return loom::tanh(x); })},
      {"sigmoid", make("sigmoid", [](const auto& x) { return loom::sigmoid(x); })},
      {"hard_sigmoid", make("hard_sigmoid", [](const auto& x) { return loom::hard_sigmoid(x); })},
      {"relu", make("relu", [](const auto& x) { return loom::relu(x); })},
      {"elu", make("elu", [](const auto& x) { return loom::elu(x, 1.0); })},
      {"selu", make("selu", [](const auto& x) { return loom::selu(x); })},
      {"softplus", make("softplus", [](const auto& x) { return loom::softplus(x); })},
      {"softsign", make("softsign", [](const auto& x) { return loom::softsign(x); })},
      {"swish", make("swish", [](const auto& x) { return loom::swish(x); })},
      {"exponential", make("exponential", [](const auto& x) { return loom::exp(x); })},
      {"softmax", make("softmax", [](const auto& x) { return loom::softmax(x, -1); })},
  };
  return r;
}

}  // namespace

const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> names = {
      "linear", "tanh",     "sigmoid",  "hard_sigmoid", "relu",        "elu",
      "selu",   "softplus", "softsign", "swish",        "exponential", "softmax"};
  return names;
}

ActivationPtr get_activation(const std::string& id) {
  const std::string key = id.empty() ? "linear" : (id == "silu" ? "swish" : id);
  const auto& r = registry();
  const auto it = r.find(key);
  if (it == r.end()) {
    std::string valid;
    for (const auto& n : activation_names()) valid += (valid.empty() ? "" : ", ") + n;
    throw ValueError("get_activation: unknown activation identifier '" + id + "'; expected one of " +
                     valid + " (or \"\" / nullptr for linear)");
  }
  return it->second;
}

ActivationArg::ActivationArg(const char* id) : ptr(get_activation(id ? id : "")) {}
ActivationArg::ActivationArg(const std::string& id) : ptr(get_activation(id)) {}
ActivationArg::ActivationArg(ActivationPtr p) : ptr(p ? std::move(p) : get_activation("linear")) {}
ActivationArg::ActivationArg(std::nullptr_t) : ptr(get_activation("linear")) {}

}  // namespace loom
