#pragma once
// Argument checks shared by the optimizers and schedules. Each throws ValueError naming the
// class, the argument, what was expected and what came, as Keras's own messages do.
#include <cmath>
#include <sstream>
#include <string>

#include "core/errors.hpp"

namespace loom::optimizers::detail {

inline std::string num(double v) {
  std::ostringstream s;
  s.precision(10);
  s << v;
  return s.str();
}

[[noreturn]] inline void bad_argument(const std::string& who, const char* arg, const std::string& expected,
                                      double received) {
  throw ValueError(who + ": argument " + arg + " expected " + expected + ", received " + num(received));
}

inline void check_non_negative(const std::string& who, const char* arg, double v) {
  if (!std::isfinite(v) || v < 0) bad_argument(who, arg, "a finite number >= 0", v);
}
inline void check_positive(const std::string& who, const char* arg, double v) {
  if (!std::isfinite(v) || v <= 0) bad_argument(who, arg, "a finite number > 0", v);
}
// [0, 1): a decay rate of an exponential moving average.
inline void check_unit_open(const std::string& who, const char* arg, double v) {
  if (!(v >= 0 && v < 1)) bad_argument(who, arg, "a number in [0, 1)", v);
}
inline void check_unit_closed(const std::string& who, const char* arg, double v) {
  if (!(v >= 0 && v <= 1)) bad_argument(who, arg, "a number in [0, 1]", v);
}

}  // namespace loom::optimizers::detail
