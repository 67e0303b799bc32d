#include "optim/get.hpp"

#include <algorithm>
#include <cctype>

#include "core/errors.hpp"
#include "optim/adagrad.hpp"
#include "optim/adam.hpp"
#include "optim/adamw.hpp"
#include "optim/rmsprop.hpp"
#include "optim/sgd.hpp"

namespace loom::optimizers {

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names{"Adam", "AdamW", "SGD", "RMSprop", "Adagrad"};
  return names;
}

template <class T>
std::unique_ptr<Optimizer<T>> get(const std::string& identifier) {
  std::string id = identifier;
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
  if (id == "adam") return std::make_unique<Adam<T>>();
  if (id == "adamw") return std::make_unique<AdamW<T>>();
  if (id == "sgd") return std::make_unique<SGD<T>>();
  if (id == "rmsprop") return std::make_unique<RMSprop<T>>();
  if (id == "adagrad") return std::make_unique<Adagrad<T>>();
  std::string known;
  for (const auto& n : optimizer_names()) known += (known.empty() ? "" : ", ") + n;
  throw ValueError("optimizers::get: identifier expected one of {" + known + "} (any case), received '" +
                   identifier + "'");
}

template std::unique_ptr<Optimizer<float>> get<float>(const std::string&);
template std::unique_ptr<Optimizer<double>> get<double>(const std::string&);

}  // namespace loom::optimizers
