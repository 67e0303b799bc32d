#include "train/history.hpp"

#include <limits>

#include "core/errors.hpp"

namespace loom {

const std::vector<double>& History::operator[](const std::string& key) const {
  auto it = history.find(key);
  if (it == history.end()) {
    std::string keys;
    for (const auto& [k, v] : history) keys += (keys.empty() ? "" : ", ") + k;
    throw ValueError("History: key expected one of [" + keys + "], received '" + key + "'");
  }
  return it->second;
}

void History::append(std::size_t epoch_number, const Logs& logs) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  for (const auto& [k, v] : logs)
    if (!history.count(k)) history[k].assign(epoch.size(), nan);
  epoch.push_back(epoch_number);
  for (auto& [k, values] : history) {
    auto it = logs.find(k);
    values.push_back(it == logs.end() ? nan : it->second);
  }
}

void History::truncate(std::size_t first_dropped) {
  std::size_t keep = 0;
  while (keep < epoch.size() && epoch[keep] < first_dropped) ++keep;
  epoch.resize(keep);
  for (auto& [k, values] : history) values.resize(keep);
}

}  // namespace loom
