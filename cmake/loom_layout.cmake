# The shape of the library, in one place: CMakeLists.txt builds and installs from these lists and
# tools/check_layering.cmake (ctest layering.*) enforces them.

# The library folders in dependency order. A file may include headers of its own folder and of the
# folders before it in this list, never of one after it; examples/, tests/, bench/ and tools/ come
# after all of them and may include anything (docs/design.md, "Folders and dependencies").
# A new folder is one edit here (saving/, whole-model files, came after train this way).
set(LOOM_LIB_DIRS core autograd layers optim train saving)

# Headers internal to the library: compiled into it but not installed, and never included by a
# public header (the installed headers are closed under their includes). They hold the fused
# kernels, which include xsimd and <immintrin.h> and are compiled for two instruction sets, and
# small helpers shared by a folder's .cpp files. Tests and benchmarks in this tree may include them.
set(LOOM_PRIVATE_HEADERS
  autograd/ops/broadcast.hpp
  autograd/ops/gru_isa.hpp
  autograd/ops/gru_kernels.hpp
  autograd/ops/rnn_lanes.hpp
  autograd/ops/gru_rows.hpp
  autograd/ops/lstm_kernels.hpp
  autograd/ops/rnn_kernel_util.hpp
  autograd/ops/rnn_op_util.hpp
  layers/rnn_util.hpp
  train/fit_progress.hpp
  train/io/zip.hpp
  saving/tfjs_detail.hpp
  saving/onnx_detail.hpp)

# Third-party headers that only .cpp files and private headers may include: a public header that
# included one would make every user compile against a package loom links privately, or against
# one instruction set's intrinsics.
set(LOOM_PRIVATE_DEPENDENCY_REGEX "^(xsimd/|immintrin\\.h|xtensor-blas/|cblas\\.h|lapacke|mpi\\.h|boost/mpi|onnx/|google/protobuf)")
