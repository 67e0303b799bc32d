#pragma once
// Internal to the fused GRU kernels: which instruction set the forward row pass runs in. loom is
// compiled for x86-64-v3 (AVX2), and gru_rows_avx512.cpp compiles the forward rows of the default
// activations (tanh, sigmoid) a second time for x86-64-v4, chosen at run time when the CPU has
// AVX-512, as PyTorch dispatches its CPU kernels: those rows are bound by instruction count, and
// 16 lanes took about 2.5% off the M training step (docs/design.md). Each lane runs the same
// operations in the same order in both builds; where the compiler fuses a multiply and an add
// depends on inlining, so results may differ by a rounding (tests/autograd/test_gru_isa.cpp).
//
// The environment variable LOOM_CPU_CAPABILITY=avx2 keeps the AVX2 rows (PyTorch's
// ATEN_CPU_CAPABILITY); avx512 asks for them and fails if the CPU lacks AVX-512.
#include <cstddef>
#include <string_view>

namespace loom::gru_detail {

enum class RowIsa { avx2, avx512 };

// Whether this CPU and OS run x86-64-v4 code (AVX-512 F, BW, CD, DQ and VL, with the zmm state
// enabled).
bool cpu_has_avx512();
// What a value of LOOM_CPU_CAPABILITY asks for: "" the best the CPU has, "avx2", or "avx512"
// (RuntimeError on a CPU without it); ValueError for any other value.
RowIsa parse_cpu_capability(std::string_view value);
// The instruction set in use: parse_cpu_capability of LOOM_CPU_CAPABILITY (unset = ""), read on
// the first call.
RowIsa row_isa();
// Overrides row_isa() for this process (tests compare the two); same errors as above.
void set_row_isa(RowIsa isa);

// One step's forward rows when reset_after: every batch row b whose mask entry at input time t is
// set (all rows when mask is null) turns its gates row Gs + b*4U into [z | r | hh | aux] and
// writes the new state to Hn + b*U and the output to Y + (b*Tn + s)*U.
template <class T>
struct FwdStepRows {
  std::size_t B, U, Tn, s, t;
  T* Gs;
  const T *bzr, *bx_h, *bh_h, *Hp;
  T *Hn, *Y;
  const T* mask;  // (B, Tn) or null
};

// The AVX-512 build of the rows for the tanh activation and sigmoid recurrent activation, float
// (gru_rows_avx512.cpp); call only when row_isa() is avx512.
void fwd_step_rows_avx512(const FwdStepRows<float>& rows);
// The same behind a template, for call sites inside generic lambdas of T = double builds: clang
// checks a non-dependent call even in a discarded `if constexpr` branch, and there is no double
// overload to find; a template's body is only instantiated where the branch is kept.
template <class Rows>
void fwd_step_rows_avx512_for(const Rows& rows) {
  fwd_step_rows_avx512(rows);
}

}  // namespace loom::gru_detail
