#include "core/checks.hpp"

#include <cmath>
#include <sstream>

#include "core/errors.hpp"

namespace loom::check {

void fail(const std::string& who, const std::string& arg, const std::string& expected,
          const std::string& received) {
  throw ValueError(who + ": argument '" + arg + "' expected " + expected + ", received " + received);
}

std::string number(double v) {
  for (int p = 1; p <= 17; ++p) {
    std::ostringstream t;
    t.precision(p);
    t << v;
    double back = 0.0;
    std::istringstream(t.str()) >> back;
    if (back == v) return t.str();
  }
  std::ostringstream s;  // nan and inf never read back equal
  s.precision(17);
  s << v;
  return s.str();
}

double rate(const std::string& who, const std::string& arg, double v) {
  if (!(v >= 0.0 && v < 1.0)) fail(who, arg, "a value in [0, 1)", number(v));
  return v;
}

double non_negative(const std::string& who, const std::string& arg, double v) {
  if (!std::isfinite(v) || v < 0) fail(who, arg, "a finite number >= 0", number(v));
  return v;
}

double positive_number(const std::string& who, const std::string& arg, double v) {
  if (!std::isfinite(v) || v <= 0) fail(who, arg, "a finite number > 0", number(v));
  return v;
}

double unit_open(const std::string& who, const std::string& arg, double v) {
  if (!(v >= 0 && v < 1)) fail(who, arg, "a number in [0, 1)", number(v));
  return v;
}

double unit_closed(const std::string& who, const std::string& arg, double v) {
  if (!(v >= 0 && v <= 1)) fail(who, arg, "a number in [0, 1]", number(v));
  return v;
}

}  // namespace loom::check
