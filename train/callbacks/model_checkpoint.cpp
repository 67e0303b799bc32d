#include "train/callbacks/model_checkpoint.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <regex>

#include "core/errors.hpp"
#include "train/distribute/communicator.hpp"
#include "train/model.hpp"

namespace loom::callbacks {

template <class T>
ModelCheckpoint<T>::ModelCheckpoint(std::string filepath, ModelCheckpointOptions options)
    : filepath_(std::move(filepath)), o_(std::move(options)),
      monitor_("ModelCheckpoint", o_.monitor, o_.mode) {
  if (filepath_.empty())
    throw ValueError("ModelCheckpoint: filepath expected a path, received an empty string");
  format_path(0, {});  // reject bad field syntax now rather than at the end of the first epoch
}

template <class T>
std::string ModelCheckpoint<T>::format_path(std::size_t epoch, const Logs& logs) const {
  static const std::regex spec(R"(^([0-9]*(\.[0-9]+)?)([dfeg])$)");
  std::string out;
  std::size_t i = 0;
  while (i < filepath_.size()) {
    const char c = filepath_[i];
    if (c != '{') {
      out += c;
      ++i;
      continue;
    }
    const auto close = filepath_.find('}', i);
    if (close == std::string::npos)
      throw ValueError("ModelCheckpoint: filepath expected '}' after '{' at position " + std::to_string(i) +
                       ", received '" + filepath_ + "'");
    const std::string field = filepath_.substr(i + 1, close - i - 1);
    const auto colon = field.find(':');
    const std::string name = field.substr(0, colon);
    const std::string fmt = colon == std::string::npos ? "" : field.substr(colon + 1);
    std::smatch m;
    if (!fmt.empty() && !std::regex_match(fmt, m, spec))
      throw ValueError("ModelCheckpoint: format of field '" + name +
                       "' expected like '02d' or '.4f', received '" + fmt + "'");
    double value = 0.0;
    if (name == "epoch") {
      value = static_cast<double>(epoch + 1);
    } else if (auto it = logs.find(name); it != logs.end()) {
      value = it->second;
    } else if (!logs.empty()) {
      throw ValueError("ModelCheckpoint: filepath field expected 'epoch' or a logged value, received '" +
                       name + "'");
    }
    const char type = fmt.empty() ? (name == "epoch" ? 'd' : 'g') : fmt.back();
    const std::string cfmt = "%" + (fmt.empty() ? std::string(1, type) : fmt);
    // Sized by a first snprintf, so that a wide field ("{loss:300.2f}") is written whole rather than
    // cut at a fixed buffer.
    auto print = [&](auto... args) {
      const std::string f = type == 'd' ? cfmt.substr(0, cfmt.size() - 1) + "lld" : cfmt;
      const int n = std::snprintf(nullptr, 0, f.c_str(), args...);
      std::string s(static_cast<std::size_t>(n > 0 ? n : 0) + 1, '\0');
      std::snprintf(s.data(), s.size(), f.c_str(), args...);
      s.pop_back();
      return s;
    };
    out += type == 'd' ? print(static_cast<long long>(std::llround(value))) : print(value);
    i = close + 1;
  }
  return out;
}

template <class T>
void ModelCheckpoint<T>::on_train_begin(const Logs&) {
  best_ = o_.initial_value_threshold ? *o_.initial_value_threshold : monitor_.worst();
  batches_since_save_ = 0;
  Model<T>* model = this->model();
  if (!model || (model->communicator() && model->communicator()->rank() != 0)) return;
  // A path that cannot be written is found now, not after the first epoch (under mpirun that
  // would end the whole job then): the folder is made, as Keras makes it, and tried with a file.
  const std::filesystem::path path(format_path(0, {}));
  if (path.filename().string().size() > 255)
    throw IOError("ModelCheckpoint: filepath expected a file name of at most 255 bytes, received one of " +
                  std::to_string(path.filename().string().size()) + " ('" + filepath_.substr(0, 80) + "...')");
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw IOError("ModelCheckpoint: filepath expected a folder that exists or can be made, received '" +
                  dir.string() + "' (" + ec.message() + ")");
  const std::filesystem::path probe = dir / (".loom_probe_" + std::to_string(::getpid()));
  std::FILE* f = std::fopen(probe.c_str(), "wb");
  if (!f)
    throw IOError("ModelCheckpoint: filepath expected a writable folder, received '" + dir.string() + "' (" +
                  std::strerror(errno) + ")");
  std::fclose(f);
  std::filesystem::remove(probe, ec);
}

template <class T>
void ModelCheckpoint<T>::on_epoch_begin(std::size_t epoch, const Logs&) {
  epoch_ = epoch;
}

template <class T>
void ModelCheckpoint<T>::on_train_batch_end(std::size_t batch, const Logs& logs) {
  if (o_.save_freq == 0) return;
  if (++batches_since_save_ < o_.save_freq) return;
  batches_since_save_ = 0;
  save(epoch_, batch + 1, logs);
}

template <class T>
void ModelCheckpoint<T>::on_epoch_end(std::size_t epoch, Logs& logs) {
  if (o_.save_freq != 0) return;
  Model<T>* model = this->model();
  if (model) {
    // History (last in fit's list) has not seen this epoch yet; the checkpoint must hold it.
    History h = model->history();
    h.truncate(epoch);
    h.append(epoch, logs);
    model->set_history(std::move(h));
  }
  save(epoch + 1, 0, logs);
}

template <class T>
void ModelCheckpoint<T>::save(std::size_t epoch, std::size_t step, const Logs& logs) {
  Model<T>* model = this->model();
  if (!model) return;
  if (auto it = logs.find("loss"); it != logs.end() && !std::isfinite(it->second)) return;
  // In a data-parallel fit every rank holds the same model and logs; rank 0 alone writes (and
  // prints), while the others still follow save_best_only's record.
  const bool writes = !model->communicator() || model->communicator()->rank() == 0;
  // The file is named after the epoch being trained (1-based), as Keras names it.
  const std::size_t named_epoch = step == 0 ? epoch - 1 : epoch;
  if (o_.save_best_only) {
    const auto current = monitor_.value(logs);
    if (!current) {
      std::string keys;
      for (const auto& [k, v] : logs) keys += (keys.empty() ? "" : ", ") + k;
      throw ValueError("ModelCheckpoint: monitor expected one of the logged values [" + keys +
                       "], received '" + o_.monitor + "'");
    }
    if (!monitor_.improves(*current, best_)) return;
    if (o_.verbose > 0 && writes)
      std::cout << "\nEpoch " << named_epoch + 1 << ": " << o_.monitor << " improved from " << best_
                << " to " << *current << ", saving model" << std::endl;
    best_ = *current;
  }
  if (!writes) return;
  const std::string path = format_path(named_epoch, logs);
  if (o_.save_weights_only)
    model->save_weights(path);
  else
    model->save_checkpoint(path, {epoch, step});
  ++saves_;
  last_path_ = path;
}

template class ModelCheckpoint<float>;
template class ModelCheckpoint<double>;

}  // namespace loom::callbacks
