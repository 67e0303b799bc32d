#include "train/io/zip.hpp"

#include <algorithm>
#include <cstdint>
#include <set>
#include <zlib.h>

#include "core/errors.hpp"

namespace loom::io::zip {
namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr std::size_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22;
constexpr std::uint64_t kMax32 = 0xFFFFFFFFull;
// 1980-01-01 00:00, the zip epoch: a fixed stamp keeps archives byte-identical across runs.
constexpr std::uint16_t kDosTime = 0, kDosDate = (0 << 9) | (1 << 5) | 1;

void put16(std::string& s, std::uint32_t v) {
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>((v >> 8) & 0xff);
}
void put32(std::string& s, std::uint32_t v) {
  put16(s, v & 0xffff);
  put16(s, v >> 16);
}

std::uint32_t crc_of(std::string_view d) {
  // zlib's crc32 takes uInt lengths; feed it in pieces so that any size works.
  uLong crc = crc32(0L, Z_NULL, 0);
  for (std::size_t off = 0; off < d.size();) {
    const std::size_t n = std::min<std::size_t>(d.size() - off, 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(d.data() + off), static_cast<uInt>(n));
    off += n;
  }
  return static_cast<std::uint32_t>(crc);
}

std::string deflate_raw(const std::string& name, std::string_view in) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw IOError("zip::write: zlib deflateInit2 failed for entry '" + name + "'");
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const std::size_t n = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw IOError("zip::write: zlib deflate failed for entry '" + name + "'");
  out.resize(n);
  return out;
}

// Bounds-checked little-endian reads over the archive.
struct Reader {
  std::string_view b;
  const std::string& what;
  [[noreturn]] void fail(const std::string& msg) const {
    throw IOError("npz/zip file '" + what + "': " + msg);
  }
  void need(std::uint64_t off, std::uint64_t len, const std::string& item) const {
    if (off > b.size() || len > b.size() - off)
      fail(item + " at offset " + std::to_string(off) + " (" + std::to_string(len) +
           " bytes) extends past the end of the file (" + std::to_string(b.size()) +
           " bytes): truncated or corrupt");
  }
  std::uint32_t u16(std::uint64_t off) const {
    return static_cast<unsigned char>(b[off]) | (static_cast<unsigned char>(b[off + 1]) << 8);
  }
  std::uint32_t u32(std::uint64_t off) const { return u16(off) | (u16(off + 2) << 16); }
  std::uint64_t u64(std::uint64_t off) const {
    return static_cast<std::uint64_t>(u32(off)) | (static_cast<std::uint64_t>(u32(off + 4)) << 32);
  }
};

struct CentralRecord {
  std::string name;
  std::uint32_t flags, method, crc;
  std::uint64_t csize, usize, offset;
};

std::string inflate_raw(const Reader& r, const std::string& name, std::string_view in, std::uint64_t usize) {
  // Deflate cannot expand data more than 1032:1; a larger claim is a corrupt size, and refusing it
  // keeps a flipped size field from allocating gigabytes.
  if (usize > in.size() * 1032ull + 1024)
    r.fail("entry '" + name + "' claims " + std::to_string(usize) + " bytes from " +
           std::to_string(in.size()) + " deflated bytes, more than deflate can produce: corrupt size");
  std::string out(usize, '\0');
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) r.fail("zlib inflateInit2 failed for entry '" + name + "'");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  const std::uint64_t produced = z.total_out;
  const uInt left_in = z.avail_in;
  inflateEnd(&z);
  if (rc != Z_STREAM_END || produced != usize || left_in != 0)
    r.fail("entry '" + name + "' has a corrupt deflate stream (zlib status " + std::to_string(rc) +
           ", " + std::to_string(produced) + " of " + std::to_string(usize) + " bytes)");
  return out;
}

}  // namespace

std::string write(const std::vector<Entry>& entries, bool deflate) {
  if (entries.size() > 0xFFFF)
    throw IOError("zip::write: " + std::to_string(entries.size()) +
                  " entries need ZIP64 (more than 65535), which loom does not write");
  std::set<std::string> names;
  std::string out, central;
  for (const auto& e : entries) {
    if (e.name.empty() || e.name.size() > 0xFFFF)
      throw IOError("zip::write: entry name expected 1 to 65535 bytes, received " +
                    std::to_string(e.name.size()));
    if (!names.insert(e.name).second) throw IOError("zip::write: duplicate entry name '" + e.name + "'");
    if (e.data.size() >= kMax32)
      throw IOError("zip::write: entry '" + e.name + "' is " + std::to_string(e.data.size()) +
                    " bytes; entries of 4 GiB or more need ZIP64, which loom does not write");
    const std::string packed = deflate ? deflate_raw(e.name, e.data) : std::string();
    const std::string_view body = deflate ? std::string_view(packed) : std::string_view(e.data);
    const std::uint64_t offset = out.size();
    if (offset + kLocalSize + e.name.size() + body.size() >= kMax32)
      throw IOError("zip::write: the archive reaches 4 GiB at entry '" + e.name +
                    "'; that needs ZIP64, which loom does not write");
    const std::uint32_t crc = crc_of(e.data);
    const std::uint32_t method = deflate ? 8 : 0;
    bool ascii = true;
    for (unsigned char c : e.name) ascii = ascii && c < 128;
    const std::uint32_t flags = ascii ? 0 : 0x0800;  // bit 11: the name is UTF-8
    put32(out, kLocalSig);
    put16(out, 20);
    put16(out, flags);
    put16(out, method);
    put16(out, kDosTime);
    put16(out, kDosDate);
    put32(out, crc);
    put32(out, static_cast<std::uint32_t>(body.size()));
    put32(out, static_cast<std::uint32_t>(e.data.size()));
    put16(out, static_cast<std::uint32_t>(e.name.size()));
    put16(out, 0);
    out += e.name;
    out.append(body.data(), body.size());

    put32(central, kCentralSig);
    put16(central, (3u << 8) | 20);  // made by: Unix, spec 2.0
    put16(central, 20);
    put16(central, flags);
    put16(central, method);
    put16(central, kDosTime);
    put16(central, kDosDate);
    put32(central, crc);
    put32(central, static_cast<std::uint32_t>(body.size()));
    put32(central, static_cast<std::uint32_t>(e.data.size()));
    put16(central, static_cast<std::uint32_t>(e.name.size()));
    put16(central, 0);  // extra
    put16(central, 0);  // comment
    put16(central, 0);  // disk
    put16(central, 0);  // internal attributes
    put32(central, 0100644u << 16);  // external: a regular file, rw-r--r--
    put32(central, static_cast<std::uint32_t>(offset));
    central += e.name;
  }
  const std::uint64_t cd_offset = out.size();
  if (cd_offset + central.size() + kEndSize >= kMax32)
    throw IOError("zip::write: the archive reaches 4 GiB; that needs ZIP64, which loom does not write");
  out += central;
  put32(out, kEndSig);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<std::uint32_t>(entries.size()));
  put16(out, static_cast<std::uint32_t>(entries.size()));
  put32(out, static_cast<std::uint32_t>(central.size()));
  put32(out, static_cast<std::uint32_t>(cd_offset));
  put16(out, 0);
  return out;
}

std::vector<Entry> read(std::string_view bytes, const std::string& what) {
  const Reader r{bytes, what};
  if (bytes.empty()) r.fail("the file is empty");
  if (bytes.size() < kEndSize)
    r.fail("the file is " + std::to_string(bytes.size()) + " bytes, too short for a zip archive (at least 22)");
  // The end record sits at the end, possibly followed by a comment of up to 65535 bytes.
  std::uint64_t eocd = bytes.size();
  const std::uint64_t lowest = bytes.size() >= kEndSize + 0xFFFF ? bytes.size() - kEndSize - 0xFFFF : 0;
  for (std::uint64_t p = bytes.size() - kEndSize + 1; p-- > lowest;) {
    if (r.u32(p) == kEndSig && p + kEndSize + r.u16(p + 20) == bytes.size()) {
      eocd = p;
      break;
    }
  }
  if (eocd == bytes.size()) {
    if (bytes.size() >= 4 && r.u32(0) == kLocalSig)
      r.fail("no zip end-of-central-directory record: the file is truncated");
    r.fail("no zip end-of-central-directory record: not a zip/npz file");
  }
  const std::uint32_t disk = r.u16(eocd + 4), cd_disk = r.u16(eocd + 6);
  const std::uint32_t n_disk = r.u16(eocd + 8), n_total = r.u16(eocd + 10);
  const std::uint64_t cd_size = r.u32(eocd + 12), cd_offset = r.u32(eocd + 16);
  if (n_total == 0xFFFF || cd_size == kMax32 || cd_offset == kMax32)
    r.fail("ZIP64 archives (over 4 GiB or 65535 entries) are not supported");
  if (disk != 0 || cd_disk != 0 || n_disk != n_total)
    r.fail("multi-disk (spanned) archives are not supported");
  if (cd_offset + cd_size > eocd)
    r.fail("central directory (offset " + std::to_string(cd_offset) + ", " + std::to_string(cd_size) +
           " bytes) overlaps the end record at " + std::to_string(eocd) + ": corrupt or truncated");

  std::vector<CentralRecord> recs;
  std::uint64_t p = cd_offset;
  const std::uint64_t cd_end = cd_offset + cd_size;
  for (std::uint32_t i = 0; i < n_total; ++i) {
    if (p + kCentralSize > cd_end) r.fail("central directory ends inside entry " + std::to_string(i));
    if (r.u32(p) != kCentralSig)
      r.fail("central directory entry " + std::to_string(i) + " at offset " + std::to_string(p) +
             " has a bad signature");
    CentralRecord c;
    c.flags = r.u16(p + 8);
    c.method = r.u16(p + 10);
    c.crc = r.u32(p + 16);
    c.csize = r.u32(p + 20);
    c.usize = r.u32(p + 24);
    const std::uint32_t nlen = r.u16(p + 28), xlen = r.u16(p + 30), klen = r.u16(p + 32);
    c.offset = r.u32(p + 42);
    if (p + kCentralSize + nlen + xlen + klen > cd_end)
      r.fail("central directory entry " + std::to_string(i) + " runs past the directory's end");
    c.name.assign(bytes.substr(p + kCentralSize, nlen));
    if (c.csize == kMax32 || c.usize == kMax32 || c.offset == kMax32)
      r.fail("entry '" + c.name + "' uses ZIP64 sizes (4 GiB or more), which are not supported");
    if (c.flags & 0x1) r.fail("entry '" + c.name + "' is encrypted, which is not supported");
    if (c.method != 0 && c.method != 8)
      r.fail("entry '" + c.name + "' uses compression method " + std::to_string(c.method) +
             "; expected 0 (stored) or 8 (deflate)");
    recs.push_back(std::move(c));
    p += kCentralSize + nlen + xlen + klen;
  }
  if (p != cd_end)
    r.fail("central directory holds " + std::to_string(cd_end - p) + " bytes after its " +
           std::to_string(n_total) + " entries: corrupt");

  std::vector<Entry> out;
  std::set<std::string> names;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;  // [start, end) of each entry
  for (const auto& c : recs) {
    if (!names.insert(c.name).second) r.fail("duplicate entry name '" + c.name + "'");
    const std::uint64_t lh = c.offset;
    if (lh + kLocalSize > cd_offset)
      r.fail("entry '" + c.name + "' has its local header at offset " + std::to_string(lh) +
             ", outside the data area (before offset " + std::to_string(cd_offset) + ")");
    if (r.u32(lh) != kLocalSig)
      r.fail("entry '" + c.name + "': bad local header signature at offset " + std::to_string(lh));
    const std::uint32_t lflags = r.u16(lh + 6), lmethod = r.u16(lh + 8);
    const std::uint32_t lcrc = r.u32(lh + 14);
    std::uint64_t lcsize = r.u32(lh + 18), lusize = r.u32(lh + 22);
    const std::uint32_t nlen = r.u16(lh + 26), xlen = r.u16(lh + 28);
    const std::uint64_t data = lh + kLocalSize + nlen + xlen;
    if (data > cd_offset) r.fail("entry '" + c.name + "': local header runs into the central directory");
    if (bytes.substr(lh + kLocalSize, nlen) != c.name)
      r.fail("entry '" + c.name + "': the local header names it '" +
             std::string(bytes.substr(lh + kLocalSize, nlen)) + "'");
    // Python's zipfile (and so numpy) may add a ZIP64 extra field with the real sizes.
    for (std::uint64_t x = lh + kLocalSize + nlen, xe = x + xlen; x + 4 <= xe;) {
      const std::uint32_t id = r.u16(x), len = r.u16(x + 2);
      if (x + 4 + len > xe) r.fail("entry '" + c.name + "': malformed extra field in the local header");
      if (id == 0x0001) {
        std::uint64_t q = x + 4;
        if (lusize == kMax32 && q + 8 <= x + 4 + len) lusize = r.u64(q), q += 8;
        if (lcsize == kMax32 && q + 8 <= x + 4 + len) lcsize = r.u64(q);
      }
      x += 4 + len;
    }
    if (lmethod != c.method || (lflags & 0x1) != (c.flags & 0x1))
      r.fail("entry '" + c.name + "': local header and central directory disagree on the method or flags");
    // With bit 3 the local CRC and sizes may be zero and follow the data instead.
    if (!(lflags & 0x8) && (lcrc != c.crc || lcsize != c.csize || lusize != c.usize))
      r.fail("entry '" + c.name + "': local header and central directory disagree on the CRC or sizes");
    if (data + c.csize > cd_offset)
      r.fail("entry '" + c.name + "': its " + std::to_string(c.csize) + " bytes at offset " +
             std::to_string(data) + " run past the data area: truncated or corrupt");
    spans.emplace_back(lh, data + c.csize);
    std::string_view body = bytes.substr(data, c.csize);
    Entry e;
    e.name = c.name;
    if (c.method == 0) {
      if (c.csize != c.usize)
        r.fail("entry '" + c.name + "' is stored but its sizes differ (" + std::to_string(c.csize) +
               " and " + std::to_string(c.usize) + ")");
      e.data.assign(body);
    } else {
      e.data = inflate_raw(r, c.name, body, c.usize);
    }
    if (crc_of(e.data) != c.crc) r.fail("entry '" + c.name + "' fails its CRC-32 check: the data is corrupt");
    out.push_back(std::move(e));
  }
  std::sort(spans.begin(), spans.end());
  for (std::size_t i = 1; i < spans.size(); ++i)
    if (spans[i].first < spans[i - 1].second) r.fail("entries overlap each other: corrupt archive");
  return out;
}

}  // namespace loom::io::zip
