#pragma once
// Reading and writing configs (core/config_fwd.hpp): Keras 3's serialization envelope and a reader
// that checks every field's JSON type and refuses fields it does not know, so that a config is
// never half understood. Numbers are written by nlohmann-json in their shortest round-trip form
// (0.2, not 0.20000000000000001).
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config_fwd.hpp"

namespace loom::config {

// Keras 3's serialize_keras_object: {"module", "class_name", "config", "registered_name"}.
// registered_name is null for a built-in class and the registration name for a user's one.
Config envelope(const std::string& module, const std::string& class_name, Config config,
                const std::string& registered_name = "");

// The inside of an envelope, checked: an object with a string "class_name" and an object "config"
// (a missing "config" reads as {}), else ValueError naming `who` and what was wrong.
struct Envelope {
  std::string class_name;
  std::string registered_name;  // "" when absent or null
  const Config* config;         // points into the argument, or at an empty object
};
Envelope open_envelope(const Config& c, const std::string& who);

// One object's fields, read once each. Every getter throws ValueError naming the class, the field,
// the JSON type expected and the value received. finish() throws ValueError naming the first
// field nothing read, so a field loom does not implement is refused instead of dropped.
class Reader {
 public:
  // config must be a JSON object (ValueError otherwise).
  Reader(const Config& config, std::string who);

  bool has(const std::string& key) const;
  const std::string& who() const { return who_; }

  double number(const std::string& key, double fallback);
  long long integer(const std::string& key, long long fallback);
  // Required fields: absent -> ValueError naming the field, as require() does.
  double number(const std::string& key);
  long long integer(const std::string& key);
  bool boolean(const std::string& key, bool fallback);
  std::string string(const std::string& key, const std::string& fallback);
  // Keras seeds: null or a non-negative integer.
  std::optional<std::uint64_t> seed(const std::string& key);
  // An optional string: null -> nullopt.
  std::optional<std::string> optional_string(const std::string& key);
  // The raw value (nullptr when absent), marked as read.
  const Config* raw(const std::string& key);
  // A required field of any type: absent -> ValueError.
  const Config& require(const std::string& key);

  // A Keras field loom does not implement: accepted when absent or equal to one of `allowed`
  // (Keras's default), else NotImplementedError naming the class, the field and the value.
  void unsupported(const std::string& key, std::initializer_list<Config> allowed);

  void finish() const;

 private:
  const Config* find(const std::string& key);
  [[noreturn]] void bad_type(const std::string& key, const char* expected, const Config& got) const;

  const Config& c_;
  std::string who_;
  std::set<std::string> read_;
};

// A value's JSON spelling for error messages, cut to 80 characters.
std::string brief(const Config& v);

}  // namespace loom::config
