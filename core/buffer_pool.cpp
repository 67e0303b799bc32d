#include "core/buffer_pool.hpp"

#include <array>
#include <bit>
#include <cstdlib>
#include <malloc.h>
#include <new>
#include <vector>

namespace loom::pool {
namespace {

constexpr std::size_t kAlign = 64;
constexpr std::size_t kClasses = 40;               // 64 B .. 2^45 B
constexpr std::size_t kMaxCachedPerClass = 64;
constexpr std::size_t kMaxCachedBytes = std::size_t{1} << 30;

std::size_t size_class(std::size_t bytes) {
  const std::size_t b = bytes < kAlign ? kAlign : bytes;
  return static_cast<std::size_t>(std::bit_width(b - 1)) - 6;  // 64 B -> class 0
}
std::size_t class_bytes(std::size_t c) { return kAlign << c; }

// glibc returns freed heap tops to the kernel and then page-faults them back in on the next step;
// a training loop frees and reallocates the same amounts every step, so trimming only costs time
// (a (64,384) add rose from 1 us to 33-41 us, DESIGN.md §3).
const bool g_malloc_tuned = [] {
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  return true;
}();

// Trivially destructible, so it stays readable while other thread_locals are being destroyed:
// tensors that die after the pool (statics at exit) then go straight back to the system.
thread_local bool g_pool_alive = false;

struct Pool {
  std::array<std::vector<void*>, kClasses> free_lists;
  Stats st;
  Pool() { g_pool_alive = true; }
  ~Pool() {
    g_pool_alive = false;
    for (auto& l : free_lists)
      for (void* p : l) std::free(p);
  }
};

Pool& pool() {
  thread_local Pool p;
  return p;
}

}  // namespace

void* allocate(std::size_t bytes) {
  const std::size_t c = size_class(bytes);
  if (c >= kClasses) throw std::bad_alloc();
  Pool& p = pool();
  auto& l = p.free_lists[c];
  if (!l.empty()) {
    void* b = l.back();
    l.pop_back();
    p.st.cached_bytes -= class_bytes(c);
    ++p.st.hits;
    return b;
  }
  ++p.st.misses;
  void* b = std::aligned_alloc(kAlign, class_bytes(c));
  if (!b) throw std::bad_alloc();
  return b;
}

void deallocate(void* ptr, std::size_t bytes) noexcept {
  if (!ptr) return;
  if (!g_pool_alive) {
    std::free(ptr);
    return;
  }
  const std::size_t c = size_class(bytes);
  Pool& p = pool();
  auto& l = p.free_lists[c];
  if (l.size() >= kMaxCachedPerClass || p.st.cached_bytes + class_bytes(c) > kMaxCachedBytes) {
    std::free(ptr);
    return;
  }
  try {
    l.push_back(ptr);
    p.st.cached_bytes += class_bytes(c);
  } catch (...) {
    std::free(ptr);
  }
}

Stats stats() {
  (void)g_malloc_tuned;
  return pool().st;
}

void release_cached() {
  Pool& p = pool();
  for (auto& l : p.free_lists) {
    for (void* b : l) std::free(b);
    l.clear();
  }
  p.st.cached_bytes = 0;
}

}  // namespace loom::pool
