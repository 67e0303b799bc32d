#include "autograd/ops/gru_isa.hpp"

#include <atomic>
#include <cstdlib>
#include <string>

#include "core/errors.hpp"

namespace loom::gru_detail {
namespace {

constexpr const char* kEnv = "LOOM_CPU_CAPABILITY";

RowIsa checked(RowIsa isa) {
  if (isa == RowIsa::avx512 && !cpu_has_avx512())
    throw RuntimeError(std::string(kEnv) +
                       ": expected avx2 (this CPU lacks AVX-512 F/BW/CD/DQ/VL), received avx512");
  return isa;
}

// -1 until the first row_isa() or set_row_isa(), then a RowIsa.
std::atomic<int> g_isa{-1};

}  // namespace

RowIsa parse_cpu_capability(std::string_view value) {
  if (value.empty()) return cpu_has_avx512() ? RowIsa::avx512 : RowIsa::avx2;
  if (value == "avx2") return RowIsa::avx2;
  if (value == "avx512") return checked(RowIsa::avx512);
  throw ValueError(std::string(kEnv) + ": expected avx2 or avx512, received '" + std::string(value) +
                   "'");
}

bool cpu_has_avx512() {
  // libgcc's check includes the OS's XSAVE support for the opmask and zmm registers.
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512cd") &&
                          __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  return has;
}

RowIsa row_isa() {
  int v = g_isa.load(std::memory_order_relaxed);
  if (v < 0) {
    const char* env = std::getenv(kEnv);
    v = static_cast<int>(parse_cpu_capability(env ? env : ""));
    g_isa.store(v, std::memory_order_relaxed);
  }
  return static_cast<RowIsa>(v);
}

void set_row_isa(RowIsa isa) { g_isa.store(static_cast<int>(checked(isa)), std::memory_order_relaxed); }

}  // namespace loom::gru_detail
