// ONNX export of transformer_classifier (model/transformer.h): its blocks in opset 17's
// operators (transformer_ops.h), then pooling and the classifier.
#include "modlr/model/transformer.h"
#include "transformer_ops.h"

namespace modlr {
namespace {

using onnx_ops::GraphOps;

std::string export_transformer_classifier(OnnxGraph& graph, Model& model, const std::string& ids) {
  const auto& o = dynamic_cast<const TransformerClassifier&>(model).options();
  GraphOps ops(graph, model);
  const auto lengths = ops.token_lengths(ids);
  const auto valid = ops.valid_steps(ids, lengths);
  const auto key_allowed = ops.op("Unsqueeze", {valid, ops.ints("const.axes12", {1, 2})}, "tokens.key_allowed");
  auto h = onnx_ops::embed(ops, o.layer.d_model, "embedding.weight",
                           o.positions == "learned" ? "positions.weight" : "positions_table", ids, "embedding");
  for (int64_t k = 0; k < o.layers; ++k)
    h = onnx_ops::encoder_layer(ops, o.layer, "layers." + std::to_string(k), h, key_allowed);
  if (o.layer.norm_first) h = ops.layer_norm(h, "norm");
  const auto pooled = o.pooling == "first" ? ops.op("Gather", {h, ops.int_scalar("const.index0", 0)}, "pool.first",
                                                    {{"axis", int64_t{1}}})
                      : o.pooling == "max" ? ops.masked_max(h, valid)
                                           : ops.masked_mean(h, valid, lengths);
  return ops.linear(pooled, "fc", /*two_dimensional=*/true);
}

}  // namespace

MODLR_REGISTER(onnx_model_exporters, "TransformerClassifier",
               [] { return OnnxModelExporter::token_ids(export_transformer_classifier); });

}  // namespace modlr
