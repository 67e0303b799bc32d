// The bad-input matrix: one row per misuse of the public API. Each row names the exact exception
// type (typeid, so a ShapeError does not pass for a ValueError) and the words its message must
// hold, and may check afterwards that nothing changed: weights keep their bits, and a folder
// lists the same files as before (no partial or temporary file left behind). Every row is its own
// ctest test (BadInput/Matrix.Case/<row name>).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <typeindex>

#include "robust_util.hpp"
#include "train/io/zip.hpp"

using namespace loom;
using namespace loom::testing;
using F = Tensor<float>;

namespace {

using Check = std::function<::testing::AssertionResult()>;
struct Prepared {
  std::function<void()> run;  // the call that must throw
  Check after;                // optional: what must hold after the throw
};
struct Case {
  std::string name;
  std::type_index type;
  std::string type_name;
  std::vector<std::string> words;
  std::function<Prepared()> prepare;  // setup that must not throw
};

std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}

template <class E>
const char* type_name();
template <> const char* type_name<ValueError>() { return "ValueError"; }
template <> const char* type_name<ShapeError>() { return "ShapeError"; }
template <> const char* type_name<IndexError>() { return "IndexError"; }
template <> const char* type_name<IOError>() { return "IOError"; }
template <> const char* type_name<RuntimeError>() { return "RuntimeError"; }
template <> const char* type_name<NotImplementedError>() { return "NotImplementedError"; }

template <class E>
void row(std::string name, std::vector<std::string> words, std::function<Prepared()> prepare) {
  registry().push_back({std::move(name), std::type_index(typeid(E)), type_name<E>(), std::move(words),
                        std::move(prepare)});
}
// A row whose call needs no setup and no after-check.
template <class E>
void simple(std::string name, std::vector<std::string> words, std::function<void()> run) {
  row<E>(std::move(name), std::move(words), [run] { return Prepared{run, nullptr}; });
}

::testing::AssertionResult unchanged_listing(const std::string& dir, const std::vector<std::string>& before) {
  const auto now = listing(dir);
  if (now == before) return ::testing::AssertionSuccess();
  auto r = ::testing::AssertionFailure() << "folder " << dir << " changed: now [";
  for (const auto& n : now) r << n << " ";
  return r << "]";
}

// Sequences (batch, time, features) filled with a ramp.
F seq(std::size_t b, std::size_t t, std::size_t f) {
  auto x = F::empty(Shape{b, t, f});
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = 0.01f * static_cast<float>(i % 17);
  return x;
}
F mat(std::size_t r, std::size_t c) {
  auto x = F::empty(Shape{r, c});
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = 0.1f * static_cast<float>(i % 7) - 0.3f;
  return x;
}

std::shared_ptr<Sequential<float>> compiled_mlp(const std::string& prefix) {
  auto m = small_mlp(prefix, 5);
  m->compile(std::make_shared<optimizers::Adam<float>>(), "mse");
  return m;
}

// small_mlp with a third Dense: another architecture for its files.
std::shared_ptr<Sequential<float>> three_dense_mlp(const std::string& prefix) {
  set_seed(3);
  auto m = std::make_shared<Sequential<float>>(prefix);
  m->add(std::make_shared<Dense<float>>(8, DenseOptions{.activation = "tanh", .name = prefix + "_hidden"}));
  m->add(std::make_shared<Dense<float>>(1, DenseOptions{.name = prefix + "_out"}));
  m->add(std::make_shared<Dense<float>>(1, DenseOptions{.name = prefix + "_extra"}));
  m->build(Shape{1, 4});
  return m;
}

// A saved weights file and a saved checkpoint of a compiled mlp, in a fresh folder.
struct SavedModel {
  std::string dir, weights, checkpoint;
  std::shared_ptr<Sequential<float>> model;
};
SavedModel saved_model(const std::string& tag) {
  SavedModel s;
  s.dir = fresh_dir(tag);
  s.model = compiled_mlp("sv_" + tag);
  auto [x, y] = linear_data(32, 1);
  s.model->fit(x, y, {.epochs = 1, .batch_size = 16, .verbose = 0});
  s.weights = s.dir + "/w.npz";
  s.checkpoint = s.dir + "/ckpt.npz";
  s.model->save_weights(s.weights);
  s.model->save_checkpoint(s.checkpoint, {1, 0});
  return s;
}

// Loading `path` into a fresh model of the same architecture must throw and change no weight.
Prepared load_into_same(const std::string& tag, std::function<void(SavedModel&)> damage, bool checkpoint) {
  auto s = std::make_shared<SavedModel>(saved_model(tag));
  damage(*s);
  auto target = compiled_mlp("sv_" + tag);
  const auto before = target->get_weights();
  const auto files = listing(s->dir);
  const std::string path = checkpoint ? s->checkpoint : s->weights;
  return {[target, path, checkpoint] {
            if (checkpoint)
              target->load_checkpoint(path);
            else
              target->load_weights(path);
          },
          [target, before, s, files]() -> ::testing::AssertionResult {
            if (!same_bits(target->get_weights(), before))
              return ::testing::AssertionFailure() << "the failed load changed the weights";
            return unchanged_listing(s->dir, files);
          }};
}

std::string csv_file(const std::string& tag, const std::string& text) {
  const std::string path = fresh_dir(tag) + "/data.csv";
  spit(path, text);
  return path;
}

// ---------------------------------------------------------------------------------------------
// The rows.

void layer_rows() {
  simple<ValueError>("Dense_units_zero", {"Dense", "units", "0"}, [] { Dense<float> d(0); });
  simple<ValueError>("Dense_units_negative", {"Dense", "units", "-3"}, [] { Dense<float> d(-3); });
  simple<ShapeError>("Dense_rank1_input", {"dense_r1", "rank >= 2", "(4,)"}, [] {
    Dense<float> d(2, {.name = "dense_r1"});
    d(F{1.0f, 2.0f, 3.0f, 4.0f});
  });
  row<ShapeError>("Dense_feature_mismatch_after_build", {"dense_fm", "4", "5"}, [] {
    auto d = std::make_shared<Dense<float>>(2, DenseOptions{.name = "dense_fm"});
    (*d)(mat(3, 4));
    return Prepared{[d] { (*d)(mat(3, 5)); }, nullptr};
  });
  simple<ValueError>("Embedding_input_dim_zero", {"Embedding", "input_dim", "0"},
                     [] { Embedding<float> e(0, 4); });
  simple<ValueError>("Embedding_output_dim_negative", {"Embedding", "output_dim", "-1"},
                     [] { Embedding<float> e(10, -1); });
  simple<IndexError>("Embedding_id_out_of_range", {"embedding_oor", "7", "[0, 5)"}, [] {
    Embedding<float> e(5, 3, {.name = "embedding_oor"});
    e(F{{1.0f, 7.0f}});
  });
  simple<IndexError>("Embedding_negative_id", {"embedding_neg", "-1"}, [] {
    Embedding<float> e(5, 3, {.name = "embedding_neg"});
    e(F{{1.0f, -1.0f}});
  });
  simple<ValueError>("Embedding_fractional_id", {"embedding_frac", "integer", "2.5"}, [] {
    Embedding<float> e(5, 3, {.name = "embedding_frac"});
    e(F{{1.0f, 2.5f}});
  });
  simple<IndexError>("Embedding_huge_id", {"embedding_huge", "1000000015047466219876688855040"}, [] {
    Embedding<float> e(5, 3, {.name = "embedding_huge"});
    e(F{{1.0f, 1e30f}});
  });
  simple<ValueError>("Embedding_nan_id", {"embedding_nan", "integer", "nan"}, [] {
    Embedding<float> e(5, 3, {.name = "embedding_nan"});
    e(F{{std::nanf(""), 1.0f}});
  });
  simple<ShapeError>("Masking_rank1_input", {"masking_r1", "rank"}, [] {
    Masking<float> m(0.0, {.name = "masking_r1"});
    m(F{1.0f, 0.0f});
  });
  simple<ValueError>("Dropout_rate_above_one", {"Dropout", "rate", "1.5"}, [] { Dropout<float> d(1.5); });
  simple<ValueError>("Dropout_rate_negative", {"Dropout", "rate", "-0.1"}, [] { Dropout<float> d(-0.1); });
  simple<ValueError>("GRUCell_units_zero", {"GRUCell", "units", "0"}, [] { GRUCell<float> c(0); });
  simple<ValueError>("GRU_units_negative", {"GRUCell", "units", "-4"}, [] { GRU<float> g(-4); });
  simple<ValueError>("LSTM_units_zero", {"LSTMCell", "units", "0"}, [] { LSTM<float> l(0); });
  simple<ValueError>("SimpleRNN_units_negative", {"SimpleRNNCell", "units", "-2"},
                     [] { SimpleRNN<float> s(-2); });
  simple<ValueError>("GRUCell_implementation_3", {"GRUCell", "implementation", "3"},
                     [] { GRUCell<float> c(4, {.implementation = 3}); });
  simple<ShapeError>("GRU_rank2_input", {"gru_r2", "rank", "3"}, [] {
    GRU<float> g(4, {}, {.name = "gru_r2"});
    g(mat(2, 3));
  });
  simple<ShapeError>("LSTM_rank4_input", {"lstm_r4", "rank", "3"}, [] {
    LSTM<float> l(4, {}, {.name = "lstm_r4"});
    l(F::zeros(Shape{2, 3, 4, 5}));
  });
  row<ShapeError>("GRU_feature_mismatch_after_build", {"gru_fm", "3", "5"}, [] {
    auto g = std::make_shared<GRU<float>>(4, GRUCellOptions{}, RNNOptions{.name = "gru_fm"});
    (*g)(seq(2, 3, 3));
    return Prepared{[g] { (*g)(seq(2, 3, 5)); }, nullptr};
  });
  simple<ShapeError>("GRU_zero_timesteps", {"gru_t0", "timestep", "(2, 0, 3)"}, [] {
    GRU<float> g(4, {}, {.name = "gru_t0"});
    g(seq(2, 0, 3));
  });
  simple<ShapeError>("SimpleRNN_zero_timesteps", {"srnn_t0", "timestep", "(2, 0, 3)"}, [] {
    SimpleRNN<float> s(4, {}, {.name = "srnn_t0"});
    s(seq(2, 0, 3));
  });
  simple<ShapeError>("GRU_initial_state_wrong_batch", {"gru_is", "initial_state", "(3, 4)"}, [] {
    GRU<float> g(4, {}, {.name = "gru_is"});
    g.call_full(seq(2, 3, 3), {F::zeros(Shape{3, 4})});
  });
  simple<ValueError>("LSTM_initial_state_wrong_count", {"lstm_is", "initial_state", "2", "1"}, [] {
    LSTM<float> l(4, {}, {.name = "lstm_is"});
    l.call_full(seq(2, 3, 3), {F::zeros(Shape{2, 4})});
  });
  simple<ShapeError>("GRU_mask_wrong_shape", {"gru_mask", "mask", "(2, 4)"}, [] {
    GRU<float> g(4, {}, {.name = "gru_mask"});
    g.call_full(seq(2, 3, 3), {}, F::ones(Shape{2, 4}));
  });
  simple<ValueError>("Bidirectional_unknown_merge_mode", {"merge_mode", "'cat'", "concat"}, [] {
    Bidirectional<float> b(std::make_shared<GRU<float>>(3), {.merge_mode = "cat"});
  });
}

void identifier_rows() {
  simple<ValueError>("unknown_activation", {"activation", "'tanhh'", "tanh"},
                     [] { Dense<float> d(2, {.activation = "tanhh"}); });
  simple<ValueError>("unknown_initializer", {"initializer", "'glorot'", "glorot_uniform"},
                     [] { Dense<float> d(2, {.kernel_initializer = "glorot"}); });
  simple<ValueError>("unknown_regularizer", {"regularizer", "'l3'"},
                     [] { Dense<float> d(2, {.kernel_regularizer = "l3"}); });
  simple<ValueError>("unknown_constraint", {"constraint", "'max_norn'"},
                     [] { Dense<float> d(2, {.kernel_constraint = "max_norn"}); });
  simple<ValueError>("unknown_loss", {"loss", "'msee'", "mse"}, [] { losses::get<float>("msee"); });
  simple<ValueError>("unknown_metric", {"metric", "'acuracy'", "accuracy"}, [] { metrics::get<float>("acuracy"); });
  simple<ValueError>("unknown_optimizer", {"optimizer", "'adamm'", "adam"}, [] { optimizers::get<float>("adamm"); });
  simple<ValueError>("sparse_crossentropy_label_out_of_range", {"y_true", "class ids", "[0, 3)", "3.000000"}, [] {
    losses::SparseCategoricalCrossentropy<float> l;
    l(F{0.0f, 3.0f}, F{{0.2f, 0.3f, 0.5f}, {0.1f, 0.1f, 0.8f}});
  });
  simple<ValueError>("Huber_delta_zero", {"huber_loss", "delta", "0"},
                     [] { losses::Huber<float> h({.delta = 0.0}); });
  simple<ValueError>("compile_unknown_loss", {"loss", "'cross_entropy'"}, [] {
    auto m = small_mlp("cmp_loss", 1);
    m->compile(std::make_shared<optimizers::SGD<float>>(), std::string("cross_entropy"));
  });
}

void optimizer_rows() {
  simple<ValueError>("Adam_negative_learning_rate", {"Adam", "learning_rate", "-0.1"},
                     [] { optimizers::Adam<float> a({.learning_rate = -0.1}); });
  simple<ValueError>("Adam_beta_1_equal_1", {"Adam", "beta_1", "1"},
                     [] { optimizers::Adam<float> a({.beta_1 = 1.0}); });
  simple<ValueError>("Adam_nan_epsilon", {"Adam", "epsilon", "nan"},
                     [] { optimizers::Adam<float> a({.epsilon = std::nan("")}); });
  simple<ValueError>("SGD_negative_momentum", {"SGD", "momentum", "-0.5"},
                     [] { optimizers::SGD<float> s({.momentum = -0.5}); });
  simple<ValueError>("SGD_negative_clipnorm", {"SGD", "clipnorm", "-1"},
                     [] { optimizers::SGD<float> s({.clipnorm = -1.0}); });
  simple<ValueError>("RMSprop_rho_above_one", {"RMSprop", "rho", "1.5"},
                     [] { optimizers::RMSprop<float> r({.rho = 1.5}); });
  simple<ValueError>("Adam_infinite_learning_rate", {"Adam", "learning_rate", "inf"},
                     [] { optimizers::Adam<float> a({.learning_rate = std::numeric_limits<double>::infinity()}); });
  row<ValueError>("apply_gradients_count_mismatch", {"apply_gradients", "2", "1"}, [] {
    auto m = small_mlp("opt_cnt", 1);
    auto opt = std::make_shared<optimizers::Adam<float>>();
    auto vars = m->trainable_weights();
    return Prepared{[opt, vars] { opt->apply_gradients({F::zeros(vars[0].shape())}, {vars[0], vars[1]}); },
                    nullptr};
  });
  row<ShapeError>("apply_gradients_shape_mismatch", {"apply_gradients", "(4, 8)", "(8, 4)"}, [] {
    auto m = small_mlp("opt_shp", 1);
    auto opt = std::make_shared<optimizers::Adam<float>>();
    auto vars = m->trainable_weights();
    return Prepared{[opt, vars] { opt->apply_gradients({F::zeros(Shape{8, 4})}, {vars[0]}); }, nullptr};
  });
}

void weights_rows() {
  row<ShapeError>("set_weights_wrong_count", {"set_weights", "4", "3"}, [] {
    auto m = small_mlp("sw_cnt", 2);
    auto w = m->get_weights();
    const auto before = w;
    w.pop_back();
    return Prepared{[m, w] { m->set_weights(w); },
                    [m, before] {
                      return same_bits(m->get_weights(), before)
                                 ? ::testing::AssertionSuccess()
                                 : ::testing::AssertionFailure() << "weights changed";
                    }};
  });
  row<ShapeError>("set_weights_wrong_shape", {"set_weights", "sw_shp_out/kernel", "(8, 1)", "(8, 2)"}, [] {
    auto m = small_mlp("sw_shp", 2);
    auto w = m->get_weights();
    const auto before = w;
    w[2] = xt::zeros<float>({8, 2});
    return Prepared{[m, w] { m->set_weights(w); },
                    [m, before] {
                      return same_bits(m->get_weights(), before)
                                 ? ::testing::AssertionSuccess()
                                 : ::testing::AssertionFailure() << "weights changed (the first one was valid)";
                    }};
  });
  // Files are keyed by weight paths, so another architecture is one with other layers: here a
  // third Dense, whose weights the file lacks (a model like small_mlp under other names loads).
  row<IOError>("load_weights_other_architecture", {"load_weights", "sequential/dense_2/kernel"}, [] {
    auto s = std::make_shared<SavedModel>(saved_model("arch"));
    auto other = three_dense_mlp("other");
    const auto before = other->get_weights();
    return Prepared{[other, s] { other->load_weights(s->weights); },
                    [other, before] {
                      return same_bits(other->get_weights(), before)
                                 ? ::testing::AssertionSuccess()
                                 : ::testing::AssertionFailure() << "weights changed";
                    }};
  });
  row<ShapeError>("load_weights_same_names_other_units", {"sequential/dense/kernel", "(4, 8)", "(4, 6)"}, [] {
    auto s = std::make_shared<SavedModel>(saved_model("units"));
    auto other = small_mlp("sv_units", 3, 6);
    const auto before = other->get_weights();
    return Prepared{[other, s] { other->load_weights(s->weights); },
                    [other, before] {
                      return same_bits(other->get_weights(), before)
                                 ? ::testing::AssertionSuccess()
                                 : ::testing::AssertionFailure() << "weights changed";
                    }};
  });
  row<IOError>("load_checkpoint_other_architecture", {"load_checkpoint", "sequential/dense_2/kernel"}, [] {
    auto s = std::make_shared<SavedModel>(saved_model("arch_ck"));
    auto other = three_dense_mlp("other_ck");
    other->compile(std::make_shared<optimizers::Adam<float>>(), "mse");
    const auto before = other->get_weights();
    return Prepared{[other, s] { other->load_checkpoint(s->checkpoint); },
                    [other, before] {
                      return same_bits(other->get_weights(), before)
                                 ? ::testing::AssertionSuccess()
                                 : ::testing::AssertionFailure() << "weights changed";
                    }};
  });
}

void file_rows() {
  // Weight files and checkpoints: missing, empty, truncated, bit-flipped, foreign.
  row<IOError>("load_weights_missing_file", {"missing.npz", "missing"}, [] {
    return load_into_same("w_missing", [](SavedModel& s) { s.weights = s.dir + "/missing.npz"; }, false);
  });
  row<IOError>("load_weights_empty_file", {"w.npz", "empty"}, [] {
    return load_into_same("w_empty", [](SavedModel& s) { spit(s.weights, ""); }, false);
  });
  row<IOError>("load_weights_truncated_file", {"w.npz", "truncated"}, [] {
    return load_into_same("w_trunc", [](SavedModel& s) {
      const auto b = slurp(s.weights);
      spit(s.weights, b.substr(0, b.size() / 2));
    }, false);
  });
  row<IOError>("load_weights_bit_flipped_data", {"w.npz", "CRC"}, [] {
    return load_into_same("w_flip", [](SavedModel& s) {
      auto b = slurp(s.weights);
      b[200] = static_cast<char>(b[200] ^ 0x10);  // inside the first array's data
      spit(s.weights, b);
    }, false);
  });
  row<IOError>("load_weights_foreign_format_csv", {"w.npz", "not a zip"}, [] {
    return load_into_same("w_csv", [](SavedModel& s) { spit(s.weights, "time,value\n1,2.5\n2,3.5\n3,4.5\n"); }, false);
  });
  row<IOError>("load_weights_zip_without_npy", {"w.npz", "readme.txt", "not a .npy"}, [] {
    return load_into_same("w_zip", [](SavedModel& s) {
      spit(s.weights, io::zip::write({{"readme.txt", "hello"}}));
    }, false);
  });
  row<IOError>("load_checkpoint_missing_file", {"missing.npz", "missing"}, [] {
    return load_into_same("c_missing", [](SavedModel& s) { s.checkpoint = s.dir + "/missing.npz"; }, true);
  });
  row<IOError>("load_checkpoint_empty_file", {"ckpt.npz", "empty"}, [] {
    return load_into_same("c_empty", [](SavedModel& s) { spit(s.checkpoint, ""); }, true);
  });
  row<IOError>("load_checkpoint_truncated_file", {"ckpt.npz", "truncated"}, [] {
    return load_into_same("c_trunc", [](SavedModel& s) {
      const auto b = slurp(s.checkpoint);
      spit(s.checkpoint, b.substr(0, b.size() - 100));
    }, true);
  });
  row<IOError>("load_checkpoint_bit_flipped_data", {"ckpt.npz", "CRC"}, [] {
    return load_into_same("c_flip", [](SavedModel& s) {
      auto b = slurp(s.checkpoint);
      b[b.size() / 3] = static_cast<char>(b[b.size() / 3] ^ 0x01);
      spit(s.checkpoint, b);
    }, true);
  });
  row<IOError>("load_checkpoint_from_weights_file", {"checkpoint/meta", "load_weights"}, [] {
    return load_into_same("c_w", [](SavedModel& s) { s.checkpoint = s.weights; }, true);
  });
  row<IOError>("load_npz_foreign_png", {"img.png", "not a zip"}, [] {
    const std::string dir = fresh_dir("png");
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde";
    spit(dir + "/img.png", std::string(png, sizeof png - 1));
    return Prepared{[dir] { io::load_npz<float>(dir + "/img.png"); }, nullptr};
  });
  simple<IOError>("load_npz_directory", {"read_file", "'/'", "folder"}, [] { io::load_npz<float>("/"); });

  // Writes that fail leave nothing behind.
  row<IOError>("save_weights_into_missing_folder", {"no_such_dir"}, [] {
    const std::string dir = fresh_dir("save_missing");
    auto m = small_mlp("save_missing", 1);
    return Prepared{[m, dir] { m->save_weights(dir + "/no_such_dir/w.npz"); },
                    [dir] { return unchanged_listing(dir, {}); }};
  });
  row<ValueError>("save_weights_unbuilt_model", {"built"}, [] {
    const std::string dir = fresh_dir("save_unbuilt");
    auto m = std::make_shared<Sequential<float>>("save_unbuilt");
    m->add(std::make_shared<Dense<float>>(2, DenseOptions{.name = "save_unbuilt_d"}));
    return Prepared{[m, dir] { m->save_weights(dir + "/w.npz"); },
                    [dir] { return unchanged_listing(dir, {}); }};
  });
  row<ValueError>("save_npz_undefined_tensor", {"save_npz", "'b'", "undefined"}, [] {
    const std::string dir = fresh_dir("save_undef");
    spit(dir + "/old.npz", "old");
    return Prepared{[dir] { io::save_npz<float>(dir + "/old.npz", {{"a", F{1.0f}}, {"b", F()}}); },
                    [dir]() -> ::testing::AssertionResult {
                      if (slurp(dir + "/old.npz") != "old")
                        return ::testing::AssertionFailure() << "old file overwritten";
                      return unchanged_listing(dir, {"old.npz"});
                    }};
  });
}

void csv_rows() {
  simple<IOError>("csv_missing_file", {"read_csv", "nope.csv", "missing"},
                  [] { read_csv<float>(fresh_dir("csv_missing") + "/nope.csv"); });
  row<IOError>("csv_empty_file", {"read_csv", "empty"}, [] {
    const auto p = csv_file("csv_empty", "");
    return Prepared{[p] { read_csv<float>(p); }, nullptr};
  });
  row<IOError>("csv_blank_lines_only", {"read_csv", "empty"}, [] {
    const auto p = csv_file("csv_blank", "\n  \n\r\n");
    return Prepared{[p] { read_csv<float>(p); }, nullptr};
  });
  row<IOError>("csv_header_only", {"read_csv", "header", "no data rows"}, [] {
    const auto p = csv_file("csv_header", "time,value\n");
    return Prepared{[p] { read_csv<float>(p); }, nullptr};
  });
  row<IOError>("csv_ragged_row", {"read_csv", "line 3", "expected 2 fields", "received 3"}, [] {
    const auto p = csv_file("csv_ragged", "a,b\n1,2\n3,4,5\n");
    return Prepared{[p] { read_csv<float>(p); }, nullptr};
  });
  row<IOError>("csv_short_row", {"read_csv", "line 4", "expected 3 fields", "received 1"}, [] {
    const auto p = csv_file("csv_short", "1,2,3\n4,5,6\n\n7\n");
    return Prepared{[p] { read_csv<float>(p); }, nullptr};
  });
  row<IOError>("csv_non_numeric_cell", {"read_csv", "line 3", "column 2", "('value')", "'12a'"}, [] {
    const auto p = csv_file("csv_nonnum", "time,value\n1,2.5\n2,12a\n");
    return Prepared{[p] { read_csv<float>(p); }, nullptr};
  });
  row<IOError>("csv_empty_cell", {"read_csv", "line 2", "column 1", "an empty cell"}, [] {
    const auto p = csv_file("csv_emptycell", "x,y\n,1\n");
    return Prepared{[p] { read_csv<float>(p); }, nullptr};
  });
  row<IOError>("csv_unclosed_quote", {"read_csv", "line 2", "closing quote"}, [] {
    const auto p = csv_file("csv_quote", "a,b\n\"1,2\n");
    return Prepared{[p] { read_csv<float>(p); }, nullptr};
  });
  row<IOError>("csv_unknown_column_name", {"read_csv", "'temp'"}, [] {
    const auto p = csv_file("csv_col", "time,value\n1,2\n");
    return Prepared{[p] { read_csv<float>(p, {.columns = {std::string("temp")}}); }, nullptr};
  });
  row<IOError>("csv_column_index_out_of_range", {"read_csv", "2 columns", "index 5"}, [] {
    const auto p = csv_file("csv_idx", "1,2\n3,4\n");
    return Prepared{[p] { read_csv<float>(p, {.columns = {std::size_t{5}}}); }, nullptr};
  });
  row<IOError>("csv_foreign_format_npz", {"read_csv", "w.npz", "line"}, [] {
    auto s = std::make_shared<SavedModel>(saved_model("csv_npz"));
    return Prepared{[s] { read_csv<float>(s->weights, {.header = CsvHeader::absent}); }, nullptr};
  });
  simple<IOError>("csv_directory", {"read_csv", "'/'"}, [] { read_csv<float>("/"); });
}

void data_rows() {
  simple<ShapeError>("Dataset_batch_mismatch", {"Dataset", "y", "5", "4"},
                     [] { Dataset<float> d(mat(5, 2), mat(4, 1)); });
  simple<ShapeError>("Dataset_scalar_x", {"Dataset", "rank", "()"}, [] { Dataset<float> d(F::scalar(1.0f)); });
  simple<ValueError>("Dataset_batch_size_zero", {"batch", "batch_size", "0"},
                     [] { Dataset<float>(mat(5, 2)).batch(0); });
  simple<ShapeError>("GRU_on_only_empty_padded_sequences", {"gru_pad0", "timestep", "(2, 0, 3)"}, [] {
    // pad_sequences of empty sequences gives (2, 0): fine in itself, rejected by the RNN by name.
    const auto p = pad_sequences<float>(std::vector<std::vector<int>>{{}, {}});
    Embedding<float> e(4, 3, {.mask_zero = true, .name = "emb_pad0"});
    GRU<float> g(4, {}, {.name = "gru_pad0"});
    g(e(p.values));
  });
  simple<IndexError>("Vocabulary_decode_unknown_id", {"Vocabulary", "id", "99"}, [] {
    Vocabulary v;
    v.fit("a b c");
    v.decode({2, 99});
  });
  simple<ValueError>("Vocabulary_unknown_token_not_allowed", {"Vocabulary", "'zebra'"}, [] {
    Vocabulary v({.allow_unknown = false});
    v.fit("a b c");
    v.encode("a zebra");
  });
  simple<ValueError>("Vocabulary_max_tokens_one", {"Vocabulary", "max_tokens", "1"},
                     [] { Vocabulary v({.max_tokens = 1}); });
  simple<ValueError>("make_windows_series_too_short", {"make_windows", "window", "5"}, [] {
    make_windows<float>(F{1.0f, 2.0f, 3.0f}, {.window = 4, .horizon = 1});
  });
  simple<IndexError>("make_windows_target_column_out_of_range", {"make_windows", "target", "3"}, [] {
    make_windows<float>(mat(10, 2), {.window = 2, .target_columns = {3}});
  });
}

void fit_rows() {
  row<ShapeError>("fit_batch_mismatch_x_y", {"'fit_mm' fit", "y", "20 samples", "(20, 4)", "(19, 1)"}, [] {
    auto m = compiled_mlp("fit_mm");
    const auto before = m->get_weights();
    return Prepared{[m] { m->fit(mat(20, 4), mat(19, 1), {.verbose = 0}); },
                    [m, before] {
                      return same_bits(m->get_weights(), before) ? ::testing::AssertionSuccess()
                                                                 : ::testing::AssertionFailure() << "trained";
                    }};
  });
  row<ShapeError>("evaluate_batch_mismatch_x_y", {"'ev_mm' evaluate", "y", "20 samples", "(20, 4)", "(21, 1)"}, [] {
    auto m = compiled_mlp("ev_mm");
    return Prepared{[m] { m->evaluate(mat(20, 4), mat(21, 1), {.verbose = 0}); }, nullptr};
  });
  row<ShapeError>("fit_target_shape_vs_output", {"mean_squared_error", "y_true (8, 3)", "y_pred (8, 1)"}, [] {
    auto m = compiled_mlp("fit_ts");
    return Prepared{[m] { m->fit(mat(8, 4), mat(8, 3), {.verbose = 0}); }, nullptr};
  });
  row<ShapeError>("fit_wrong_feature_count", {"fit_wf_hidden", "4", "3"}, [] {
    auto m = compiled_mlp("fit_wf");
    return Prepared{[m] { m->fit(mat(8, 3), mat(8, 1), {.verbose = 0}); }, nullptr};
  });
  row<ValueError>("fit_batch_size_zero", {"fit", "batch_size", "0"}, [] {
    auto m = compiled_mlp("fit_bs0");
    return Prepared{[m] { m->fit(mat(8, 4), mat(8, 1), {.batch_size = 0, .verbose = 0}); }, nullptr};
  });
  row<ValueError>("evaluate_batch_size_zero", {"evaluate", "batch_size", "0"}, [] {
    auto m = compiled_mlp("ev_bs0");
    return Prepared{[m] { m->evaluate(mat(8, 4), mat(8, 1), {.batch_size = 0, .verbose = 0}); }, nullptr};
  });
  row<ValueError>("predict_batch_size_zero", {"predict", "batch_size", "0"}, [] {
    auto m = compiled_mlp("pr_bs0");
    return Prepared{[m] { m->predict(mat(8, 4), {.batch_size = 0}); }, nullptr};
  });
  row<ValueError>("fit_epochs_zero", {"fit", "epochs", "0"}, [] {
    auto m = compiled_mlp("fit_ep0");
    return Prepared{[m] { m->fit(mat(8, 4), mat(8, 1), {.epochs = 0, .verbose = 0}); }, nullptr};
  });
  row<ValueError>("predict_empty_input", {"predict", "sample"}, [] {
    auto m = compiled_mlp("pr_empty");
    return Prepared{[m] { m->predict(F::zeros(Shape{0, 4})); }, nullptr};
  });
  row<ValueError>("fit_not_compiled", {"fit", "compile"}, [] {
    auto m = small_mlp("fit_nc", 1);
    return Prepared{[m] { m->fit(mat(8, 4), mat(8, 1), {.verbose = 0}); }, nullptr};
  });
  row<ValueError>("fit_validation_split_one", {"validation_split", "[0, 1)"}, [] {
    auto m = compiled_mlp("fit_vs1");
    return Prepared{[m] { m->fit(mat(8, 4), mat(8, 1), {.validation_split = 1.0, .verbose = 0}); }, nullptr};
  });
  row<ValueError>("fit_validation_split_nan", {"validation_split", "nan"}, [] {
    auto m = compiled_mlp("fit_vsnan");
    return Prepared{[m] { m->fit(mat(8, 4), mat(8, 1), {.validation_split = std::nan(""), .verbose = 0}); },
                    nullptr};
  });
  simple<ValueError>("Sequential_empty_call", {"Sequential", "layer"}, [] {
    Sequential<float> s("seq_empty");
    s(mat(2, 2));
  });
  simple<ValueError>("Sequential_duplicate_layer_name", {"seq_dup_d", "unique"}, [] {
    Sequential<float> s("seq_dup");
    s.add(std::make_shared<Dense<float>>(2, DenseOptions{.name = "seq_dup_d"}));
    s.add(std::make_shared<Dense<float>>(2, DenseOptions{.name = "seq_dup_d"}));
  });
  row<ValueError>("ModelCheckpoint_unknown_path_field", {"ModelCheckpoint", "filepath", "'val_los'"}, [] {
    const std::string dir = fresh_dir("mc_field");
    auto m = compiled_mlp("mc_field");
    auto cb = std::make_shared<callbacks::ModelCheckpoint<float>>(dir + "/ck-{val_los}.npz",
                                                                  callbacks::ModelCheckpointOptions{});
    return Prepared{[m, cb] { m->fit(mat(8, 4), mat(8, 1), {.validation_split = 0.25, .callbacks = {cb}, .verbose = 0}); },
                    [dir] { return unchanged_listing(dir, {}); }};
  });
}

const std::vector<Case>& cases() {
  static const bool once = [] {
    layer_rows();
    identifier_rows();
    optimizer_rows();
    weights_rows();
    file_rows();
    csv_rows();
    data_rows();
    fit_rows();
    return true;
  }();
  (void)once;
  return registry();
}

class Matrix : public ::testing::TestWithParam<std::size_t> {};

TEST_P(Matrix, Case) {
  const Case& c = cases()[GetParam()];
  Prepared p;
  try {
    p = c.prepare();
  } catch (const std::exception& e) {
    FAIL() << "setup threw: " << e.what();
  }
  std::string message;
  try {
    p.run();
    FAIL() << c.name << ": expected " << c.type_name << ", nothing was thrown";
  } catch (const std::exception& e) {
    message = e.what();
    EXPECT_EQ(std::type_index(typeid(e)), c.type)
        << c.name << ": expected " << c.type_name << ", caught another type: " << message;
  } catch (...) {
    FAIL() << c.name << ": threw something that is not a std::exception";
  }
  for (const auto& w : c.words)
    EXPECT_NE(message.find(w), std::string::npos) << c.name << ": message '" << message << "' lacks '" << w << "'";
  if (p.after) EXPECT_TRUE(p.after()) << c.name;
  std::printf("%s [%s]: %s\n", c.name.c_str(), c.type_name.c_str(), message.c_str());
}

INSTANTIATE_TEST_SUITE_P(BadInput, Matrix, ::testing::Range<std::size_t>(0, cases().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& info) { return cases()[info.param].name; });

TEST(BadInputMatrix, HasAtLeastFortyRowsWithUniqueNames) {
  std::set<std::string> names;
  for (const auto& c : cases()) EXPECT_TRUE(names.insert(c.name).second) << "duplicate row " << c.name;
  std::printf("bad-input matrix: %zu rows\n", cases().size());
  EXPECT_GE(cases().size(), 40u);
}

}  // namespace

// fit and evaluate on zero samples raise ValueError, as Keras does ("Expected input data to be
// non-empty"), instead of running no batch and returning.
TEST(BadInput, FitRejectsAnEmptyDataset) {
  auto m = compiled_mlp("fit_empty");
  EXPECT_TRUE(throws_exactly<ValueError>(
      [&] { m->fit(F::zeros(Shape{0, 4}), F::zeros(Shape{0, 1}), {.verbose = 0}); }, {"fit", "sample"}));
}
TEST(BadInput, EvaluateRejectsAnEmptyDataset) {
  auto m = compiled_mlp("ev_empty");
  EXPECT_TRUE(throws_exactly<ValueError>(
      [&] { m->evaluate(F::zeros(Shape{0, 4}), F::zeros(Shape{0, 1}), {.verbose = 0}); }, {"evaluate", "sample"}));
}

// An optimizer iteration count above 9e18 used to pass load_checkpoint's own checks, so the weights
// were assigned before Optimizer::set_state refused it: the failed load must change nothing.
TEST(BadInput, CheckpointWithHugeIterationsChangesNothing) {
  auto s = saved_model("iter_huge");
  auto arrays = io::load_npz<float>(s.checkpoint);
  arrays.at("optimizer/iterations") = F::scalar(1e19f);
  io::save_npz<float>(s.checkpoint, arrays);
  auto target = compiled_mlp("sv_iter_huge");
  const auto before = target->get_weights();
  EXPECT_TRUE(throws_exactly<IOError>([&] { target->load_checkpoint(s.checkpoint); }, {"iterations"}));
  EXPECT_TRUE(same_bits(target->get_weights(), before)) << "the failed load changed the weights";
}
