// Issue 18 item 2 for optim/: every registered optimizer and schedule writes Keras 3's config and
// envelope and is rebuilt from it with the same config and bit-identical behaviour; bad configs are
// refused with typed errors naming the field.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/serialize.hpp"
#include "test_util.hpp"
#include "optim/optim.hpp"
#include "optim/optimizer_config.hpp"

using namespace loom;
using namespace loom::optimizers;
using namespace loom::optimizers::schedules;

using loom::testing::throws_with;

namespace {

// A user's optimizer, registered for float and double as a class template: sign descent,
// w -= lr * scale * sign(g).
struct SignSGDOptions {
  LearningRate learning_rate = 0.01;
  double scale = 1.0;
  std::optional<double> weight_decay;
  std::optional<double> clipnorm;
  std::optional<double> clipvalue;
  std::optional<double> global_clipnorm;
  std::string name = "sign_sgd";
};

template <class T>
class SignSGD : public Optimizer<T> {
 public:
  explicit SignSGD(const SignSGDOptions& o = {}) : Optimizer<T>("SignSGD", common_options_of(o), {}), o_(o) {}
  Config get_config() const override {
    Config c = Optimizer<T>::get_config();
    c["scale"] = o_.scale;
    return c;
  }
  static std::shared_ptr<SignSGD> from_config(const Config& config) {
    config::Reader r(config, "SignSGD.from_config");
    SignSGDOptions o;
    read_common_options(r, o);
    o.scale = r.number("scale", o.scale);
    r.finish();
    return std::make_shared<SignSGD>(o);
  }

 protected:
  void update_step(const T* g, T* w, std::size_t n, Tensor<T>*, const typename Optimizer<T>::StepInfo& info) override {
    const T step = info.learning_rate * static_cast<T>(o_.scale);
    for (std::size_t k = 0; k < n; ++k) w[k] -= g[k] > 0 ? step : (g[k] < 0 ? -step : T(0));
  }

 private:
  SignSGDOptions o_;
};

// A user's schedule: halves every `every` steps.
class StepHalving final : public LearningRateSchedule {
 public:
  StepHalving(double initial_learning_rate, double every) : lr0_(initial_learning_rate), every_(every) {}
  double operator()(std::int64_t step) const override {
    return lr0_ * std::pow(0.5, std::floor(static_cast<double>(step) / every_));
  }
  std::string class_name() const override { return "StepHalving"; }
  Config get_config() const override { return {{"initial_learning_rate", lr0_}, {"every", every_}}; }
  static std::shared_ptr<StepHalving> from_config(const Config& config) {
    config::Reader r(config, "StepHalving.from_config");
    const double lr0 = r.number("initial_learning_rate", 0.1);
    const double every = r.number("every", 10);
    r.finish();
    return std::make_shared<StepHalving>(lr0, every);
  }

 private:
  double lr0_, every_;
};

// Registered once per process, before any enumeration, so every test sees the same registries.
void register_user_classes() {
  static const bool once = [] {
    register_optimizer<SignSGD>("SignSGD");
    register_schedule<StepHalving>("StepHalving");
    return true;
  }();
  (void)once;
}

// One registered class: a default-constructed instance and instances that, together, set every
// option away from its default.
template <class Base>
struct Case {
  std::function<std::shared_ptr<Base>()> make_default;
  std::vector<std::function<std::shared_ptr<Base>()>> non_default;
};

template <class T>
std::map<std::string, Case<Optimizer<T>>> optimizer_cases() {
  using P = std::shared_ptr<Optimizer<T>>;
  std::map<std::string, Case<Optimizer<T>>> c;
  c["Adam"] = {[]() -> P { return std::make_shared<Adam<T>>(); },
               {[]() -> P {
                  return std::make_shared<Adam<T>>(AdamOptions{.learning_rate = 0.0123,
                                                               .beta_1 = 0.8,
                                                               .beta_2 = 0.99,
                                                               .epsilon = 1e-5,
                                                               .amsgrad = true,
                                                               .weight_decay = 0.01,
                                                               .clipnorm = 0.5,
                                                               .clipvalue = 0.3,
                                                               .name = "my_adam"});
                },
                []() -> P {
                  return std::make_shared<Adam<T>>(
                      AdamOptions{.learning_rate = ExponentialDecay(0.01, 5, 0.5), .global_clipnorm = 0.7});
                }}};
  c["AdamW"] = {[]() -> P { return std::make_shared<AdamW<T>>(); },
                {[]() -> P {
                   return std::make_shared<AdamW<T>>(AdamWOptions{.learning_rate = 0.02,
                                                                  .weight_decay = 0.1,
                                                                  .beta_1 = 0.7,
                                                                  .beta_2 = 0.95,
                                                                  .epsilon = 1e-6,
                                                                  .amsgrad = true,
                                                                  .clipnorm = 0.4,
                                                                  .clipvalue = 0.25,
                                                                  .name = "my_adamw"});
                 },
                 []() -> P {
                   return std::make_shared<AdamW<T>>(AdamWOptions{
                       .learning_rate = CosineDecay(0.01, 10, {.alpha = 0.1}), .global_clipnorm = 0.6});
                 }}};
  c["SGD"] = {[]() -> P { return std::make_shared<SGD<T>>(); },
              {[]() -> P {
                 return std::make_shared<SGD<T>>(SGDOptions{.learning_rate = 0.1,
                                                            .momentum = 0.9,
                                                            .nesterov = true,
                                                            .weight_decay = 0.001,
                                                            .clipnorm = 1.5,
                                                            .clipvalue = 0.2,
                                                            .name = "my_sgd"});
               },
               []() -> P {
                 return std::make_shared<SGD<T>>(SGDOptions{
                     .learning_rate = PiecewiseConstantDecay({1, 2}, {0.1, 0.05, 0.01}), .global_clipnorm = 0.3});
               }}};
  c["RMSprop"] = {[]() -> P { return std::make_shared<RMSprop<T>>(); },
                  {[]() -> P {
                     return std::make_shared<RMSprop<T>>(RMSpropOptions{.learning_rate = 0.005,
                                                                        .rho = 0.8,
                                                                        .momentum = 0.5,
                                                                        .epsilon = 1e-4,
                                                                        .centered = true,
                                                                        .weight_decay = 0.02,
                                                                        .clipnorm = 0.9,
                                                                        .clipvalue = 0.35,
                                                                        .name = "my_rmsprop"});
                   },
                   []() -> P {
                     return std::make_shared<RMSprop<T>>(
                         RMSpropOptions{.learning_rate = InverseTimeDecay(0.01, 2, 0.5, true), .global_clipnorm = 0.8});
                   }}};
  c["Adagrad"] = {[]() -> P { return std::make_shared<Adagrad<T>>(); },
                  {[]() -> P {
                     return std::make_shared<Adagrad<T>>(AdagradOptions{.learning_rate = 0.05,
                                                                        .initial_accumulator_value = 0.5,
                                                                        .epsilon = 1e-3,
                                                                        .weight_decay = 0.03,
                                                                        .clipnorm = 0.45,
                                                                        .clipvalue = 0.15,
                                                                        .name = "my_adagrad"});
                   },
                   []() -> P {
                     return std::make_shared<Adagrad<T>>(AdagradOptions{
                         .learning_rate = PolynomialDecay(0.1, 4, {.power = 2.0}), .global_clipnorm = 0.55});
                   }}};
  c["SignSGD"] = {[]() -> P { return std::make_shared<SignSGD<T>>(); },
                  {[]() -> P {
                     return std::make_shared<SignSGD<T>>(SignSGDOptions{.learning_rate = 0.003,
                                                                        .scale = 2.5,
                                                                        .weight_decay = 0.01,
                                                                        .clipnorm = 0.2,
                                                                        .clipvalue = 0.1,
                                                                        .name = "mine"});
                   },
                   []() -> P {
                     return std::make_shared<SignSGD<T>>(
                         SignSGDOptions{.learning_rate = StepHalving(0.02, 2), .global_clipnorm = 0.5});
                   }}};
  return c;
}

std::map<std::string, Case<LearningRateSchedule>> schedule_cases() {
  using P = std::shared_ptr<LearningRateSchedule>;
  std::map<std::string, Case<LearningRateSchedule>> c;
  c["ExponentialDecay"] = {[]() -> P { return std::make_shared<ExponentialDecay>(0.1, 1000, 0.96); },
                           {[]() -> P { return std::make_shared<ExponentialDecay>(0.05, 37, 0.5, true, "exp"); }}};
  c["InverseTimeDecay"] = {[]() -> P { return std::make_shared<InverseTimeDecay>(0.1, 1000, 0.96); },
                           {[]() -> P { return std::make_shared<InverseTimeDecay>(0.2, 3.5, 0.25, true, "inv"); }}};
  c["PiecewiseConstantDecay"] = {
      []() -> P { return std::make_shared<PiecewiseConstantDecay>(std::vector<double>{100, 200},
                                                                  std::vector<double>{0.1, 0.05, 0.01}); },
      {[]() -> P { return std::make_shared<PiecewiseConstantDecay>(std::vector<double>{3, 50},
                                                                   std::vector<double>{0.3, 0.2, 0.15}, "pw"); }}};
  c["PolynomialDecay"] = {[]() -> P { return std::make_shared<PolynomialDecay>(0.1, 1000); },
                          {[]() -> P {
                            return std::make_shared<PolynomialDecay>(
                                0.2, 77, PolynomialDecayOptions{.end_learning_rate = 0.001, .power = 0.5,
                                                                .cycle = true, .name = "poly"});
                          }}};
  c["CosineDecay"] = {[]() -> P { return std::make_shared<CosineDecay>(0.1, 1000); },
                      {[]() -> P {
                        return std::make_shared<CosineDecay>(
                            0.02, 90, CosineDecayOptions{.alpha = 0.1, .warmup_target = 0.2, .warmup_steps = 10,
                                                         .name = "cos"});
                      }}};
  c["CosineDecayRestarts"] = {
      []() -> P { return std::make_shared<CosineDecayRestarts>(0.1, 1000); },
      {[]() -> P {
         return std::make_shared<CosineDecayRestarts>(
             0.3, 20, CosineDecayRestartsOptions{.t_mul = 1.5, .m_mul = 0.8, .alpha = 0.05, .name = "sgdr"});
       },
       []() -> P {  // t_mul == 1 takes Keras's other branch
         return std::make_shared<CosineDecayRestarts>(0.3, 20, CosineDecayRestartsOptions{.t_mul = 1.0});
       }}};
  c["StepHalving"] = {[]() -> P { return std::make_shared<StepHalving>(0.1, 10); },
                      {[]() -> P { return std::make_shared<StepHalving>(0.4, 3); }}};
  return c;
}

// Keras's fields loom does not implement: always at their defaults, so never "non-default".
const std::set<std::string> kUnsupported{"use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
                                         "gradient_accumulation_steps"};

// Every key of the default's config (but `skip`) takes another value in at least one non-default
// case, and every case has the same keys in the same order.
template <class Base>
void expect_every_option_exercised(const std::string& cls, const Case<Base>& c, const std::set<std::string>& skip) {
  const Config def = c.make_default()->get_config();
  std::set<std::string> changed;
  for (const auto& make : c.non_default) {
    const Config nd = make()->get_config();
    std::vector<std::string> kd, kn;
    for (auto it = def.begin(); it != def.end(); ++it) kd.push_back(it.key());
    for (auto it = nd.begin(); it != nd.end(); ++it) kn.push_back(it.key());
    EXPECT_EQ(kn, kd) << cls << ": a non-default config has other keys than the default's";
    for (auto it = def.begin(); it != def.end(); ++it)
      if (nd.contains(it.key()) && nd.at(it.key()) != it.value()) changed.insert(it.key());
  }
  for (auto it = def.begin(); it != def.end(); ++it)
    if (!skip.count(it.key()))
      EXPECT_TRUE(changed.count(it.key()))
          << cls << ": option '" << it.key() << "' is at its default (" << it.value().dump()
          << ") in every non-default case; give it another value in a case";
}

// Two variables and gradients that change with the step, the same for every optimizer.
template <class T>
std::vector<Variable<T>> make_variables() {
  std::vector<T> a(6), b(4);
  for (std::size_t k = 0; k < a.size(); ++k) a[k] = static_cast<T>(0.3 * k - 0.7);
  for (std::size_t k = 0; k < b.size(); ++k) b[k] = static_cast<T>(1.1 - 0.45 * k);
  return {Variable<T>(Tensor<T>(Shape{2, 3}, a), "a"), Variable<T>(Tensor<T>(Shape{4}, b), "b")};
}

template <class T>
std::vector<Tensor<T>> make_gradients(int step) {
  std::vector<T> a(6), b(4);
  for (std::size_t k = 0; k < a.size(); ++k) a[k] = static_cast<T>(std::sin(1.3 * k + 0.7 * step) * (k % 3 + 1));
  for (std::size_t k = 0; k < b.size(); ++k) b[k] = static_cast<T>(std::cos(0.9 * k - 0.4 * step) * 2.0);
  return {Tensor<T>(Shape{2, 3}, a), Tensor<T>(Shape{4}, b)};
}

template <class T>
bool same_bits(const Tensor<T>& x, const Tensor<T>& y) {
  return x.shape() == y.shape() && std::memcmp(x.data(), y.data(), x.size() * sizeof(T)) == 0;
}

// Three steps of a and b on equal weights and gradients: weights and slots equal bit for bit.
template <class T>
void expect_same_steps(Optimizer<T>& a, Optimizer<T>& b, const std::string& what) {
  auto va = make_variables<T>(), vb = make_variables<T>();
  for (int step = 0; step < 3; ++step) {
    a.apply_gradients(make_gradients<T>(step), va);
    b.apply_gradients(make_gradients<T>(step), vb);
    for (std::size_t i = 0; i < va.size(); ++i)
      EXPECT_TRUE(same_bits(va[i].value(), vb[i].value())) << what << ": weight " << i << " after step " << step;
  }
  const auto sa = a.get_state(), sb = b.get_state();
  ASSERT_EQ(sa.size(), sb.size()) << what;
  for (const auto& [key, t] : sa) {
    ASSERT_TRUE(sb.count(key)) << what << ": slot " << key;
    EXPECT_TRUE(same_bits(t, sb.at(key))) << what << ": slot " << key;
  }
  // The rebuilt optimizer moved the weights at all (a no-op update would match trivially).
  EXPECT_FALSE(same_bits(va[0].value(), make_variables<T>()[0].value())) << what;
}

template <class T>
void check_optimizer_round_trips() {
  register_user_classes();
  const auto cases = optimizer_cases<T>();
  for (const auto& name : registry<Optimizer<T>>().names())
    EXPECT_TRUE(cases.count(name)) << "optimizer '" << name << "' is registered but has no case in "
                                   << "optimizer_cases(); add one with every option set";
  for (const auto& [name, c] : cases) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(registry<Optimizer<T>>().contains(name));
    expect_every_option_exercised(name, c, [] {
      auto s = kUnsupported;
      s.insert("name");
      return s;
    }());
    std::vector<std::shared_ptr<Optimizer<T>>> all{c.make_default()};
    for (const auto& make : c.non_default) all.push_back(make());
    for (std::size_t i = 0; i < all.size(); ++i) {
      const auto& opt = all[i];
      const Config env = serialize(*opt);
      EXPECT_EQ(env.at("class_name"), name);
      // Through text, as a file would carry it.
      const auto back = from_config<Optimizer<T>>(Config::parse(env.dump()));
      ASSERT_TRUE(back);
      EXPECT_EQ(typeid(*back), typeid(*opt));
      EXPECT_EQ(back->get_config(), opt->get_config()) << "case " << i;
      EXPECT_EQ(serialize(*back).dump(), env.dump()) << "case " << i;
      expect_same_steps(*opt, *back, name + " case " + std::to_string(i));
    }
  }
}

}  // namespace

TEST(OptimConfig, EveryRegisteredOptimizerRoundTripsFloat) { check_optimizer_round_trips<float>(); }
TEST(OptimConfig, EveryRegisteredOptimizerRoundTripsDouble) { check_optimizer_round_trips<double>(); }

TEST(OptimConfig, EveryRegisteredScheduleRoundTrips) {
  register_user_classes();
  const auto cases = schedule_cases();
  auto& reg = registry<LearningRateSchedule>();
  for (const auto& name : reg.names())
    EXPECT_TRUE(cases.count(name)) << "schedule '" << name << "' is registered but has no case in "
                                   << "schedule_cases(); add one with every option set";
  for (const auto& [name, c] : cases) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(reg.contains(name));
    expect_every_option_exercised(name, c, {});
    std::vector<std::shared_ptr<LearningRateSchedule>> all{c.make_default()};
    for (const auto& make : c.non_default) all.push_back(make());
    for (const auto& s : all) {
      const Config env = serialize(*s);
      EXPECT_EQ(env.at("module"), "keras.optimizers.schedules");
      EXPECT_EQ(env.at("class_name"), name);
      const auto back = from_config<LearningRateSchedule>(Config::parse(env.dump()));
      EXPECT_EQ(typeid(*back), typeid(*s));
      EXPECT_EQ(back->get_config(), s->get_config());
      for (std::int64_t step : {std::int64_t{0}, std::int64_t{1}, std::int64_t{7}, std::int64_t{100},
                                std::int64_t{1000000}}) {
        const double x = (*s)(step), y = (*back)(step);
        EXPECT_EQ(std::memcmp(&x, &y, sizeof x), 0) << "step " << step << ": " << x << " vs " << y;
      }
    }
  }
}

TEST(OptimConfig, EnvelopeAndFieldsAreKeras3s) {
  // Keras 3's Adam().get_config(), field for field and in order; numbers shortest. (serialize
  // deduces its kind from the static type: a concrete optimizer names Optimizer<float>.)
  const Config env = serialize<Optimizer<float>>(Adam<float>());
  EXPECT_EQ(env.dump(),
            R"({"module":"keras.optimizers","class_name":"Adam","config":{"name":"adam","learning_rate":0.001,)"
            R"("weight_decay":null,"clipnorm":null,"global_clipnorm":null,"clipvalue":null,"use_ema":false,)"
            R"("ema_momentum":0.99,"ema_overwrite_frequency":null,"loss_scale_factor":null,)"
            R"("gradient_accumulation_steps":null,"beta_1":0.9,"beta_2":0.999,"epsilon":1e-07,"amsgrad":false},)"
            R"("registered_name":null})");
  EXPECT_EQ(SGD<float>().get_config().at("name"), "SGD");
  EXPECT_EQ(SGD<float>().get_config().at("learning_rate").dump(), "0.01");
  EXPECT_EQ(AdamW<float>().get_config().at("weight_decay").dump(), "0.004");
  EXPECT_EQ(Adagrad<float>().get_config().at("initial_accumulator_value").dump(), "0.1");
  const auto rms = RMSprop<float>().get_config();
  EXPECT_EQ(rms.at("rho").dump() + " " + rms.at("epsilon").dump() + " " + rms.at("centered").dump(), "0.9 1e-07 false");

  // A schedule learning rate is written as the schedule's own envelope.
  const Adam<float> sched({.learning_rate = ExponentialDecay(0.1, 100000, 0.96, true)});
  EXPECT_EQ(sched.get_config().at("learning_rate").dump(),
            R"({"module":"keras.optimizers.schedules","class_name":"ExponentialDecay","config":)"
            R"({"initial_learning_rate":0.1,"decay_steps":100000,"decay_rate":0.96,"staircase":true,)"
            R"("name":"ExponentialDecay"},"registered_name":null})");
  EXPECT_EQ(CosineDecay(0.1, 1000).get_config().dump(),
            R"({"initial_learning_rate":0.1,"decay_steps":1000,"alpha":0.0,"name":"CosineDecay",)"
            R"("warmup_target":null,"warmup_steps":0})");
  EXPECT_EQ(PiecewiseConstantDecay({100, 200}, {0.1, 0.05, 0.01}).get_config().dump(),
            R"({"boundaries":[100,200],"values":[0.1,0.05,0.01],"name":"PiecewiseConstant"})");
  EXPECT_EQ(CosineDecayRestarts(0.1, 1000).get_config().at("name"), "SGDRDecay");

  // A user's class carries its registered name.
  register_user_classes();
  const Config mine = serialize<Optimizer<float>>(SignSGD<float>());
  EXPECT_EQ(mine.at("class_name"), "SignSGD");
  EXPECT_EQ(mine.at("registered_name"), "SignSGD");
  EXPECT_EQ(serialize<LearningRateSchedule>(StepHalving(0.1, 2)).at("registered_name"), "StepHalving");
}

TEST(OptimConfig, ReadsWhatKeras3Writes) {
  // Keras 3 stores a constant learning rate in a float32 variable and writes it back as a double.
  const Config keras = Config::parse(
      R"({"module": "keras.optimizers", "class_name": "RMSprop", "config": {"name": "rmsprop",
          "learning_rate": 0.0010000000474974513, "weight_decay": null, "clipnorm": null,
          "global_clipnorm": null, "clipvalue": null, "use_ema": false, "ema_momentum": 0.99,
          "ema_overwrite_frequency": null, "loss_scale_factor": null, "gradient_accumulation_steps": null,
          "rho": 0.9, "momentum": 0.0, "epsilon": 1e-07, "centered": false}, "registered_name": null})");
  const auto opt = from_config<Optimizer<float>>(keras);
  ASSERT_TRUE(dynamic_cast<RMSprop<float>*>(opt.get()));
  EXPECT_EQ(static_cast<float>(opt->learning_rate()), 0.001f);
  EXPECT_EQ(opt->get_config().at("rho"), 0.9);
  // A config without the envelope's extras, and with fields left out, takes Keras's defaults.
  const auto sgd = from_config<Optimizer<double>>(Config::parse(R"({"class_name": "SGD", "config": {}})"));
  EXPECT_EQ(sgd->get_config(), SGD<double>().get_config());
  // The nested schedule may be a bare {"class_name", "config"} too.
  const auto lr = Adam<float>::from_config(Config::parse(
      R"({"learning_rate": {"class_name": "PolynomialDecay", "config": {"initial_learning_rate": 0.1,
          "decay_steps": 10000, "end_learning_rate": 0.01, "power": 0.5, "cycle": false, "name": null}}})"));
  ASSERT_TRUE(lr->learning_rate_setting().is_schedule());
  EXPECT_EQ(lr->learning_rate(), PolynomialDecay(0.1, 10000, {.end_learning_rate = 0.01, .power = 0.5})(0));
}

TEST(OptimConfig, BadConfigsAreRefusedNamingTheField) {
  const auto adam = [](const char* text) { return Adam<float>::from_config(Config::parse(text)); };
  // Unknown fields.
  EXPECT_TRUE(throws_with<ValueError>([&] { adam(R"({"beta_3": 0.5})"); }, {"Adam", "beta_3", "unknown"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { adam(R"({"decay": 0.0})"); }, {"decay"}));
  // Wrong types.
  EXPECT_TRUE(throws_with<ValueError>([&] { adam(R"({"beta_1": "0.9"})"); }, {"beta_1", "a number", "\"0.9\""}));
  EXPECT_TRUE(throws_with<ValueError>([&] { adam(R"({"amsgrad": 1})"); }, {"amsgrad", "true or false"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { adam(R"({"clipnorm": true})"); }, {"clipnorm", "a number or null"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { adam(R"({"name": 3})"); }, {"name", "string"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { adam(R"({"learning_rate": "fast"})"); }, {"learning_rate", "\"fast\""}));
  EXPECT_TRUE(throws_with<ValueError>([] { Adam<float>::from_config(Config::array()); }, {"Adam", "JSON object"}));
  // Values the constructor refuses.
  EXPECT_TRUE(throws_with<ValueError>([&] { adam(R"({"beta_1": 1.5})"); }, {"beta_1", "1.5"}));
  EXPECT_TRUE(throws_with<ValueError>([] { AdamW<float>::from_config(Config::parse(R"({"weight_decay": null})")); },
                                      {"AdamW", "weight_decay"}));
  // Keras options loom lacks: their defaults pass, anything else is refused.
  EXPECT_NO_THROW(adam(R"({"use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": null,
                           "loss_scale_factor": null, "gradient_accumulation_steps": null})"));
  EXPECT_TRUE(throws_with<NotImplementedError>([&] { adam(R"({"use_ema": true})"); }, {"use_ema", "true"}));
  EXPECT_TRUE(throws_with<NotImplementedError>([&] { adam(R"({"ema_momentum": 0.9})"); }, {"ema_momentum", "0.9"}));
  EXPECT_TRUE(throws_with<NotImplementedError>([&] { adam(R"({"ema_overwrite_frequency": 5})"); },
                                               {"ema_overwrite_frequency", "5"}));
  EXPECT_TRUE(throws_with<NotImplementedError>([&] { adam(R"({"loss_scale_factor": 128.0})"); },
                                               {"loss_scale_factor", "128"}));
  EXPECT_TRUE(throws_with<NotImplementedError>(
      [] { SGD<double>::from_config(Config::parse(R"({"gradient_accumulation_steps": 4})")); },
      {"SGD", "gradient_accumulation_steps", "4"}));
  // Schedules: missing required fields, wrong types, unknown fields, unknown classes (nested too).
  EXPECT_TRUE(throws_with<ValueError>(
      [] { ExponentialDecay::from_config(Config::parse(R"({"initial_learning_rate": 0.1, "decay_steps": 10})")); },
      {"ExponentialDecay", "decay_rate"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [] { PiecewiseConstantDecay::from_config(Config::parse(R"({"boundaries": [1, "2"], "values": [1, 2, 3]})")); },
      {"boundaries", "a list of numbers"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [] {
        CosineDecay::from_config(Config::parse(R"({"initial_learning_rate": 0.1, "decay_steps": 10, "warmup_target": "x"})"));
      },
      {"warmup_target", "a number or null"}));
  EXPECT_TRUE(throws_with<ValueError>([&] {
    adam(R"({"learning_rate": {"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1,
             "decay_steps": 10, "decay_rate": 0.5, "staircse": true}}})");
  }, {"ExponentialDecay", "staircse"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { adam(R"({"learning_rate": {"class_name": "OneCycle", "config": {}}})"); },
                                      {"OneCycle", "ExponentialDecay"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [] { from_config<Optimizer<float>>(Config::parse(R"({"class_name": "Nadam", "config": {}})")); },
      {"Nadam", "Adam", "register_optimizer"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [] { from_config<LearningRateSchedule>(Config::parse(R"({"class_name": "CosineDecay", "config": []})")); },
      {"config", "object"}));
}

TEST(OptimConfig, WhatCannotBeSavedSaysSo) {
  // A C++ function as the learning rate has no config.
  const SGD<float> fn({.learning_rate = [](std::int64_t step) { return 0.1 / double(step + 1); }});
  EXPECT_TRUE(throws_with<NotImplementedError>([&] { (void)fn.get_config(); }, {"SGD", "learning_rate", "FunctionSchedule"}));
  // An optimizer subclass nobody registered.
  struct Unregistered : SGD<float> {};
  EXPECT_TRUE(throws_with<ValueError>([] { (void)serialize<Optimizer<float>>(Unregistered()); },
                                      {"optimizer", "register_optimizer"}));
  // A schedule subclass without get_config.
  struct Bare final : LearningRateSchedule {
    double operator()(std::int64_t) const override { return 0.1; }
    std::string class_name() const override { return "Bare"; }
  };
  EXPECT_TRUE(throws_with<NotImplementedError>([] { (void)Bare().get_config(); }, {"Bare", "get_config"}));
  // Registering a taken name or type again.
  register_user_classes();
  EXPECT_TRUE(throws_with<ValueError>([] { register_optimizer<SignSGD<float>>("SignSGD"); }, {"SignSGD", "registered"}));
  EXPECT_TRUE(throws_with<ValueError>([] { register_schedule<StepHalving>("Halving"); }, {"StepHalving", "registered"}));
  EXPECT_TRUE(throws_with<ValueError>([] { register_optimizer<SignSGD<double>>("Adam"); }, {"Adam", "registered"}));
}

TEST(OptimConfig, LearningRateSetLaterIsTheOneWritten) {
  // Keras writes the learning rate the optimizer has now (ReduceLROnPlateau changes it).
  Adam<float> opt;
  opt.set_learning_rate(0.25);
  EXPECT_EQ(opt.get_config().at("learning_rate").dump(), "0.25");
  EXPECT_EQ(Adam<float>::from_config(opt.get_config())->learning_rate(), 0.25);
}
