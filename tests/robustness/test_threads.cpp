// The thread-safety contract of docs/threads.md (issue 25, item 6): a built model may be called by
// predict from several threads at once, and independent models may train in separate threads, each
// giving what it gives alone. .ci/test also runs these under ThreadSanitizer, which is what finds
// a race that happens to give the right numbers here.
#include <gtest/gtest.h>

#include <latch>
#include <thread>

#include "test_util.hpp"

using namespace loom;
using loom::testing::bit_same;

namespace {

// Masking into a nested Sequential (so the masks travel through Model::call), a Bidirectional
// LSTM, an unseeded Dropout and a GRU with cell dropout: every piece with per-call state.
std::shared_ptr<Sequential<float>> make_model() {
  auto inner = std::make_shared<Sequential<float>>("inner");
  inner->add(GRU(6, {.dropout = 0.2, .recurrent_dropout = 0.1}, {.return_sequences = true}));
  inner->add(Bidirectional(LSTM(5)));
  auto m = std::make_shared<Sequential<float>>();
  m->add(Masking(0.0));
  m->add(inner);
  m->add(Dropout(0.3));
  m->add(Dense(2));
  m->compile(std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = 0.01}), "mse");
  return m;
}

struct Data {
  Tensor<float> x, y;
};

// Sequences with masked (all-zero) trailing steps of varying length.
Data make_data(std::uint64_t seed, std::size_t n) {
  Generator g(seed);
  Data d{random::uniform<float>(Shape{n, 7, 3}, -1.0, 1.0, g), random::uniform<float>(Shape{n, 2}, -1.0, 1.0, g)};
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t t = 7 - i % 3; t < 7; ++t)
      for (std::size_t f = 0; f < 3; ++f) d.x.data()[(i * 7 + t) * 3 + f] = 0.0f;
  return d;
}

// `start`, when given, holds the threads back until all have built their models, so that their
// training steps (and draws) overlap.
std::vector<xt::xarray<float>> train_alone(std::uint64_t seed, std::latch* start = nullptr) {
  set_seed(seed);
  auto m = make_model();
  const Data d = make_data(seed, 48);
  if (start) start->arrive_and_wait();
  m->fit(d.x, d.y, {.epochs = 4, .batch_size = 8, .verbose = 0});
  return m->get_weights();
}

}  // namespace

TEST(Threads, ConcurrentPredictOnOneBuiltModelGivesTheSequentialResults) {
  set_seed(3);
  auto m = make_model();
  const Data train = make_data(1, 16);
  m->fit(train.x, train.y, {.epochs = 1, .batch_size = 8, .verbose = 0});

  constexpr int kThreads = 4, kRounds = 6;
  std::vector<Data> inputs;
  std::vector<Tensor<float>> expected;
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(make_data(100 + t, 5 + t));
    expected.push_back(m->predict(inputs.back().x, {.batch_size = 4, .verbose = 0}));
  }
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  std::latch start(kThreads);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int r = 0; r < kRounds; ++r) {
        const Tensor<float> y = m->predict(inputs[t].x, {.batch_size = 4, .verbose = 0});
        if (!bit_same(y, expected[t])) ++mismatches[t];
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST(Threads, IndependentModelsTrainInThreadsAsTheyDoAlone) {
  const auto alone_1 = train_alone(1), alone_2 = train_alone(2);
  std::vector<xt::xarray<float>> threaded_1, threaded_2;
  std::latch start(2);
  std::thread a([&] { threaded_1 = train_alone(1, &start); });
  std::thread b([&] { threaded_2 = train_alone(2, &start); });
  a.join();
  b.join();
  EXPECT_TRUE(bit_same(threaded_1, alone_1));
  EXPECT_TRUE(bit_same(threaded_2, alone_2));
}

TEST(Threads, EachThreadHasItsOwnDefaultGeneratorStartingFromTheLastSeed) {
  set_seed(41);
  Generator ref(41);
  const std::uint64_t first = ref.next_u64();
  std::uint64_t in_thread = 0, in_thread_after = 0;
  std::thread([&] { in_thread = default_generator().next_u64(); }).join();
  // The main thread's stream is untouched by the other thread's draw.
  EXPECT_EQ(default_generator().next_u64(), first);
  EXPECT_EQ(in_thread, first);
  // A seed set in one thread is the start of threads that draw later, not of running ones.
  std::thread([&] {
    set_seed(42);
    in_thread_after = default_generator().next_u64();
  }).join();
  EXPECT_EQ(in_thread_after, Generator(42).next_u64());
  EXPECT_EQ(default_generator().next_u64(), ref.next_u64());
}
