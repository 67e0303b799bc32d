#pragma once
// The shortest round-trip spelling of a number, for error messages (configs are JSON and get
// theirs from nlohmann-json).
#include <sstream>
#include <string>

namespace loom::config {

// Shortest round-tripping spelling of a double ("0.01", "2", "1e-07").
inline std::string number(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  double back = 0.0;
  for (int p = 1; p <= 17; ++p) {
    std::ostringstream t;
    t.precision(p);
    t << v;
    std::istringstream(t.str()) >> back;
    if (back == v) return t.str();
  }
  return s.str();
}

}  // namespace loom::config
