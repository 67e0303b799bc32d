// The forward rows of the default activations compiled for x86-64-v4 (CMakeLists.txt adds the flag
// to this file only); gru_kernels.cpp calls them when row_isa() is avx512 (gru_isa.hpp). Nothing
// here may be merged by the linker with AVX2 code: see rnn_lanes.hpp.
#include "autograd/ops/gru_rows.hpp"

#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512DQ__) || \
    !defined(__AVX512VL__)
#error "gru_rows_avx512.cpp must be compiled with -march=x86-64-v4"
#endif

namespace loom::gru_detail {

void fwd_step_rows_avx512(const FwdStepRows<float>& rows) {
  fwd_step_rows_reset_after<RnnActivation::tanh, RnnActivation::sigmoid>(rows);
}

}  // namespace loom::gru_detail
