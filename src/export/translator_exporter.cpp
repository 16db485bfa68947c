// ONNX export of transformer_translator (model/transformer_translator.h) teacher-forced:
// inputs "input" (source ids [batch, sequence]) and "prefix" (target ids [batch,
// prefix_sequence], <bos> first), output the next-token logits [batch, prefix steps,
// target vocabulary], as TransformerTranslator::decode(encode(source), prefix) computes
// them. A search (greedy or beam) runs the graph once per output token.
#include "modlr/model/transformer_translator.h"
#include "transformer_ops.h"

namespace modlr {
namespace {

using onnx_ops::GraphOps;

std::string export_translator(OnnxGraph& graph, Model& model, const std::string& source) {
  const auto& o = dynamic_cast<const TransformerTranslator&>(model).options();
  GraphOps ops(graph, model);
  const bool learned = o.positions == "learned";
  // Source: padding after each row's length, as lengths_and_cut reads it.
  const auto source_valid = ops.valid_steps(source, ops.token_lengths(source, "source"), "source");
  const auto memory_allowed =
      ops.op("Unsqueeze", {source_valid, ops.ints("const.axes12", {1, 2})}, "source.key_allowed");  // [N, 1, 1, S]
  auto memory = onnx_ops::embed(ops, o.layer.d_model, "source_embedding.weight",
                                learned ? "source_positions.weight" : "positions_table", source, "source_embedded");
  for (int64_t k = 0; k < o.encoder_layers; ++k)
    memory = onnx_ops::encoder_layer(ops, o.layer, "encoder." + std::to_string(k), memory, memory_allowed);
  if (o.layer.norm_first) memory = ops.layer_norm(memory, "encoder_norm");

  // Prefix: a key is padding where its id is 0; query t sees keys 0..t (causal).
  const std::string prefix = "prefix";
  const auto keys = ops.op("Not", {ops.op("Equal", {prefix, ops.int_scalar("const.zero", 0)}, "prefix.is_padding")},
                           "prefix.is_token");
  const auto steps = ops.step_range(prefix, "prefix");
  const auto causal = ops.op("GreaterOrEqual",
                             {ops.op("Unsqueeze", {steps, ops.ints("const.axis1", {1})}, "prefix.query_steps"),
                              ops.op("Unsqueeze", {steps, ops.ints("const.axis0", {0})}, "prefix.key_steps")},
                             "prefix.causal");  // [T, T]
  const auto self_allowed =
      ops.op("And", {ops.op("Unsqueeze", {keys, ops.ints("const.axes12", {1, 2})}, "prefix.key_allowed"), causal},
             "prefix.allowed");  // [N, 1, T, T]
  auto h = onnx_ops::embed(ops, o.layer.d_model, "target_embedding.weight",
                           learned ? "target_positions.weight" : "positions_table", prefix, "target_embedded");
  for (int64_t k = 0; k < o.decoder_layers; ++k)
    h = onnx_ops::decoder_layer(ops, o.layer, "decoder." + std::to_string(k), h, memory, self_allowed, memory_allowed);
  if (o.layer.norm_first) h = ops.layer_norm(h, "decoder_norm");
  return ops.linear(h, o.tie_embeddings ? "target_embedding.weight" : "generator.weight", "generator.bias", "logits");
}

}  // namespace

MODLR_REGISTER(onnx_model_exporters, "TransformerTranslator", [] {
  auto exporter = OnnxModelExporter::token_ids(export_translator);
  exporter.more_inputs = {"prefix"};
  exporter.output_dims = [](Model& model) -> std::vector<int64_t> {
    return {1, dynamic_cast<const TransformerTranslator&>(model).options().target_vocab_size};
  };
  return exporter;
});

}  // namespace modlr
