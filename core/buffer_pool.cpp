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
// Power-of-two classes up to 4 KiB, then four classes per octave, so that a large buffer wastes
// at most 25% (a 39 MB GRU buffer took 64 MB with plain powers of two).
constexpr std::size_t kSmallClasses = 7;  // 64 B .. 4 KiB
constexpr std::size_t kClasses = kSmallClasses + 4 * 33;
constexpr std::size_t kMaxCachedPerClass = 64;
constexpr std::size_t kMaxCachedBytes = std::size_t{1} << 30;

struct SizeClass {
  std::size_t index;
  std::size_t bytes;
};

SizeClass size_class(std::size_t bytes) {
  const std::size_t b = bytes < kAlign ? kAlign : bytes;
  const std::size_t e = static_cast<std::size_t>(std::bit_width(b - 1));  // 2^(e-1) < b <= 2^e
  if (e <= 12) return {e - 6, std::size_t{1} << e};
  const std::size_t half = std::size_t{1} << (e - 1);
  const std::size_t step = std::size_t{1} << (e - 3);
  const std::size_t sub = (b - half + step - 1) / step;  // 1..4
  return {kSmallClasses + (e - 13) * 4 + (sub - 1), half + sub * step};
}

// glibc returns freed heap tops to the kernel and then page-faults them back in on the next step;
// a training loop frees and reallocates the same amounts every step, so trimming only costs time
// (a (64,384) add rose from 1 us to 33-41 us, docs/design.md "Measured costs").
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
  const SizeClass sc = size_class(bytes);
  if (sc.index >= kClasses) throw std::bad_alloc();
  Pool& p = pool();
  auto& l = p.free_lists[sc.index];
  if (!l.empty()) {
    void* b = l.back();
    l.pop_back();
    p.st.cached_bytes -= sc.bytes;
    ++p.st.hits;
    return b;
  }
  ++p.st.misses;
  void* b = std::aligned_alloc(kAlign, sc.bytes);
  if (!b) throw std::bad_alloc();
  return b;
}

void deallocate(void* ptr, std::size_t bytes) noexcept {
  if (!ptr) return;
  if (!g_pool_alive) {
    std::free(ptr);
    return;
  }
  const SizeClass sc = size_class(bytes);
  Pool& p = pool();
  auto& l = p.free_lists[sc.index];
  if (l.size() >= kMaxCachedPerClass || p.st.cached_bytes + sc.bytes > kMaxCachedBytes) {
    std::free(ptr);
    return;
  }
  try {
    l.push_back(ptr);
    p.st.cached_bytes += sc.bytes;
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
