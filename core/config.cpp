#include "core/config.hpp"

#include <cmath>
#include <limits>

#include "core/errors.hpp"

namespace loom::config {

Config envelope(const std::string& module, const std::string& class_name, Config config,
                const std::string& registered_name) {
  Config e = Config::object();
  e["module"] = module;
  e["class_name"] = class_name;
  e["config"] = std::move(config);
  e["registered_name"] = registered_name.empty() ? Config(nullptr) : Config(registered_name);
  return e;
}

std::string brief(const Config& v) {
  std::string s = v.dump();
  return s.size() <= 80 ? s : s.substr(0, 77) + "...";
}

Envelope open_envelope(const Config& c, const std::string& who) {
  static const Config empty = Config::object();
  if (!c.is_object())
    throw ValueError(who + ": expected a serialized object {\"class_name\": ..., \"config\": {...}}, received " +
                     brief(c));
  const auto cls = c.find("class_name");
  if (cls == c.end() || !cls->is_string())
    throw ValueError(who + ": field 'class_name' expected a string, received " +
                     (cls == c.end() ? std::string("an object without it") : brief(*cls)));
  Envelope e{cls->get<std::string>(), "", &empty};
  if (const auto reg = c.find("registered_name"); reg != c.end() && !reg->is_null()) {
    if (!reg->is_string())
      throw ValueError(who + ": field 'registered_name' expected a string or null, received " + brief(*reg));
    e.registered_name = reg->get<std::string>();
  }
  if (const auto cfg = c.find("config"); cfg != c.end()) {
    if (!cfg->is_object())
      throw ValueError(who + ": field 'config' of '" + e.class_name + "' expected an object, received " +
                       brief(*cfg));
    e.config = &*cfg;
  }
  return e;
}

Reader::Reader(const Config& config, std::string who) : c_(config), who_(std::move(who)) {
  if (!c_.is_object()) throw ValueError(who_ + ": config expected a JSON object, received " + brief(c_));
}

bool Reader::has(const std::string& key) const { return c_.contains(key); }

const Config* Reader::find(const std::string& key) {
  const auto it = c_.find(key);
  if (it == c_.end()) return nullptr;
  read_.insert(key);
  return &*it;
}

void Reader::bad_type(const std::string& key, const char* expected, const Config& got) const {
  throw ValueError(who_ + ": config field '" + key + "' expected " + expected + ", received " + brief(got));
}

double Reader::number(const std::string& key, double fallback) {
  const Config* v = find(key);
  if (!v) return fallback;
  if (!v->is_number()) bad_type(key, "a number", *v);
  return v->get<double>();
}

double Reader::number(const std::string& key) {
  require(key);
  return number(key, 0.0);
}

long long Reader::integer(const std::string& key) {
  require(key);
  return integer(key, 0);
}

long long Reader::integer(const std::string& key, long long fallback) {
  const Config* v = find(key);
  if (!v) return fallback;
  if (v->is_number_integer()) {
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > std::uint64_t(std::numeric_limits<long long>::max()))
      bad_type(key, "an integer that fits in 64 bits", *v);
    return v->get<long long>();
  }
  // Python writes 4.0 for some integral fields; a whole number is taken, a fraction is not.
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e18) return static_cast<long long>(d);
  }
  bad_type(key, "an integer", *v);
}

bool Reader::boolean(const std::string& key, bool fallback) {
  const Config* v = find(key);
  if (!v) return fallback;
  if (!v->is_boolean()) bad_type(key, "true or false", *v);
  return v->get<bool>();
}

std::string Reader::string(const std::string& key, const std::string& fallback) {
  const Config* v = find(key);
  if (!v) return fallback;
  if (!v->is_string()) bad_type(key, "a string", *v);
  return v->get<std::string>();
}

std::optional<std::string> Reader::optional_string(const std::string& key) {
  const Config* v = find(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) bad_type(key, "a string or null", *v);
  return v->get<std::string>();
}

std::optional<std::uint64_t> Reader::seed(const std::string& key) {
  const Config* v = find(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_number_integer() || (v->is_number_integer() && !v->is_number_unsigned() && v->get<long long>() < 0))
    bad_type(key, "null or a non-negative integer", *v);
  return v->get<std::uint64_t>();
}

const Config* Reader::raw(const std::string& key) { return find(key); }

const Config& Reader::require(const std::string& key) {
  const Config* v = find(key);
  if (!v) throw ValueError(who_ + ": config field '" + key + "' expected, received a config without it");
  return *v;
}

void Reader::unsupported(const std::string& key, std::initializer_list<Config> allowed) {
  const Config* v = find(key);
  if (!v) return;
  for (const auto& a : allowed)
    if (*v == a) return;
  throw NotImplementedError(who_ + ": config field '" + key + "' is a Keras option loom does not implement; "
                            "expected " + (allowed.size() ? brief(*allowed.begin()) : std::string("no value")) +
                            " (its default), received " + brief(*v));
}

void Reader::finish() const {
  for (auto it = c_.begin(); it != c_.end(); ++it)
    if (!read_.count(it.key()))
      throw ValueError(who_ + ": config field '" + it.key() + "' is unknown (value " + brief(it.value()) +
                       "); loom refuses fields it would otherwise ignore");
}

}  // namespace loom::config
