#pragma once
// History: the per-epoch values fit returns (Keras's History.history and History.epoch), and Logs,
// the name -> value map that fit hands to callbacks ("loss", "mae", "val_loss", "learning_rate").
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace loom {

using Logs = std::map<std::string, double>;

struct History {
  // Epoch numbers (0-based, as Keras's History.epoch), one per recorded epoch.
  std::vector<std::size_t> epoch;
  // One list per log key, each as long as `epoch`.
  std::map<std::string, std::vector<double>> history;

  // The values of one key; a missing key throws ValueError listing the keys there are.
  const std::vector<double>& operator[](const std::string& key) const;
  bool contains(const std::string& key) const { return history.count(key) != 0; }
  std::size_t size() const { return epoch.size(); }
  bool empty() const { return epoch.empty(); }

  // Records one epoch's logs. A key first seen now is back-filled with NaN for earlier epochs, and a
  // key missing now gets NaN, so that every list stays as long as `epoch`.
  void append(std::size_t epoch_number, const Logs& logs);
  // Drops the epochs numbered >= first_dropped (a resumed fit replaces them).
  void truncate(std::size_t first_dropped);

  friend bool operator==(const History&, const History&) = default;
};

}  // namespace loom
