// Built against an installed loom: proves that loom.hpp and loom::loom are all a user needs.
#include <cmath>
#include <cstdio>

#include "loom.hpp"

int main() {
  loom::Tensor<float> w{0.5f};
  loom::GradientTape tape;
  tape.watch(w);
  auto loss = loom::sum(loom::square(w));
  auto g = tape.gradient(loss, w);
  if (std::abs(g.item() - 1.0f) > 1e-6f) return 1;
  std::printf("consumer ok\n");
  return 0;
}
