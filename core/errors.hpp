#pragma once
// loom's exception types. They derive from the std hierarchy so that generic handlers still catch
// them, and ShapeError derives from ValueError because Keras raises ValueError for shape problems.
#include <stdexcept>
#include <string>

namespace loom {

struct ValueError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
struct ShapeError : ValueError {
  using ValueError::ValueError;
};
struct IndexError : std::out_of_range {
  using std::out_of_range::out_of_range;
};
struct IOError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct RuntimeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct NotImplementedError : std::logic_error {
  using std::logic_error::logic_error;
};

}  // namespace loom
