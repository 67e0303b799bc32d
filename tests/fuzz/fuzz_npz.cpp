// libFuzzer entry point for loom::fuzz::npz_input (see fuzz_targets.hpp and docs/reliability.md).
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string broken = loom::fuzz::npz_input({reinterpret_cast<const char*>(data), size});
  if (!broken.empty()) {
    std::fprintf(stderr, "loom fuzz_npz: contract broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
