#include "layers/checks.hpp"

#include "core/errors.hpp"
#include "layers/config_util.hpp"

namespace loom::check {

void fail(const char* who, const char* arg, const std::string& expected, const std::string& received) {
  throw ValueError(std::string(who) + ": argument '" + arg + "' expected " + expected + ", received " + received);
}

double rate(const char* who, const char* arg, double v) {
  if (!(v >= 0.0 && v < 1.0)) fail(who, arg, "a value in [0, 1)", config::number(v));
  return v;
}

}  // namespace loom::check
