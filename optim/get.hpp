#pragma once
// keras.optimizers.get: an optimizer with Keras's defaults from its identifier, the class name or
// its lower-case form ("adam", "Adam", "adamw", "sgd", "SGD", "rmsprop", "adagrad"). Unknown
// identifiers throw ValueError listing the known ones.
#include <memory>
#include <string>
#include <vector>

#include "optim/optimizer.hpp"

namespace loom::optimizers {

template <class T = float>
std::unique_ptr<Optimizer<T>> get(const std::string& identifier);

const std::vector<std::string>& optimizer_names();

extern template std::unique_ptr<Optimizer<float>> get<float>(const std::string&);
extern template std::unique_ptr<Optimizer<double>> get<double>(const std::string&);

}  // namespace loom::optimizers
