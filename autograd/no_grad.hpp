#pragma once
// NoGradGuard: while one is alive on this thread, no tape records anything. Used for inference,
// optimizer updates, and inside gradient() itself (loom has no higher-order gradients).

namespace loom {

class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;
};

// True while any NoGradGuard is alive on this thread.
bool grad_disabled();

}  // namespace loom
