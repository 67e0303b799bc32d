// export_onnx: the model's layers lowered one after another into one ONNX graph, serialized by
// protobuf (the ONNX schema compiled by protoc) and written atomically.
#include "saving/onnx_export.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "core/errors.hpp"
#include "saving/onnx_detail.hpp"
#include "train/io/atomic_file.hpp"

namespace loom {

namespace {

void set_type(onnx::ValueInfoProto& v, const std::string& name, const OnnxShape& shape) {
  v.set_name(name);
  auto* t = v.mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  auto* s = t->mutable_shape();
  for (const auto& d : shape) {
    auto* dim = s->add_dim();
    if (d.param.empty()) dim->set_dim_value(d.size);
    else dim->set_dim_param(d.param);
  }
}

}  // namespace

template <class T>
void export_onnx(const Sequential<T>& model, const std::string& path, const OnnxExportOptions& options) {
  if (options.opset < 14 || options.opset > 17)
    throw ValueError("export_onnx: opset 14 to 17 expected (14 gives the recurrent operators' current form, 17 is "
                     "the newest Debian's onnx 1.12 checks), received " + std::to_string(options.opset));
  if (options.input_name.empty() || options.output_name.empty() || options.input_name == options.output_name)
    throw ValueError("export_onnx: input_name and output_name expected non-empty and different, received '" +
                     options.input_name + "' and '" + options.output_name + "'");
  const auto& layers = model.layers();
  if (layers.empty()) throw ValueError("export_onnx: model '" + model.name() + "' expected layers, received none");
  if (!std::all_of(layers.begin(), layers.end(), [](const auto& l) { return l->built(); }))
    throw ValueError("export_onnx: model '" + model.name() + "' expected built (call it, fit it or build it first), "
                     "received an unbuilt model");
  if (!options.dynamic_batch && options.batch_size == 0)
    throw ValueError("export_onnx: batch_size expected > 0 with dynamic_batch=false, received 0");

  // The input's shape: batch, then timesteps for sequence inputs, then the built features. A rank-2
  // input is (batch, timesteps) when the first layer does not fix its last axis (Embedding's ids).
  const Shape& built = layers.front()->build_input_shape();
  const bool has_time = built.rank() == 3 || (built.rank() == 2 && !layers.front()->input_features_fixed());
  OnnxShape in;
  for (std::size_t i = 0; i < built.rank(); ++i) {
    const auto n = static_cast<std::int64_t>(built.dim(static_cast<long>(i)));
    if (i == 0) in.push_back(options.dynamic_batch ? OnnxDim{-1, "batch"}
                                                   : OnnxDim{static_cast<std::int64_t>(options.batch_size), ""});
    else if (i == 1 && has_time && options.dynamic_sequence) in.push_back({-1, "sequence"});
    else in.push_back({n, ""});
  }

  auto impl = std::make_unique<OnnxLowering::Impl>();
  impl->options = options;
  impl->graph.set_name(options.graph_name.empty() ? model.name() : options.graph_name);
  set_type(*impl->graph.add_input(), options.input_name, in);
  impl->value = options.input_name;
  impl->shape = in;
  OnnxLowering g(std::move(impl));
  for (const auto& layer : layers) {
    g.impl().layer = layer->name();
    layer->onnx_lowering(g);
  }
  g.impl().layer.clear();
  auto* out = g.impl().graph.add_node();
  out->set_op_type("Identity");
  out->set_name("output");
  out->add_input(g.input());
  out->add_output(options.output_name);
  set_type(*g.impl().graph.add_output(), options.output_name, g.input_shape());

  onnx::ModelProto m;
  m.set_ir_version(8);  // the IR of opsets 14..17 (onnx 1.9 to 1.12)
  m.set_producer_name("loom");
  m.set_producer_version(LOOM_VERSION_STRING);
  m.set_doc_string("exported by loom's export_onnx from model '" + model.name() + "'");
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(options.opset);
  *m.mutable_graph() = std::move(g.impl().graph);
  std::string bytes;
  if (!m.SerializeToString(&bytes)) throw IOError("export_onnx: could not serialize the ONNX model for '" + path + "'");
  io::write_file_atomic(path, bytes);
}

template void export_onnx<float>(const Sequential<float>&, const std::string&, const OnnxExportOptions&);
template void export_onnx<double>(const Sequential<double>&, const std::string&, const OnnxExportOptions&);

}  // namespace loom
