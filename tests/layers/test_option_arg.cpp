// Bad activation / initializer / regularizer / constraint values name the layer and the argument
// they were given for (layers/option_arg.hpp), not only the bad identifier.
#include <gtest/gtest.h>

#include <functional>

#include "layers/layers.hpp"
#include "test_util.hpp"

using namespace loom;
using loom::testing::throws_with;

namespace {

// The message of the ValueError fn throws ("" if none), to check what it must not say too.
std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ValueError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(OptionArg, GRUCellNamesTheArgument) {
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<float>(3, {.recurrent_activation = "sigmoidd"}); },
                                      {"GRUCell: argument 'recurrent_activation'", "'sigmoidd'", "hard_sigmoid"}));
  // activation and recurrent_activation take the same identifiers; the message says which one.
  const auto act = message_of([] { GRUCell<float>(3, {.activation = "tanhh"}); });
  EXPECT_NE(act.find("GRUCell: argument 'activation'"), std::string::npos) << act;
  EXPECT_EQ(act.find("recurrent_activation"), std::string::npos) << act;
  EXPECT_NE(act.find("'tanhh'"), std::string::npos) << act;
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<float>(3, {.kernel_initializer = "glorot"}); },
                                      {"GRUCell: argument 'kernel_initializer'", "'glorot'"}));
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<float>(3, {.recurrent_initializer = "orthogonall"}); },
                                      {"argument 'recurrent_initializer'", "'orthogonall'"}));
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<float>(3, {.bias_initializer = "zero"}); },
                                      {"argument 'bias_initializer'", "'zero'"}));
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<float>(3, {.recurrent_regularizer = "l3"}); },
                                      {"GRUCell: argument 'recurrent_regularizer'", "'l3'"}));
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<float>(3, {.bias_constraint = "nonneg"}); },
                                      {"GRUCell: argument 'bias_constraint'", "'nonneg'"}));
  // A null initializer pointer is the same kind of mistake.
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<float>(3, {.kernel_initializer = InitializerPtr{}}); },
                                      {"GRUCell: argument 'kernel_initializer'", "null"}));
  // The GRU layer takes the cell's options, so its errors name the cell's argument.
  EXPECT_TRUE(throws_with<ValueError>([] { GRU<double>(3, {.recurrent_activation = "relu6"}); },
                                      {"GRUCell: argument 'recurrent_activation'", "'relu6'"}));
  // Assigning to a field later is checked the same way.
  GRUCellOptions o;
  EXPECT_TRUE(throws_with<ValueError>([&] { o.recurrent_constraint = "maxnorm"; },
                                      {"GRUCell: argument 'recurrent_constraint'", "'maxnorm'"}));
}

TEST(OptionArg, OtherCellsAndLayersNameTheArgument) {
  EXPECT_TRUE(throws_with<ValueError>([] { SimpleRNNCell<float>(3, {.activation = "tahn"}); },
                                      {"SimpleRNNCell: argument 'activation'", "'tahn'"}));
  EXPECT_TRUE(throws_with<ValueError>([] { SimpleRNNCell<float>(3, {.recurrent_initializer = "eye"}); },
                                      {"SimpleRNNCell: argument 'recurrent_initializer'", "'eye'"}));
  EXPECT_TRUE(throws_with<ValueError>([] { SimpleRNN<float>(3, {.kernel_regularizer = "l2l"}); },
                                      {"SimpleRNNCell: argument 'kernel_regularizer'", "'l2l'"}));
  const auto lstm = message_of([] { LSTMCell<float>(3, {.recurrent_activation = "sigmod"}); });
  EXPECT_NE(lstm.find("LSTMCell: argument 'recurrent_activation'"), std::string::npos) << lstm;
  EXPECT_NE(lstm.find("'sigmod'"), std::string::npos) << lstm;
  EXPECT_TRUE(throws_with<ValueError>([] { LSTM<float>(3, {.kernel_constraint = "unitnorm"}); },
                                      {"LSTMCell: argument 'kernel_constraint'", "'unitnorm'"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Dense<float>(3, {.activation = "softmaxx"}); },
                                      {"Dense: argument 'activation'", "'softmaxx'"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Dense<float>(3, {.bias_initializer = "one"}); },
                                      {"Dense: argument 'bias_initializer'", "'one'"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Dense<float>(3, {.kernel_regularizer = "L3"}); },
                                      {"Dense: argument 'kernel_regularizer'", "'L3'"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Dense<float>(3, {.bias_constraint = "positive"}); },
                                      {"Dense: argument 'bias_constraint'", "'positive'"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Embedding<float>(10, 3, {.embeddings_initializer = "unifrom"}); },
                                      {"Embedding: argument 'embeddings_initializer'", "'unifrom'"}));
}

// The named fields take everything the plain Args take.
TEST(OptionArg, FieldsStillAcceptIdentifiersObjectsPointersAndNull) {
  GRUCellOptions o{.activation = nullptr,
                   .recurrent_activation = std::string("hard_sigmoid"),
                   .kernel_initializer = Orthogonal(2.0),
                   .recurrent_initializer = std::make_shared<Identity>(),
                   .kernel_regularizer = L2(0.5),
                   .recurrent_regularizer = "l1",
                   .bias_constraint = NonNeg()};
  EXPECT_EQ(o.activation.ptr->name(), "linear");
  EXPECT_EQ(o.recurrent_activation.ptr->name(), "hard_sigmoid");
  EXPECT_EQ(o.kernel_initializer.ptr->name(), "Orthogonal");
  EXPECT_EQ(o.recurrent_initializer.ptr->name(), "Identity");
  EXPECT_EQ(o.kernel_regularizer.ptr->repr(), "L2(l2=0.5)");
  EXPECT_EQ(o.recurrent_regularizer.ptr->name(), "L1");
  EXPECT_EQ(o.bias_regularizer.ptr, nullptr);
  EXPECT_EQ(o.bias_constraint.ptr->name(), "NonNeg");
  // A plain Arg (or another layer's field) converts too.
  const ActivationArg relu = "relu";
  LSTMCellOptions l{.activation = relu, .recurrent_activation = o.recurrent_activation};
  EXPECT_EQ(l.activation.ptr->name(), "relu");
  EXPECT_EQ(l.recurrent_activation.ptr->name(), "hard_sigmoid");
  GRUCell<double> cell(2, o);
  EXPECT_EQ(cell.get_config()["recurrent_activation"], "hard_sigmoid");
}
