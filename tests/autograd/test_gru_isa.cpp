// The run-time choice between the AVX2 and AVX-512 forward rows of the fused GRU
// (autograd/ops/gru_isa.hpp): LOOM_CPU_CAPABILITY's values, and the two builds giving the same
// numbers, so that the oracle tests (which run whichever this CPU picks) speak for both. They run
// the same operations on each lane; only where the compiler fuses a multiply and an add may
// differ (it depends on inlining, so on the build and the optimisation level), which moves a
// result by a rounding. The Release build with GCC 12 gave identical bits; the -O1 sanitizer build
// differed by up to 6e-6 in a gradient of size 3.
#include <gtest/gtest.h>

#include "autograd/ops/gru_isa.hpp"
#include "gru_fused_util.hpp"

using namespace loom;
using namespace loom::testing::gru;
using gru_detail::RowIsa;

namespace {

// Restores the process's instruction set choice.
struct IsaGuard {
  RowIsa saved = gru_detail::row_isa();
  ~IsaGuard() { gru_detail::set_row_isa(saved); }
};

// Within float rounding carried through 7 steps and their backward: 1e-5 absolute plus relative,
// the tolerance the fused op meets against its oracle.
bool same_numbers(const Tensor<float>& a, const Tensor<float>& b) {
  return loom::testing::all_close(a, b, 1e-5, 1e-5);
}

struct Run {
  GruSequenceResult<float> res;
  std::vector<Tensor<float>> grads;
};

Run run(const Problem<float>& p) {
  GradientTape<float> tape;
  std::vector<Tensor<float>> ins = {p.x, p.h0, p.kernel, p.rkernel, p.bias};
  for (const auto& t : ins) tape.watch(t);
  Run out;
  out.res = gru_sequence(p.x, p.h0, p.kernel, p.rkernel, p.bias, p.opt);
  auto loss = sum(out.res.outputs * rnd<float>(out.res.outputs.shape(), 77)) +
              sum(out.res.state * rnd<float>(out.res.state.shape(), 78));
  out.grads = tape.gradient(loss, ins);
  return out;
}

}  // namespace

TEST(GruIsa, CpuCapabilityValues) {
  EXPECT_EQ(gru_detail::parse_cpu_capability("avx2"), RowIsa::avx2);
  EXPECT_EQ(gru_detail::parse_cpu_capability(""),
            gru_detail::cpu_has_avx512() ? RowIsa::avx512 : RowIsa::avx2);
  if (gru_detail::cpu_has_avx512()) {
    EXPECT_EQ(gru_detail::parse_cpu_capability("avx512"), RowIsa::avx512);
  } else {
    try {
      gru_detail::parse_cpu_capability("avx512");
      ADD_FAILURE() << "avx512 accepted on a CPU without AVX-512";
    } catch (const RuntimeError& e) {
      EXPECT_NE(std::string(e.what()).find("LOOM_CPU_CAPABILITY: expected avx2"), std::string::npos)
          << e.what();
    }
  }
  try {
    gru_detail::parse_cpu_capability("AVX512 ");
    ADD_FAILURE() << "an unknown value was accepted";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "LOOM_CPU_CAPABILITY: expected avx2 or avx512, received 'AVX512 '");
  }
}

TEST(GruIsa, Avx512RowsGiveTheAvx2RowsNumbers) {
  if (!gru_detail::cpu_has_avx512()) GTEST_SKIP() << "this CPU has no AVX-512";
  IsaGuard guard;
  // Masked steps, go_backwards, and units that leave a partial vector in both widths (21: 2 x 8 +
  // 5 and 16 + 5; 40: 5 x 8 and 2 x 16 + 8). Large input weights send some sigmoid inputs below
  // -9, where the approximation hands over to exp.
  for (const char* name : {"mask_carry", "go_backwards"}) {
    GruConfig c;
    for (const auto& k : configs())
      if (k.name == name) c = k;
    for (std::size_t U : {21, 40}) {
      auto p = make_problem<float>(c, 6, 7, 5, U, 300 + U);
      p.kernel = rnd<float>({5, 3 * U}, 400 + U, -4.0, 4.0);
      gru_detail::set_row_isa(RowIsa::avx2);
      const auto a = run(p);
      gru_detail::set_row_isa(RowIsa::avx512);
      const auto b = run(p);
      const std::string where = std::string(name) + ", U=" + std::to_string(U);
      EXPECT_TRUE(same_numbers(a.res.outputs, b.res.outputs)) << "outputs, " << where;
      EXPECT_TRUE(same_numbers(a.res.state, b.res.state)) << "state, " << where;
      ASSERT_EQ(a.grads.size(), b.grads.size());
      for (std::size_t i = 0; i < a.grads.size(); ++i)
        EXPECT_TRUE(same_numbers(a.grads[i], b.grads[i])) << "gradient " << i << ", " << where;
    }
  }
}
