// CSV edge cases (issue 25, item 10): a numeric first row was taken as a header when one cell was
// out of double range or hexadecimal; 3.5e38 became inf in a float table without a word; an error
// quoted the whole bad cell (8 MB once) and a NUL byte cut the message short; CR-only line endings
// read as "a header but no data rows".
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_util.hpp"

using namespace loom;
using loom::testing::throws_with;

namespace {
std::string write(const std::string& name, const std::string& bytes) {
  const auto p = std::filesystem::temp_directory_path() / ("loom_csv_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p, std::ios::binary) << bytes;
  return p.string();
}
}  // namespace

TEST(CsvEdges, ANumericFirstRowWithHexOrHugeCellsIsData) {
  // Hexadecimal floats are numbers: no header, and they read as their values.
  const auto t = read_csv<double>(write("hex.csv", "0x1p3,2\n-0x1.8p1,4\n"));
  EXPECT_TRUE(t.names == (std::vector<std::string>{"", ""}));
  ASSERT_EQ(t.data.shape(), (Shape{2, 2}));
  EXPECT_EQ(t.data.data()[0], 8.0);
  EXPECT_EQ(t.data.data()[2], -3.0);
  // 1e999 is written as a number: the row is data, and the cell is refused for its range.
  EXPECT_TRUE(throws_with<IOError>([] { read_csv<double>(write("huge.csv", "1e999,2\n3,4\n")); },
                                   {"line 1", "column 1", "within the range of float64", "'1e999'"}));
}

TEST(CsvEdges, AFloatTableRefusesValuesBeyondFloat) {
  const std::string p = write("f32.csv", "a,b\n1,3.5e38\n");
  EXPECT_TRUE(throws_with<IOError>([&] { read_csv<float>(p); }, {"line 2", "('b')", "float32", "'3.5e38'"}));
  EXPECT_EQ(read_csv<double>(p).data.data()[1], 3.5e38);  // float64 holds it
}

TEST(CsvEdges, MessagesQuoteAtMost80BytesAndEscapeControlBytes) {
  const std::string big(1 << 20, 'z');
  try {
    read_csv<float>(write("big.csv", "1,2\n3," + big + "\n"));
    FAIL() << "no error";
  } catch (const IOError& e) {
    const std::string m = e.what();
    EXPECT_LT(m.size(), 400u) << m.substr(0, 400);
    EXPECT_NE(m.find("the first 80 of 1048576 bytes"), std::string::npos) << m;
  }
  std::string nul = "1,2\n3,x";
  nul += '\0';
  nul += "tail\n";
  EXPECT_TRUE(throws_with<IOError>([&] { read_csv<float>(write("nul.csv", nul)); }, {"'x\\x00tail'"}));
}

TEST(CsvEdges, CarriageReturnOnlyLineEndingsSplitLines) {
  const auto t = read_csv<float>(write("cr.csv", "a,b\r1,2\r3,4\r"));
  EXPECT_TRUE(t.names == (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(t.data.shape(), (Shape{2, 2}));
  EXPECT_EQ(t.data.data()[3], 4.0f);
  // Mixed endings too.
  EXPECT_EQ(read_csv<float>(write("mixed.csv", "a,b\r\n1,2\n3,4\r5,6")).data.shape(), (Shape{3, 2}));
}
