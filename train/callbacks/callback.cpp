#include "train/callbacks/callback.hpp"

#include "core/errors.hpp"

namespace loom::callbacks {

template <class T>
CallbackList<T>::CallbackList(std::vector<std::shared_ptr<Callback<T>>> callbacks, Model<T>* model)
    : cbs_(std::move(callbacks)) {
  for (const auto& c : cbs_) {
    if (!c) throw ValueError("CallbackList: callbacks expected non-null callbacks, received a null pointer");
    c->set_model(model);
  }
}

#define LOOM_FORWARD(hook, ...) \
  for (auto& c : cbs_) c->hook(__VA_ARGS__);

template <class T>
void CallbackList<T>::on_train_begin(const Logs& l) { LOOM_FORWARD(on_train_begin, l) }
template <class T>
void CallbackList<T>::on_train_end(const Logs& l) { LOOM_FORWARD(on_train_end, l) }
template <class T>
void CallbackList<T>::on_epoch_begin(std::size_t e, const Logs& l) { LOOM_FORWARD(on_epoch_begin, e, l) }
template <class T>
void CallbackList<T>::on_epoch_end(std::size_t e, Logs& l) { LOOM_FORWARD(on_epoch_end, e, l) }
template <class T>
void CallbackList<T>::on_train_batch_begin(std::size_t b, const Logs& l) { LOOM_FORWARD(on_train_batch_begin, b, l) }
template <class T>
void CallbackList<T>::on_train_batch_end(std::size_t b, const Logs& l) { LOOM_FORWARD(on_train_batch_end, b, l) }
template <class T>
void CallbackList<T>::on_test_begin(const Logs& l) { LOOM_FORWARD(on_test_begin, l) }
template <class T>
void CallbackList<T>::on_test_end(const Logs& l) { LOOM_FORWARD(on_test_end, l) }
template <class T>
void CallbackList<T>::on_test_batch_begin(std::size_t b, const Logs& l) { LOOM_FORWARD(on_test_batch_begin, b, l) }
template <class T>
void CallbackList<T>::on_test_batch_end(std::size_t b, const Logs& l) { LOOM_FORWARD(on_test_batch_end, b, l) }
template <class T>
void CallbackList<T>::on_predict_begin(const Logs& l) { LOOM_FORWARD(on_predict_begin, l) }
template <class T>
void CallbackList<T>::on_predict_end(const Logs& l) { LOOM_FORWARD(on_predict_end, l) }
template <class T>
void CallbackList<T>::on_predict_batch_begin(std::size_t b, const Logs& l) { LOOM_FORWARD(on_predict_batch_begin, b, l) }
template <class T>
void CallbackList<T>::on_predict_batch_end(std::size_t b, const Logs& l) { LOOM_FORWARD(on_predict_batch_end, b, l) }

#undef LOOM_FORWARD

template class Callback<float>;
template class Callback<double>;
template class CallbackList<float>;
template class CallbackList<double>;

}  // namespace loom::callbacks
