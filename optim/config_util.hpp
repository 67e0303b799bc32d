#pragma once
// Field helpers shared by the optimizers' and schedules' get_config / from_config, on top of
// config::Reader (core/config.hpp). Errors name the class, the field and the value received.
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace loom::optimizers::detail {

// null or a number (Keras's None-able floats: weight_decay, clipnorm, warmup_target, ...).
std::optional<double> optional_number(config::Reader& r, const std::string& key, std::optional<double> fallback);
Config optional_number_json(const std::optional<double>& v);
// A required list of numbers.
std::vector<double> required_numbers(config::Reader& r, const std::string& key);
// Keras's name fields: a string; null (Keras's "no name") keeps the fallback.
std::string name_field(config::Reader& r, const std::string& key, const std::string& fallback);
// Step counts (decay_steps, boundaries, ...) are Python ints in Keras's configs: a whole number is
// written as a JSON integer (1000, not 1000.0), anything else as a float.
Config steps_json(double v);

}  // namespace loom::optimizers::detail
