#pragma once
// A per-thread pool of reusable memory blocks in power-of-two size classes. Tensors are created on
// every op; under glibc malloc trimming a fresh (64,384) buffer cost 33-41 us instead of 1 us
// (docs/design.md "Measured costs"), so hot paths take their storage from here, not from malloc.
#include <cstddef>

namespace loom::pool {

// A block of at least `bytes` bytes, 64-byte aligned. Never returns null (throws std::bad_alloc).
void* allocate(std::size_t bytes);
// Returns a block obtained from allocate(bytes) with the same `bytes`.
void deallocate(void* p, std::size_t bytes) noexcept;

struct Stats {
  std::size_t cached_bytes = 0;   // bytes held in this thread's free lists
  std::size_t hits = 0;           // allocations served from the free lists
  std::size_t misses = 0;         // allocations that went to the system allocator
};
Stats stats();
// Returns every cached block of this thread to the system.
void release_cached();

}  // namespace loom::pool
