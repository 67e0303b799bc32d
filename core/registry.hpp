#pragma once
// Registry: class name -> factory for one kind of serializable object (layers, initializers,
// optimizers, ...), as Keras's serialization registry. It also knows each registered C++ type, so
// that serializing an object needs no class-name method on it: the registry names it by its
// dynamic type. A kind's registry is made by its folder (layers/registry.hpp, optim/registry.hpp),
// which fills in loom's own classes on first use; users add theirs with the kind's register_*().
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <typeindex>
#include <vector>

#include "core/config_fwd.hpp"
#include "core/errors.hpp"

namespace loom {

template <class Base>
class Registry {
 public:
  using Ptr = std::shared_ptr<Base>;
  // Builds an object from the inside of its envelope (the "config" object).
  using Factory = std::function<Ptr(const Config& config)>;

  // kind: "layer", "initializer", ... for messages; module: Keras's module for the envelope
  // ("keras.layers").
  Registry(std::string kind, std::string module) : kind_(std::move(kind)), module_(std::move(module)) {}

  const std::string& kind() const { return kind_; }
  const std::string& module() const { return module_; }

  // A name or a C++ type registered twice -> ValueError (a second class under one name would make
  // files load differently depending on registration order). builtin: loom's own class (its
  // envelope has registered_name null, as Keras's built-ins).
  void add(const std::string& class_name, std::type_index type, Factory factory, bool builtin) {
    std::lock_guard<std::mutex> lock(mu_);
    if (class_name.empty())
      throw ValueError("register (" + kind_ + "): class name expected non-empty, received \"\"");
    if (by_name_.count(class_name))
      throw ValueError("register (" + kind_ + "): class name expected unregistered, received '" +
                       class_name + "', which is registered already");
    if (by_type_.count(type))
      throw ValueError("register (" + kind_ + "): '" + class_name + "' names a C++ type registered already as '" +
                       by_type_.at(type) + "'");
    by_name_.emplace(class_name, Entry{std::move(factory), builtin});
    by_type_.emplace(type, class_name);
  }

  bool contains(const std::string& class_name) const {
    std::lock_guard<std::mutex> lock(mu_);
    return by_name_.count(class_name) != 0;
  }
  bool builtin(const std::string& class_name) const {
    std::lock_guard<std::mutex> lock(mu_);
    const auto it = by_name_.find(class_name);
    return it != by_name_.end() && it->second.builtin;
  }
  std::vector<std::string> names() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& [n, e] : by_name_) out.push_back(n);
    return out;
  }

  bool contains_type(const Base& obj) const {
    std::lock_guard<std::mutex> lock(mu_);
    return by_type_.count(std::type_index(typeid(obj))) != 0;
  }
  // The registered name of obj's dynamic type; unregistered -> ValueError saying how to register.
  std::string name_of(const Base& obj, const std::string& what) const {
    std::lock_guard<std::mutex> lock(mu_);
    const auto it = by_type_.find(std::type_index(typeid(obj)));
    if (it == by_type_.end())
      throw ValueError("serialize " + kind_ + " '" + what + "': its C++ type " + typeid(obj).name() +
                       " expected registered (register_" + kind_ + "<YourClass>(\"YourClass\")), received an "
                       "unregistered type");
    return it->second;
  }

  // Unknown name -> ValueError listing what is registered.
  Ptr create(const std::string& class_name, const Config& config) const {
    Factory f;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const auto it = by_name_.find(class_name);
      if (it == by_name_.end()) {
        std::string known;
        for (const auto& [n, e] : by_name_) known += (known.empty() ? "" : ", ") + n;
        throw ValueError("from_config (" + kind_ + "): class_name expected one of [" + known + "], received '" +
                         class_name + "' (a class of your own needs register_" + kind_ + "<" + class_name +
                         ">(\"" + class_name + "\") first)");
      }
      f = it->second.factory;
    }
    return f(config);
  }

 private:
  struct Entry {
    Factory factory;
    bool builtin = false;
  };
  std::string kind_, module_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> by_name_;
  std::map<std::type_index, std::string> by_type_;
};

}  // namespace loom

namespace loom {

// The registry of one kind, defined by the kind's folder as an explicit specialization
// (layers/registry.hpp: registry<Layer<float>>, registry<Initializer>, ...).
template <class Base>
Registry<Base>& registry();

}  // namespace loom
