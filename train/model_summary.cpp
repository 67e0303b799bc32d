#include "train/model_summary.hpp"

#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "train/model.hpp"

namespace loom {
namespace detail {

namespace {

// "loom::Dense<float>" -> "Dense": the class name Keras shows in summary().
std::string class_name_of(const std::type_info& type) {
  int status = 0;
  char* raw = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string name = status == 0 && raw ? raw : type.name();
  std::free(raw);
  if (auto lt = name.find('<'); lt != std::string::npos) name.resize(lt);
  if (auto colon = name.rfind("::"); colon != std::string::npos) name = name.substr(colon + 2);
  return name;
}

std::string readable_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 4) {
    bytes /= 1024.0;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %s", bytes, units[u]);
  return buf;
}

std::string with_commas(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// One summary row: each field padded (or cut) to its column, as tf.keras's print_row.
std::string summary_row(const std::vector<std::string>& fields, const std::vector<std::size_t>& ends) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0 && !line.empty()) line.back() = ' ';
    line += fields[i];
    if (line.size() > ends[i]) line.resize(ends[i]);
    line.resize(ends[i], ' ');
  }
  return line;
}

}  // namespace

std::string format_summary(const std::string& model_name, const std::vector<SummaryRow>& rows,
                           std::size_t trainable, std::size_t non_trainable, std::size_t bytes_per_param) {
  const std::vector<std::size_t> ends{29, 55, 65};
  const std::string rule(65, '_'), double_rule(65, '=');
  std::ostringstream os;
  os << "Model: \"" << model_name << "\"\n" << rule << "\n";
  os << summary_row({" Layer (type)", "Output Shape", "Param #"}, ends) << "\n" << double_rule << "\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const SummaryRow& r = rows[i];
    std::string shape = "?";
    if (const Shape* s = r.output_shape) {
      shape = "(None";
      for (std::size_t d = 1; d < s->rank(); ++d) shape += ", " + std::to_string((*s)[d]);
      shape += s->rank() == 1 ? ",)" : ")";
    }
    const std::string params = r.built ? with_commas(r.params) : "0 (unbuilt)";
    os << summary_row({" " + r.name + " (" + class_name_of(*r.type) + ")", shape, params}, ends) << "\n";
    os << (i + 1 < rows.size() ? std::string(65, ' ') + "\n" : "");
  }
  const std::size_t total = trainable + non_trainable;
  auto count = [bytes_per_param](std::size_t n) {
    return with_commas(n) + " (" + readable_bytes(static_cast<double>(n * bytes_per_param)) + ")";
  };
  os << double_rule << "\n";
  os << "Total params: " << count(total) << "\n";
  os << "Trainable params: " << count(trainable) << "\n";
  os << "Non-trainable params: " << count(non_trainable) << "\n";
  os << rule << "\n";
  return os.str();
}

}  // namespace detail

template <class T>
std::string Model<T>::summary_string() const {
  std::vector<detail::SummaryRow> rows;
  std::lock_guard<std::mutex> lock(output_shapes_mu_);
  for (const auto& l : layers_) {
    const Shape* shape = nullptr;
    for (const auto& [ptr, s] : output_shapes_)
      if (ptr == l.get()) shape = &s;
    rows.push_back({l->name(), &typeid(*l), shape, l->built(), l->built() ? l->count_params() : 0});
  }
  std::size_t trainable = 0, non_trainable = 0;
  for (const auto& w : this->trainable_weights()) trainable += w.value().size();
  for (const auto& w : this->non_trainable_weights()) non_trainable += w.value().size();
  return detail::format_summary(this->name(), rows, trainable, non_trainable, sizeof(T));
}

template <class T>
void Model<T>::summary(std::ostream& out) const {
  out << summary_string();
}

template <class T>
void Model<T>::summary() const {
  summary(std::cout);
}

#define LOOM_INSTANTIATE_MODEL_SUMMARY(T)                 \
  template std::string Model<T>::summary_string() const; \
  template void Model<T>::summary(std::ostream&) const;  \
  template void Model<T>::summary() const;
LOOM_INSTANTIATE_MODEL_SUMMARY(float)
LOOM_INSTANTIATE_MODEL_SUMMARY(double)
#undef LOOM_INSTANTIATE_MODEL_SUMMARY

}  // namespace loom
