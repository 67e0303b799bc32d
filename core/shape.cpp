#include "core/shape.hpp"

#include "core/errors.hpp"

namespace loom {

Shape::Shape(std::initializer_list<std::size_t> dims) {
  for (auto d : dims) push_back(d);
}

Shape::Shape(const std::vector<std::size_t>& dims) {
  for (auto d : dims) push_back(d);
}

void Shape::push_back(std::size_t d) {
  if (rank_ == kMaxRank)
    throw ShapeError("Shape: expected rank <= " + std::to_string(kMaxRank) + ", received rank " +
                     std::to_string(rank_ + 1));
  dims_[rank_++] = d;
}

std::size_t Shape::dim(long i) const {
  const long r = static_cast<long>(rank_);
  const long j = i < 0 ? i + r : i;
  if (j < 0 || j >= r)
    throw IndexError("Shape::dim: axis expected in [" + std::to_string(-r) + ", " +
                     std::to_string(r) + "), received " + std::to_string(i) + " for shape " +
                     str());
  return dims_[static_cast<std::size_t>(j)];
}

std::size_t Shape::numel() const {
  std::size_t n = 1;
  // A product that wraps would size a buffer smaller than the shape claims (a later index reads
  // past it), so it is an error; a zero dimension makes any product valid.
  bool overflow = false;
  for (std::size_t i = 0; i < rank_; ++i) overflow |= __builtin_mul_overflow(n, dims_[i], &n);
  if (overflow) {
    for (std::size_t i = 0; i < rank_; ++i)
      if (dims_[i] == 0) return 0;
    throw ShapeError("Shape: the element count of " + str() + " expected to fit in 64 bits, received a product "
                     "that overflows");
  }
  return n;
}

std::string Shape::str() const {
  std::string s = "(";
  for (std::size_t i = 0; i < rank_; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims_[i]);
  }
  if (rank_ == 1) s += ",";
  return s + ")";
}

bool operator==(const Shape& a, const Shape& b) {
  if (a.rank_ != b.rank_) return false;
  for (std::size_t i = 0; i < a.rank_; ++i)
    if (a.dims_[i] != b.dims_[i]) return false;
  return true;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  if (a == b) return a;
  const std::size_t r = a.rank() > b.rank() ? a.rank() : b.rank();
  Shape out;
  for (std::size_t i = 0; i < r; ++i) {
    const long ia = static_cast<long>(a.rank()) - static_cast<long>(r) + static_cast<long>(i);
    const long ib = static_cast<long>(b.rank()) - static_cast<long>(r) + static_cast<long>(i);
    const std::size_t da = ia >= 0 ? a[static_cast<std::size_t>(ia)] : 1;
    const std::size_t db = ib >= 0 ? b[static_cast<std::size_t>(ib)] : 1;
    if (da != db && da != 1 && db != 1)
      throw ShapeError(std::string(op) + ": shapes " + a.str() + " and " + b.str() +
                       " cannot be broadcast together (expected equal dimensions or 1)");
    out.push_back(da == 1 ? db : da);
  }
  return out;
}

}  // namespace loom
