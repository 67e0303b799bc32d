#pragma once
// Spelling of get_config() values (Config maps names to strings), shared by the layers.
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
inline std::string boolean(bool b) { return b ? "true" : "false"; }
template <class P>
std::string object(const P& p) {
  return p ? p->repr() : std::string("None");
}

}  // namespace loom::config
