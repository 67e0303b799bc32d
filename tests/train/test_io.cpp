// .npz round trips, interop with numpy both ways, damaged files, and atomic writes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "test_util.hpp"
#include "train/io/zip.hpp"

using namespace loom;
using loom::testing::throws_with;
namespace fs = std::filesystem;

namespace {

std::string temp_dir(const std::string& name) {
  auto d = fs::temp_directory_path() / ("loom_test_io_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

template <class T>
Tensor<T> ramp(const Shape& s, double scale, double offset = 0.0) {
  auto t = Tensor<T>::empty(s);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<T>(offset + scale * static_cast<double>(i));
  return t;
}

template <class T>
::testing::AssertionResult same_arrays(const std::map<std::string, Tensor<T>>& a,
                                       const std::map<std::string, Tensor<T>>& b) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << a.size() << " vs " << b.size() << " arrays";
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end()) return ::testing::AssertionFailure() << "missing '" << k << "'";
    auto r = loom::testing::all_close(v, it->second, 0.0);
    if (!r) return r << " in '" << k << "'";
  }
  return ::testing::AssertionSuccess();
}

std::map<std::string, Tensor<float>> sample_weights() {
  return {{"gru_cell/kernel", ramp<float>({5, 12}, 0.25, -3.0)},
          {"gru_cell/recurrent_kernel", ramp<float>({4, 12}, -0.125, 1.0)},
          {"gru_cell/bias", ramp<float>({2, 12}, 1e-3)},
          {"scalar", Tensor<float>::scalar(3.5f)},
          {"empty", Tensor<float>::zeros(Shape{0, 3})},
          {"cube", ramp<float>({2, 3, 4}, 1.5)}};
}

bool python_has_numpy() {
  static const bool has = std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
  return has;
}

int run_python(const std::string& script_path, const std::string& code) {
  std::ofstream(script_path) << code;
  return std::system(("/usr/bin/python3 " + script_path).c_str());
}

}  // namespace

TEST(Npz, RoundTripStoredAndCompressed) {
  const auto dir = temp_dir("rt");
  const auto w = sample_weights();
  for (bool compressed : {false, true}) {
    const std::string p = dir + (compressed ? "/c.npz" : "/s.npz");
    io::save_npz(p, w, {.compressed = compressed});
    EXPECT_TRUE(same_arrays(io::load_npz<float>(p), w));
    // float32 files load into double with exact conversion.
    auto d = io::load_npz<double>(p);
    EXPECT_EQ(d.at("cube").shape(), (Shape{2, 3, 4}));
    EXPECT_EQ(d.at("gru_cell/kernel").at({1, 2}), -3.0 + 0.25 * 14);
  }
  std::map<std::string, Tensor<double>> dd{{"x", ramp<double>({3}, 1.0 / 3.0)}};
  io::save_npz(dir + "/d.npz", dd);
  EXPECT_TRUE(same_arrays(io::load_npz<double>(dir + "/d.npz"), dd));
  // Saving is deterministic (fixed timestamps), so identical weights give identical files.
  io::save_npz(dir + "/s2.npz", w);
  EXPECT_EQ(io::read_file(dir + "/s.npz"), io::read_file(dir + "/s2.npz"));
  EXPECT_EQ(listing(dir), (std::vector<std::string>{"c.npz", "d.npz", "s.npz", "s2.npz"}));
  fs::remove_all(dir);
}

TEST(Npz, NumpyReadsLoomFiles) {
  if (!python_has_numpy()) GTEST_SKIP() << "/usr/bin/python3 has no numpy (apt-get install python3-numpy)";
  const auto dir = temp_dir("np_read");
  io::save_npz(dir + "/w.npz", sample_weights());
  io::save_npz(dir + "/wc.npz", sample_weights(), {.compressed = true});
  // numpy recomputes the same values and checks names, dtypes, shapes and values exactly.
  const std::string code = R"(
import sys, numpy as np
def ramp(shape, scale, offset=0.0):
    n = int(np.prod(shape))
    return (offset + scale * np.arange(n, dtype=np.float64)).astype(np.float32).reshape(shape)
want = {'gru_cell/kernel': ramp((5, 12), 0.25, -3.0),
        'gru_cell/recurrent_kernel': ramp((4, 12), -0.125, 1.0),
        'gru_cell/bias': ramp((2, 12), 1e-3),
        'scalar': np.float32(3.5).reshape(()),
        'empty': np.zeros((0, 3), np.float32),
        'cube': ramp((2, 3, 4), 1.5)}
for path in sys.argv[1:] or [')" + dir + "/w.npz', '" + dir + R"(/wc.npz']:
    with np.load(path) as f:
        assert sorted(f.files) == sorted(want), (path, f.files)
        for k, v in want.items():
            a = f[k]
            assert a.dtype == np.float32, (k, a.dtype)
            assert a.shape == v.shape, (k, a.shape, v.shape)
            assert np.array_equal(a, v), k
print('numpy read', len(want), 'arrays from each loom file')
)";
  EXPECT_EQ(run_python(dir + "/read.py", code), 0);
  fs::remove_all(dir);
}

TEST(Npz, LoomReadsNumpyFiles) {
  if (!python_has_numpy()) GTEST_SKIP() << "/usr/bin/python3 has no numpy (apt-get install python3-numpy)";
  const auto dir = temp_dir("np_write");
  const std::string code = R"(
import numpy as np
a = np.arange(12, dtype=np.float64).reshape(3, 4) / 8.0
b = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
c = np.asfortranarray(np.arange(24, dtype=np.float64).reshape(2, 3, 4))
d = np.array([[1, -2], [3, 40000]], dtype=np.int64)
e = np.array([True, False, True])
f = np.arange(4, dtype='>f8')
np.savez(')" + dir + R"(/n.npz', a=a, b=b, c=c, d=d, e=e, f=f, **{'layer/kernel': b})
np.savez_compressed(')" + dir + R"(/nc.npz', a=a, b=b, c=c, d=d, e=e, f=f, **{'layer/kernel': b})
)";
  ASSERT_EQ(run_python(dir + "/write.py", code), 0);
  for (const char* name : {"/n.npz", "/nc.npz"}) {
    auto m = io::load_npz<double>(dir + name);
    ASSERT_EQ(m.size(), 7u) << name;
    EXPECT_TRUE(loom::testing::all_close(m.at("a"), ramp<double>({3, 4}, 1.0 / 8.0), 0.0));
    EXPECT_TRUE(loom::testing::all_close(m.at("b"), ramp<double>({2, 3}, 1.0, -2.5), 0.0));
    // Fortran order is laid out back into row-major.
    EXPECT_TRUE(loom::testing::all_close(m.at("c"), ramp<double>({2, 3, 4}, 1.0), 0.0));
    EXPECT_TRUE(loom::testing::all_close(m.at("d"), Tensor<double>{{1, -2}, {3, 40000}}, 0.0));
    EXPECT_TRUE(loom::testing::all_close(m.at("e"), Tensor<double>{1, 0, 1}, 0.0));
    EXPECT_TRUE(loom::testing::all_close(m.at("f"), Tensor<double>{0, 1, 2, 3}, 0.0));
    EXPECT_TRUE(loom::testing::all_close(m.at("layer/kernel"), ramp<double>({2, 3}, 1.0, -2.5), 0.0));
    auto f = io::load_npz<float>(dir + name);
    EXPECT_EQ(f.at("a").at({2, 3}), 11.0f / 8.0f);
  }
  fs::remove_all(dir);
}

TEST(Npz, MissingEmptyAndForeignFiles) {
  const auto dir = temp_dir("bad");
  EXPECT_TRUE(throws_with<IOError>([&] { io::load_npz<float>(dir + "/nope.npz"); }, {"nope.npz", "cannot open"}));
  std::ofstream(dir + "/empty.npz").close();
  EXPECT_TRUE(throws_with<IOError>([&] { io::load_npz<float>(dir + "/empty.npz"); }, {"empty.npz", "empty"}));
  std::ofstream(dir + "/text.npz") << "time,value\n1,2.5\n2,3.5\n3,4.5\n4,5.5\n";
  EXPECT_TRUE(throws_with<IOError>([&] { io::load_npz<float>(dir + "/text.npz"); }, {"text.npz", "not a zip"}));
  EXPECT_TRUE(throws_with<IOError>([&] { io::load_npz<float>(dir); }, {"folder"}));
  // A valid zip holding something other than npy arrays.
  io::write_file_atomic(dir + "/other.zip", io::zip::write({{"readme.txt", "hello"}}));
  EXPECT_TRUE(throws_with<IOError>([&] { io::load_npz<float>(dir + "/other.zip"); }, {"readme.txt", "not a .npy"}));
  // A .npy entry that is not npy data, and one whose header lies about the shape.
  io::write_file_atomic(dir + "/fake.npz", io::zip::write({{"w.npy", "not numpy at all"}}));
  EXPECT_TRUE(throws_with<IOError>([&] { io::load_npz<float>(dir + "/fake.npz"); }, {"w.npy", "magic"}));
  std::string npy = io::npy_encode(ramp<float>({2, 3}, 1.0));
  npy.replace(npy.find("(2, 3)"), 6, "(2, 4)");
  io::write_file_atomic(dir + "/shape.npz", io::zip::write({{"w.npy", npy}}));
  EXPECT_TRUE(throws_with<IOError>([&] { io::load_npz<float>(dir + "/shape.npz"); },
                                   {"w.npy", "(2, 4)", "32", "24"}));
  std::string npy2 = io::npy_encode(ramp<float>({2}, 1.0));
  npy2.replace(npy2.find("<f4"), 3, "<c8");
  io::write_file_atomic(dir + "/dtype.npz", io::zip::write({{"w.npy", npy2}}));
  EXPECT_TRUE(throws_with<IOError>([&] { io::load_npz<float>(dir + "/dtype.npz"); }, {"dtype", "<c8"}));
  fs::remove_all(dir);
}

TEST(Npz, TruncatedRandomAndBitFlippedFilesNeverCrash) {
  const auto w = sample_weights();
  for (bool compressed : {false, true}) {
    const auto dir = temp_dir("flip");
    io::save_npz(dir + "/w.npz", w, {.compressed = compressed});
    const std::string good = io::read_file(dir + "/w.npz");
    fs::remove_all(dir);
    // Truncated at 10 points spread over the file, including inside the end record.
    int truncated = 0;
    for (int k = 0; k < 10; ++k) {
      const std::size_t cut = k == 9 ? good.size() - 1 : good.size() * k / 9;
      EXPECT_TRUE(throws_with<IOError>([&] { io::load_npz_bytes<float>(good.substr(0, cut), "t"); }, {"'t'"}))
          << "cut at " << cut;
      ++truncated;
    }
    EXPECT_EQ(truncated, 10);
    // Random bytes, of several lengths; one with a zip signature in front.
    Generator g(99);
    for (std::size_t len : {1u, 21u, 22u, 100u, 4096u}) {
      std::string junk(len, '\0');
      for (auto& c : junk) c = static_cast<char>(g.randint(256));
      EXPECT_TRUE(throws_with<IOError>([&] { io::load_npz_bytes<float>(junk, "r"); }, {"'r'"})) << len;
      junk.replace(0, std::min<std::size_t>(4, len), std::string("PK\3\4").substr(0, std::min<std::size_t>(4, len)));
      EXPECT_TRUE(throws_with<IOError>([&] { io::load_npz_bytes<float>(junk, "r"); }, {"'r'"})) << len;
    }
    // A single-bit flip in every byte of the file (the bit varies with the byte, so all eight
    // positions occur): an IOError, or (for fields nothing depends on, such as timestamps and
    // attributes) exactly the original arrays. Never a crash or wrong data.
    std::size_t rejected = 0, harmless = 0;
    for (std::size_t byte = 0; byte < good.size(); ++byte) {
      for (int bit : {static_cast<int>((byte * 3) % 8)}) {
        std::string bad = good;
        bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
        try {
          auto m = io::load_npz_bytes<float>(bad, "f");
          EXPECT_TRUE(same_arrays(m, w)) << "flip of byte " << byte << " bit " << bit << " loaded different data";
          ++harmless;
        } catch (const IOError&) {
          ++rejected;
        } catch (const std::exception& e) {
          ADD_FAILURE() << "flip of byte " << byte << " bit " << bit << " threw " << e.what();
        }
      }
    }
    std::cout << (compressed ? "compressed" : "stored") << " npz of " << good.size() << " bytes: "
              << rejected << " bit flips rejected, " << harmless << " harmless (same arrays)\n";
    EXPECT_GT(rejected, 7 * harmless);
  }
}

TEST(Npz, RefusesZip64SizedEntriesClearly) {
  // A central directory claiming ZIP64 sizes: patch a real archive's compressed size to 0xFFFFFFFF.
  std::string z = io::zip::write({{"a.npy", io::npy_encode(ramp<float>({2}, 1.0))}});
  const std::size_t cd = z.find("PK\1\2");
  ASSERT_NE(cd, std::string::npos);
  for (int k = 0; k < 4; ++k) z[cd + 20 + k] = '\xff';
  EXPECT_TRUE(throws_with<IOError>([&] { io::load_npz_bytes<float>(z, "big"); }, {"ZIP64", "not supported"}));
}

TEST(AtomicFile, ReplacesContentAndLeavesNoTemporaryFiles) {
  const auto dir = temp_dir("atomic");
  io::write_file_atomic(dir + "/f.bin", "first");
  io::write_file_atomic(dir + "/f.bin", "second");
  EXPECT_EQ(io::read_file(dir + "/f.bin"), "second");
  EXPECT_EQ(listing(dir), (std::vector<std::string>{"f.bin"}));
  EXPECT_EQ(fs::status(dir + "/f.bin").permissions() & fs::perms::owner_read, fs::perms::owner_read);
  fs::remove_all(dir);
}

TEST(AtomicFile, FailureLeavesOldFileAndNoTemporary) {
  const auto dir = temp_dir("atomic_fail");
  io::write_file_atomic(dir + "/keep.bin", "old content");
  // A writer abandoned half-way (an exception while serialising) removes its temporary file.
  try {
    io::AtomicFileWriter w(dir + "/keep.bin");
    w.write("new, but only half");
    EXPECT_TRUE(fs::exists(w.temp_path()));
    EXPECT_EQ(fs::path(w.temp_path()).parent_path(), fs::path(dir));
    throw std::runtime_error("serialiser failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(io::read_file(dir + "/keep.bin"), "old content");
  EXPECT_EQ(listing(dir), (std::vector<std::string>{"keep.bin"}));
  // A folder cannot be replaced: refused before any temporary is made (the rename would fail on a
  // non-empty one), IOError, and nothing left.
  fs::create_directories(dir + "/target/inner");
  EXPECT_TRUE(throws_with<IOError>([&] { io::write_file_atomic(dir + "/target", "x"); }, {"target", "a folder"}));
  EXPECT_EQ(listing(dir), (std::vector<std::string>{"keep.bin", "target"}));
  // save_npz fails the same way and leaves nothing behind.
  EXPECT_THROW(io::save_npz(dir + "/target", sample_weights()), IOError);
  EXPECT_EQ(listing(dir), (std::vector<std::string>{"keep.bin", "target"}));
  // A missing folder is reported with the path.
  EXPECT_TRUE(throws_with<IOError>([&] { io::write_file_atomic(dir + "/no/such/f.bin", "x"); }, {"no/such"}));
  fs::remove_all(dir);
}
