// Proves that the registry round-trip test can fail: this program registers one more layer class
// without adding a round-trip case, and requires the checks of test_config_roundtrip.cpp to
// report it by name. It is its own program because a registration cannot be undone, and the real
// test binary must stay clean.
#include <gtest/gtest.h>
#include <gtest/gtest-spi.h>

#include "config_cases.hpp"

using namespace loom;
using namespace loom::testing::config_cases;

namespace {

// A complete, well-behaved user layer; the only thing missing is its case in layer_cases().
template <class T>
class UnlistedScale : public Layer<T> {
 public:
  explicit UnlistedScale(std::string name = "")
      : Layer<T>(name.empty() ? unique_layer_name("unlisted_scale") : name) {}
  static std::shared_ptr<UnlistedScale> from_config(const Config& c) {
    config::Reader r(c, "UnlistedScale");
    const auto base = config::read_layer_base<T>(r);
    r.finish();
    return config::finish_layer(std::make_shared<UnlistedScale>(base.name), base);
  }
  Tensor<T> call(const Tensor<T>& x, const CallContext<T>&) override { return x * T(2); }
};

void round_trip_every_class() { check_layers<float>(layer_cases<float>()); }

}  // namespace

TEST(ConfigRoundTripCanFail, AClassRegisteredWithoutACaseIsReported) {
  ASSERT_TRUE(registered);
  every_registered_class_has_a_case<float>();  // clean before the planted class
  ASSERT_FALSE(::testing::Test::HasFailure());
  register_layer<UnlistedScale>("UnlistedScale");
  EXPECT_NONFATAL_FAILURE(every_registered_class_has_a_case<float>(), "'UnlistedScale' has no round-trip case");
  EXPECT_NONFATAL_FAILURE(every_registered_class_has_a_case<double>(), "'UnlistedScale' has no round-trip case");
  EXPECT_FATAL_FAILURE(round_trip_every_class(), "'UnlistedScale' has no round-trip case");
}
