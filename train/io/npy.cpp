#include "train/io/npy.hpp"

#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xnpy.hpp>

#include "core/errors.hpp"

namespace loom::io {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& msg) {
  throw IOError("npy data '" + what + "': " + msg);
}

// A strict parser of the header dict, e.g. {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }
struct Header {
  std::string descr;
  bool fortran = false;
  std::vector<std::uint64_t> shape;
};

struct Parser {
  std::string_view s;
  std::size_t i = 0;
  const std::string& what;
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  }
  [[noreturn]] void bad(const std::string& expected) const {
    fail(what, "malformed header: expected " + expected + " at character " + std::to_string(i) + " of '" +
                   std::string(s.substr(0, 120)) + "'");
  }
  void expect(char c) {
    ws();
    if (i >= s.size() || s[i] != c) bad(std::string("'") + c + "'");
    ++i;
  }
  bool peek(char c) {
    ws();
    return i < s.size() && s[i] == c;
  }
  std::string str() {
    ws();
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) bad("a quoted string");
    const char q = s[i++];
    const std::size_t b = i;
    while (i < s.size() && s[i] != q) ++i;
    if (i >= s.size()) bad("a closing quote");
    return std::string(s.substr(b, i++ - b));
  }
  bool boolean() {
    ws();
    if (s.substr(i, 4) == "True") return i += 4, true;
    if (s.substr(i, 5) == "False") return i += 5, false;
    bad("True or False");
  }
  std::uint64_t integer() {
    ws();
    std::uint64_t v = 0;
    const std::size_t b = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (v > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) bad("a dimension that fits 64 bits");
      v = v * 10 + static_cast<std::uint64_t>(s[i++] - '0');
    }
    if (i == b) bad("a non-negative integer");
    if (i < s.size() && s[i] == 'L') ++i;  // Python 2 longs
    return v;
  }
  std::vector<std::uint64_t> tuple() {
    expect('(');
    std::vector<std::uint64_t> v;
    while (!peek(')')) {
      v.push_back(integer());
      if (!peek(',')) break;
      expect(',');
    }
    expect(')');
    return v;
  }
};

Header parse_header(std::string_view text, const std::string& what) {
  Parser p{text, 0, what};
  Header h;
  bool seen_d = false, seen_f = false, seen_s = false;
  p.expect('{');
  while (!p.peek('}')) {
    const std::string key = p.str();
    p.expect(':');
    if (key == "descr" && !seen_d) {
      h.descr = p.str();
      seen_d = true;
    } else if (key == "fortran_order" && !seen_f) {
      h.fortran = p.boolean();
      seen_f = true;
    } else if (key == "shape" && !seen_s) {
      h.shape = p.tuple();
      seen_s = true;
    } else {
      fail(what, "malformed header: unexpected or repeated key '" + key + "'");
    }
    if (!p.peek(',')) break;
    p.expect(',');
  }
  p.expect('}');
  p.ws();
  if (p.i != text.size()) p.bad("only padding after the header dict");
  if (!seen_d || !seen_f || !seen_s)
    fail(what, "malformed header: expected the keys 'descr', 'fortran_order' and 'shape'");
  return h;
}

enum class Kind { f, i, u, b };
struct DType {
  Kind kind;
  std::size_t size;
  bool swap;
};

DType parse_dtype(const std::string& d, const std::string& what) {
  if (d.size() >= 3) {
    const char order = d[0], k = d[1];
    const std::string n = d.substr(2);
    std::optional<DType> t;
    auto sz = [&](std::initializer_list<const char*> ok) -> std::size_t {
      for (const char* o : ok)
        if (n == o) return static_cast<std::size_t>(std::stoul(n));
      return 0;
    };
    if (k == 'f' && sz({"4", "8"})) t = DType{Kind::f, sz({"4", "8"}), false};
    if (k == 'i' && sz({"1", "2", "4", "8"})) t = DType{Kind::i, sz({"1", "2", "4", "8"}), false};
    if (k == 'u' && sz({"1", "2", "4", "8"})) t = DType{Kind::u, sz({"1", "2", "4", "8"}), false};
    if (k == 'b' && n == "1") t = DType{Kind::b, 1, false};
    const bool order_ok = order == '<' || order == '=' || order == '|' || (order == '>' && t && t->size > 1);
    if (t && order_ok && !(order == '|' && t->size > 1)) {
      t->swap = order == '>';
      return *t;
    }
  }
  fail(what, "unsupported dtype '" + d + "': expected float32/64, integers or bool");
}

template <class T>
T convert(const unsigned char* p, const DType& dt) {
  unsigned char b[8];
  for (std::size_t k = 0; k < dt.size; ++k) b[k] = dt.swap ? p[dt.size - 1 - k] : p[k];
  switch (dt.kind) {
    case Kind::f:
      if (dt.size == 4) {
        float v;
        std::memcpy(&v, b, 4);
        return static_cast<T>(v);
      } else {
        double v;
        std::memcpy(&v, b, 8);
        return static_cast<T>(v);
      }
    case Kind::b:
      return b[0] ? T(1) : T(0);
    case Kind::i: {
      std::int64_t v = 0;
      if (dt.size == 1) { std::int8_t x; std::memcpy(&x, b, 1); v = x; }
      if (dt.size == 2) { std::int16_t x; std::memcpy(&x, b, 2); v = x; }
      if (dt.size == 4) { std::int32_t x; std::memcpy(&x, b, 4); v = x; }
      if (dt.size == 8) { std::memcpy(&v, b, 8); }
      return static_cast<T>(v);
    }
    case Kind::u: {
      std::uint64_t v = 0;
      for (std::size_t k = dt.size; k-- > 0;) v = (v << 8) | b[k];
      return static_cast<T>(v);
    }
  }
  return T(0);
}

}  // namespace

template <class T>
std::string npy_encode(const Tensor<T>& t) {
  if (!t.defined()) throw ValueError("npy_encode: expected a defined tensor, received an undefined one");
  std::vector<std::size_t> shape(t.shape().begin(), t.shape().end());
  // xt::adapt wants a mutable pointer; dump_npy only reads through it.
  auto view = xt::adapt(const_cast<T*>(t.data()), t.size(), xt::no_ownership(), shape);
  return xt::dump_npy(view);
}

template <class T>
Tensor<T> npy_decode(std::string_view b, const std::string& what) {
  static constexpr char kMagic[] = "\x93NUMPY";
  if (b.size() < 10 || b.substr(0, 6) != std::string_view(kMagic, 6))
    fail(what, "not npy data (missing the \\x93NUMPY magic)");
  const unsigned major = static_cast<unsigned char>(b[6]), minor = static_cast<unsigned char>(b[7]);
  if (major < 1 || major > 3 || minor != 0)
    fail(what, "unsupported npy version " + std::to_string(major) + "." + std::to_string(minor));
  std::size_t hlen = 0, hstart = 0;
  if (major == 1) {
    hlen = static_cast<unsigned char>(b[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(b[9])) << 8);
    hstart = 10;
  } else {
    if (b.size() < 12) fail(what, "truncated npy header");
    for (int k = 3; k >= 0; --k) hlen = (hlen << 8) | static_cast<unsigned char>(b[8 + k]);
    hstart = 12;
  }
  if (hlen > b.size() - hstart)
    fail(what, "header of " + std::to_string(hlen) + " bytes runs past the data (" +
                   std::to_string(b.size()) + " bytes): truncated");
  const Header h = parse_header(b.substr(hstart, hlen), what);
  const DType dt = parse_dtype(h.descr, what);
  if (h.shape.size() > Shape::kMaxRank)
    fail(what, "rank " + std::to_string(h.shape.size()) + " exceeds loom's maximum of " +
                   std::to_string(Shape::kMaxRank));
  const std::string_view data = b.substr(hstart + hlen);
  std::uint64_t n = 1;
  bool overflow = false;
  for (std::uint64_t d : h.shape) {
    if (d != 0 && n > std::numeric_limits<std::uint64_t>::max() / d / dt.size) overflow = true;
    n *= d;
  }
  Shape shape;
  for (std::uint64_t d : h.shape) shape.push_back(static_cast<std::size_t>(d));
  if (overflow || n * dt.size != data.size())
    fail(what, "shape " + shape.str() + " of dtype '" + h.descr + "' needs " +
                   (overflow ? std::string("more than 2^64") : std::to_string(n * dt.size)) +
                   " data bytes, but " + std::to_string(data.size()) + " are present");
  auto t = Tensor<T>::empty(shape);
  const auto* src = reinterpret_cast<const unsigned char*>(data.data());
  T* dst = t.data();
  if (!h.fortran || shape.rank() < 2) {
    for (std::uint64_t k = 0; k < n; ++k) dst[k] = convert<T>(src + k * dt.size, dt);
    return t;
  }
  // Fortran order: the first index varies fastest in the file. Walk the file in order and place
  // each element at its row-major offset.
  const std::size_t r = shape.rank();
  std::vector<std::size_t> cstride(r, 1), idx(r, 0);
  for (std::size_t d = r - 1; d-- > 0;) cstride[d] = cstride[d + 1] * shape[d + 1];
  for (std::uint64_t k = 0; k < n; ++k) {
    std::size_t off = 0;
    for (std::size_t d = 0; d < r; ++d) off += idx[d] * cstride[d];
    dst[off] = convert<T>(src + k * dt.size, dt);
    for (std::size_t d = 0; d < r; ++d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return t;
}

template std::string npy_encode(const Tensor<float>&);
template std::string npy_encode(const Tensor<double>&);
template Tensor<float> npy_decode<float>(std::string_view, const std::string&);
template Tensor<double> npy_decode<double>(std::string_view, const std::string&);

}  // namespace loom::io
