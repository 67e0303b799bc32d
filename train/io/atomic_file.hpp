#pragma once
// Crash-safe file writes: the bytes go to a temporary file in the target's folder, which is
// flushed to disk (fsync) and then renamed over the target. rename() is atomic within a file
// system, so a reader (or a crash at any moment) sees either the old file or the new one, never
// a half-written file. The folder is fsync'ed too, so the rename itself survives a power loss.
#include <cstddef>
#include <string>
#include <string_view>

namespace loom::io {

class AtomicFileWriter {
 public:
  // Creates the temporary file ".<name>.tmp-XXXXXX" beside `path`. Throws IOError naming the
  // path when the folder is missing or not writable.
  explicit AtomicFileWriter(std::string path);
  // Without commit() (an exception, an early return) the temporary file is removed.
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, std::size_t size);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  // fsync, close, rename over the target, fsync the folder. On failure the temporary file is
  // removed, the target is untouched, and IOError says which step failed.
  void commit();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_; }

 private:
  void discard() noexcept;
  std::string path_, temp_;
  int fd_ = -1;
  bool committed_ = false;
};

// The whole of `bytes` as the new content of `path`, atomically.
void write_file_atomic(const std::string& path, std::string_view bytes);

// The whole content of a file; IOError names the path when it is missing or unreadable.
std::string read_file(const std::string& path);

}  // namespace loom::io
