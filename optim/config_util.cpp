#include "optim/config_util.hpp"

#include <cmath>

#include "core/errors.hpp"

namespace loom::optimizers::detail {

std::optional<double> optional_number(config::Reader& r, const std::string& key, std::optional<double> fallback) {
  const Config* v = r.raw(key);
  if (!v) return fallback;
  if (v->is_null()) return std::nullopt;
  if (!v->is_number())
    throw ValueError(r.who() + ": config field '" + key + "' expected a number or null, received " +
                     config::brief(*v));
  return v->get<double>();
}

Config optional_number_json(const std::optional<double>& v) { return v ? Config(*v) : Config(nullptr); }

std::vector<double> required_numbers(config::Reader& r, const std::string& key) {
  const Config& v = r.require(key);
  bool ok = v.is_array();
  std::vector<double> out;
  if (ok)
    for (const auto& e : v) {
      if (!e.is_number()) {
        ok = false;
        break;
      }
      out.push_back(e.get<double>());
    }
  if (!ok)
    throw ValueError(r.who() + ": config field '" + key + "' expected a list of numbers, received " +
                     config::brief(v));
  return out;
}

std::string name_field(config::Reader& r, const std::string& key, const std::string& fallback) {
  return r.optional_string(key).value_or(fallback);
}

Config steps_json(double v) {
  // Below 2^53 every whole double is an exact integer.
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9007199254740992.0)
    return Config(static_cast<long long>(v));
  return Config(v);
}

}  // namespace loom::optimizers::detail
