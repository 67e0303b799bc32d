#pragma once
// The small part of the zip format that .npz needs, on zlib (crc32, raw deflate): a writer of
// stored or deflated entries, and a reader that validates every field it relies on. Internal to
// train/io (npz.hpp is the public face); see docs/design.md for why not libzip.
#include <string>
#include <string_view>
#include <vector>

namespace loom::io::zip {

struct Entry {
  std::string name;
  std::string data;  // uncompressed bytes
};

// A complete zip archive. Throws IOError when an entry or the archive would need ZIP64
// (4 GiB or more, or more than 65535 entries), or for an empty or duplicate name.
std::string write(const std::vector<Entry>& entries, bool deflate = false);

// Every entry of an archive held in memory. `what` names the source (a path) in messages. Throws
// IOError saying what is wrong for anything that is not a sound archive: too short, no end
// record, offsets or sizes outside the file, overlapping entries, local and central records that
// disagree, encryption, methods other than stored/deflate, ZIP64 sizes, a bad deflate stream, a
// CRC mismatch, duplicate names. Never reads outside `bytes`.
std::vector<Entry> read(std::string_view bytes, const std::string& what);

}  // namespace loom::io::zip
