#pragma once
// Shape: a tensor's dimensions, stored inline (no heap) because shapes are created on every op.
#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <vector>

namespace loom {

class Shape {
 public:
  static constexpr std::size_t kMaxRank = 8;

  Shape() = default;
  Shape(std::initializer_list<std::size_t> dims);
  explicit Shape(const std::vector<std::size_t>& dims);
  template <class It>
  Shape(It first, It last) {
    for (; first != last; ++first) push_back(static_cast<std::size_t>(*first));
  }

  std::size_t rank() const { return rank_; }
  std::size_t operator[](std::size_t i) const { return dims_[i]; }
  std::size_t& operator[](std::size_t i) { return dims_[i]; }
  // Dimension i, where a negative i counts from the end as in numpy.
  std::size_t dim(long i) const;
  std::size_t numel() const;
  const std::size_t* begin() const { return dims_.data(); }
  const std::size_t* end() const { return dims_.data() + rank_; }
  void push_back(std::size_t d);
  std::vector<std::size_t> to_vector() const { return {begin(), end()}; }
  std::string str() const;

  friend bool operator==(const Shape& a, const Shape& b);
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

 private:
  std::array<std::size_t, kMaxRank> dims_{};
  std::size_t rank_ = 0;
};

// numpy broadcasting of two shapes; throws ShapeError naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace loom
