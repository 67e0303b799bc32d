// Dataset pipelines, CSV reading and its errors, windows + normalizer, pad_sequences, Vocabulary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

#include "test_util.hpp"

using namespace loom;
using loom::testing::throws_with;
using F = Tensor<float>;

namespace {
F iota(const Shape& s) {
  auto t = F::empty(s);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<float>(i);
  return t;
}
// The first feature of each sample of every batch of a pass, i.e. the sample ids (x = iota).
std::vector<std::vector<int>> ids(const Dataset<float>::Pass& pass, std::size_t row) {
  std::vector<std::vector<int>> out;
  for (const auto& b : pass) {
    std::vector<int> v;
    for (std::size_t i = 0; i < b.x.dim(0); ++i) v.push_back(static_cast<int>(b.x.data()[i * row]) / static_cast<int>(row));
    out.push_back(v);
  }
  return out;
}
std::string temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("loom_test_data_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}
std::string write(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string p = dir + "/" + name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}
}  // namespace

TEST(Dataset, BatchingKeepsLastPartialBatch) {
  const F x = iota({10, 2});
  const F y = iota({10});
  auto ds = Dataset<float>(x, y).batch(4);
  EXPECT_EQ(ds.size(), 3u);
  EXPECT_EQ(ids(ds.epoch(0), 2), (std::vector<std::vector<int>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}}));
  std::size_t n = 0;
  for (const auto& b : ds) {
    EXPECT_EQ(b.x.dim(1), 2u);
    EXPECT_EQ(b.y.dim(0), b.x.dim(0));
    for (std::size_t i = 0; i < b.y.size(); ++i) EXPECT_EQ(b.y.data()[i] * 2, b.x.data()[i * 2]);
    ++n;
  }
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(Dataset<float>(x, y).batch(4, true).size(), 2u);
  // Unbatched elements are single samples without the batch axis.
  auto first = *Dataset<float>(x, y).epoch(0).begin();
  EXPECT_EQ(first.x.shape(), (Shape{2}));
  EXPECT_EQ(first.y.shape(), (Shape{}));
}

TEST(Dataset, ShuffleIsDeterministicPerSeedAndPass) {
  const F x = iota({20, 1});
  auto a = Dataset<float>(x).shuffle(7).batch(5);
  auto b = Dataset<float>(x).shuffle(7).batch(5);
  EXPECT_EQ(ids(a.epoch(0), 1), ids(b.epoch(0), 1));
  EXPECT_EQ(ids(a.epoch(3), 1), ids(b.epoch(3), 1));
  EXPECT_NE(ids(a.epoch(0), 1), ids(a.epoch(1), 1));
  EXPECT_NE(ids(a.epoch(0), 1), ids(Dataset<float>(x).shuffle(8).batch(5).epoch(0), 1));
  // Every sample exactly once per pass.
  std::multiset<int> seen;
  for (const auto& v : ids(a.epoch(2), 1)) seen.insert(v.begin(), v.end());
  EXPECT_EQ(seen.size(), 20u);
  EXPECT_EQ(std::set<int>(seen.begin(), seen.end()).size(), 20u);
  // Range-for passes advance: the second loop sees pass 1's order.
  std::vector<int> first, second;
  for (const auto& e : b) first.push_back(static_cast<int>(e.x.data()[0]));
  for (const auto& e : b) second.push_back(static_cast<int>(e.x.data()[0]));
  std::vector<int> p0, p1;
  for (const auto& v : ids(a.epoch(0), 1)) p0.push_back(v[0]);
  for (const auto& v : ids(a.epoch(1), 1)) p1.push_back(v[0]);
  EXPECT_EQ(first, p0);
  EXPECT_EQ(second, p1);
  // Without reshuffling every pass has the same order.
  auto fixed = Dataset<float>(x).shuffle(7, false).batch(5);
  EXPECT_EQ(ids(fixed.epoch(0), 1), ids(fixed.epoch(5), 1));
}

TEST(Dataset, TakeSkipSplits) {
  const F x = iota({10, 1});
  auto shuffled = Dataset<float>(x).shuffle(3, false);
  auto train = shuffled.take(7).batch(3);
  auto val = shuffled.skip(7).batch(3);
  EXPECT_EQ(train.size(), 3u);
  EXPECT_EQ(val.size(), 1u);
  EXPECT_EQ(train.num_samples(), 7u);
  EXPECT_EQ(val.num_samples(), 3u);
  std::set<int> all;
  for (const auto& v : ids(train.epoch(4), 1)) all.insert(v.begin(), v.end());
  for (const auto& v : ids(val.epoch(4), 1)) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 10u);  // disjoint and complete
  // After batch, take/skip count batches.
  auto b = Dataset<float>(x).batch(3);
  EXPECT_EQ(ids(b.skip(1).take(2).epoch(0), 1), (std::vector<std::vector<int>>{{3, 4, 5}, {6, 7, 8}}));
  EXPECT_EQ(Dataset<float>(x).skip(20).size(), 0u);
  EXPECT_EQ(Dataset<float>(x).take(0).batch(2).size(), 0u);
}

TEST(Dataset, Errors) {
  EXPECT_TRUE(throws_with<ShapeError>([] { Dataset<float>(iota({3, 2}), iota({4})); }, {"Dataset", "3", "(4,)"}));
  EXPECT_TRUE(throws_with<ShapeError>([] { Dataset<float>(F::scalar(1)); }, {"Dataset", "rank"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Dataset<float>(iota({3, 2})).batch(0); }, {"batch_size", "0"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Dataset<float>(iota({3, 2})).batch(2).batch(2); }, {"already batched"}));
}

TEST(Csv, ReadsHeaderAndSelectedColumns) {
  const auto dir = temp_dir("csv");
  const auto p = write(dir, "a.csv", "date,temp,\"hum, %\",wind\r\n2020-01-01,1.5,30,+2\n\n2020-01-02,-2,1e1,3\n");
  auto all = read_csv<float>(p, {.columns = {std::string("temp"), std::size_t{3}, std::string("hum, %")}});
  EXPECT_EQ(all.names, (std::vector<std::string>{"temp", "wind", "hum, %"}));
  EXPECT_TRUE(loom::testing::all_close(all.data, F{{1.5f, 2.0f, 30.0f}, {-2.0f, 3.0f, 10.0f}}, 0.0));
  EXPECT_EQ(all.column("wind"), 1u);
  // No header: every column numeric.
  const auto q = write(dir, "b.csv", "1,2\n3,4\n");
  auto t = read_csv<double>(q);
  EXPECT_EQ(t.data.shape(), (Shape{2, 2}));
  EXPECT_EQ(t.data.at({1, 0}), 3.0);
  EXPECT_EQ(t.names, (std::vector<std::string>{"", ""}));
  // Forcing a header on numeric names.
  auto h = read_csv<float>(q, {.header = CsvHeader::present});
  EXPECT_EQ(h.names, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(h.data.shape(), (Shape{1, 2}));
  std::filesystem::remove_all(dir);
}

TEST(Csv, ErrorsNameFileLineAndColumn) {
  const auto dir = temp_dir("csv_err");
  const auto bad = write(dir, "bad.csv", "a,b,c\n1,2,3\n4,x5,6\n");
  EXPECT_TRUE(throws_with<IOError>([&] { read_csv<float>(bad); },
                                   {"bad.csv", "line 3", "column 2", "'b'", "'x5'"}));
  const auto empty_cell = write(dir, "gap.csv", "1,2\n3,\n");
  EXPECT_TRUE(throws_with<IOError>([&] { read_csv<float>(empty_cell); }, {"gap.csv", "line 2", "column 2", "empty"}));
  const auto ragged = write(dir, "ragged.csv", "a,b\n1,2\n3,4,5\n");
  EXPECT_TRUE(throws_with<IOError>([&] { read_csv<float>(ragged); }, {"ragged.csv", "line 3", "expected 2 fields", "3"}));
  const auto header_only = write(dir, "h.csv", "a,b\n");
  EXPECT_TRUE(throws_with<IOError>([&] { read_csv<float>(header_only); }, {"h.csv", "header", "no data"}));
  const auto empty = write(dir, "e.csv", "");
  EXPECT_TRUE(throws_with<IOError>([&] { read_csv<float>(empty); }, {"e.csv", "empty"}));
  EXPECT_TRUE(throws_with<IOError>([&] { read_csv<float>(dir + "/missing.csv"); }, {"missing.csv", "cannot open"}));
  EXPECT_TRUE(throws_with<IOError>([&] { read_csv<float>(bad, {.columns = {std::string("zz")}}); }, {"bad.csv", "'zz'"}));
  EXPECT_TRUE(throws_with<IOError>([&] { read_csv<float>(bad, {.columns = {std::size_t{9}}}); }, {"bad.csv", "3 columns", "9"}));
  // Only selected columns must be numeric.
  auto ok = read_csv<float>(bad, {.columns = {std::size_t{0}, std::size_t{2}}});
  EXPECT_TRUE(loom::testing::all_close(ok.data, F{{1, 3}, {4, 6}}, 0.0));
  const auto quote = write(dir, "q.csv", "1,\"2\n");
  EXPECT_TRUE(throws_with<IOError>([&] { read_csv<float>(quote); }, {"q.csv", "line 1", "quote"}));
  std::filesystem::remove_all(dir);
}

TEST(Windows, SlidingWindowsAndTargets) {
  // Series (6, 2): value = 10 * t + f.
  auto s = F::empty(Shape{6, 2});
  for (std::size_t t = 0; t < 6; ++t)
    for (std::size_t f = 0; f < 2; ++f) s.data()[t * 2 + f] = static_cast<float>(10 * t + f);
  auto w = make_windows(s, {.window = 3, .horizon = 2, .target_columns = {1}});
  EXPECT_EQ(w.x.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(w.y.shape(), (Shape{2, 2}));
  EXPECT_EQ(w.x.at({1, 0, 0}), 10.0f);
  EXPECT_EQ(w.x.at({1, 2, 1}), 31.0f);
  EXPECT_TRUE(loom::testing::all_close(w.y, F{{31, 41}, {41, 51}}, 0.0));
  auto w2 = make_windows(F{0, 1, 2, 3, 4, 5, 6}, {.window = 2, .horizon = 1, .stride = 2});
  EXPECT_EQ(w2.x.shape(), (Shape{3, 2, 1}));
  EXPECT_TRUE(loom::testing::all_close(w2.y, F(Shape{3, 1}, std::vector<float>{2, 4, 6}), 0.0));
  EXPECT_TRUE(throws_with<ValueError>([] { make_windows(F{1, 2, 3}, {.window = 3}); }, {"make_windows", "4", "3"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { make_windows(s, {.window = 2, .target_columns = {2}}); }, {"target column", "2"}));
}

TEST(Windows, NormalizerFittedOnTrainOnly) {
  // The test part has a very different level; its statistics must not leak into the fit.
  std::vector<float> v;
  for (int t = 0; t < 8; ++t) v.push_back(static_cast<float>(t % 2 == 0 ? 1 : 3));  // mean 2, std 1
  for (int t = 0; t < 4; ++t) v.push_back(100.0f);
  const F series(Shape{12}, v);
  auto split = split_series(series, {.window = 2, .horizon = 1}, 8.0 / 12.0);
  EXPECT_NEAR(split.normalizer.mean()[0], 2.0, 1e-12);
  EXPECT_NEAR(split.normalizer.std()[0], 1.0, 1e-12);
  EXPECT_EQ(split.train.x.shape(), (Shape{6, 2, 1}));
  EXPECT_EQ(split.test.x.shape(), (Shape{2, 2, 1}));
  EXPECT_NEAR(split.train.x.data()[0], -1.0, 1e-6);
  EXPECT_NEAR(split.test.y.data()[0], 98.0, 1e-4);
  auto back = split.normalizer.inverse_transform(split.test.y);
  EXPECT_NEAR(back.data()[0], 100.0, 1e-4);
  // A constant feature maps to 0 rather than dividing by zero.
  Normalizer<float> n;
  n.fit(F{{1, 5}, {1, 7}});
  EXPECT_TRUE(loom::testing::all_close(n.transform(F{{1, 6}}), F{{0, 0}}, 1e-7));
  EXPECT_TRUE(throws_with<ShapeError>([&] { n.transform(F{1, 2, 3}); }, {"Normalizer", "2 features", "(3,)"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Normalizer<float>().transform(F{1}); }, {"fit"}));
}

TEST(PadSequences, PrePostPaddingAndTruncating) {
  std::vector<std::vector<int>> seqs = {{1, 2, 3}, {4}, {}, {5, 6, 0, 7, 8}};
  auto pre = pad_sequences(seqs, {.maxlen = 4});
  EXPECT_TRUE(loom::testing::all_close(pre.values, F{{0, 1, 2, 3}, {0, 0, 0, 4}, {0, 0, 0, 0}, {6, 0, 7, 8}}, 0.0));
  EXPECT_TRUE(loom::testing::all_close(pre.mask, F{{0, 1, 1, 1}, {0, 0, 0, 1}, {0, 0, 0, 0}, {1, 1, 1, 1}}, 0.0));
  auto post = pad_sequences(seqs, {.maxlen = 4, .padding = PadSide::post, .truncating = PadSide::post, .value = -1});
  EXPECT_TRUE(loom::testing::all_close(post.values, F{{1, 2, 3, -1}, {4, -1, -1, -1}, {-1, -1, -1, -1}, {5, 6, 0, 7}}, 0.0));
  EXPECT_TRUE(loom::testing::all_close(post.mask, F{{1, 1, 1, 0}, {1, 0, 0, 0}, {0, 0, 0, 0}, {1, 1, 1, 1}}, 0.0));
  // maxlen 0: the longest sequence.
  auto longest = pad_sequences<double>(seqs);
  EXPECT_EQ(longest.values.shape(), (Shape{4, 5}));
  // A real 0 inside a sequence stays unmasked even though it equals the padding value.
  EXPECT_EQ(longest.mask.at({3, 2}), 1.0);
  EXPECT_EQ(longest.mask.at({1, 3}), 0.0);
}

TEST(Vocabulary, CharactersAndTokens) {
  Vocabulary chars({.split = TokenSplit::characters});
  chars.fit(std::vector<std::string>{"abba", "cab"});
  // counts: a 3, b 3, c 1 (a before b on the tie: first appearance).
  EXPECT_EQ(chars.tokens(), (std::vector<std::string>{"", "[UNK]", "a", "b", "c"}));
  EXPECT_EQ(chars.encode("cabz"), (std::vector<std::int64_t>{4, 2, 3, 1}));
  EXPECT_EQ(chars.decode({0, 0, 4, 2, 3}), "cab");
  EXPECT_EQ(chars.decode({2, 1}), "a[UNK]");
  EXPECT_TRUE(throws_with<IndexError>([&] { chars.decode({9}); }, {"Vocabulary", "9"}));
  // UTF-8 characters stay whole.
  Vocabulary u({.split = TokenSplit::characters});
  u.fit("héé");
  EXPECT_EQ(u.size(), 4u);
  EXPECT_EQ(u.decode(u.encode("éh")), "éh");

  Vocabulary words({.lower = true, .strip_punctuation = true, .max_tokens = 4});
  words.fit(std::vector<std::string>{"The cat, the hat.", "THE CAT!"});
  EXPECT_EQ(words.tokens(), (std::vector<std::string>{"", "[UNK]", "the", "cat"}));
  EXPECT_EQ(words.encode("the hat"), (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(words.decode({2, 3}), "the cat");
  Vocabulary strict({.allow_unknown = false});
  strict.fit("a b");
  EXPECT_TRUE(throws_with<ValueError>([&] { strict.encode("a z"); }, {"unknown token", "'z'"}));
  // Encoded text pads straight into a batch.
  auto padded = pad_sequences(words.encode(std::vector<std::string>{"the cat", "cat"}), {.maxlen = 3});
  EXPECT_TRUE(loom::testing::all_close(padded.values, F{{0, 2, 3}, {0, 0, 3}}, 0.0));
}
