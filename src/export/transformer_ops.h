#pragma once
// The Transformer blocks of model/transformer.h in ONNX opset 17's operators, for the
// whole-model exporters (transformer_exporter.cpp, translator_exporter.cpp). Attention is
// written out (MatMul, Where on the mask, Softmax, MatMul), layer norm is
// LayerNormalization, GELU its erf form (ONNX's Gelu needs opset 20). Parameters keep their
// state_dict names. Private to src/export.
#include <string>

#include "graph_ops.h"
#include "modlr/model/transformer.h"

namespace modlr::onnx_ops {

/// The multi-head attention at `prefix` ("layers.0.self_attn"): query [N, T, E] attends to
/// memory [N, S, E] (the query itself for self-attention); allowed: bool broadcastable to
/// [N, heads, T, S], false where a key is masked. Returns [N, T, E].
std::string attention(GraphOps& ops, const TransformerLayerOptions& o, const std::string& prefix,
                      const std::string& query, const std::string& memory, const std::string& allowed);

/// One TransformerEncoderLayer at `prefix` in evaluation mode; key_allowed [N, 1, 1, T].
std::string encoder_layer(GraphOps& ops, const TransformerLayerOptions& o, const std::string& prefix,
                          const std::string& x, const std::string& key_allowed);

/// One TransformerDecoderLayer at `prefix` in evaluation mode: self_allowed [N, 1, T, T]
/// (causal and target padding), memory_allowed [N, 1, 1, S] (source padding).
std::string decoder_layer(GraphOps& ops, const TransformerLayerOptions& o, const std::string& prefix,
                          const std::string& x, const std::string& memory, const std::string& self_allowed,
                          const std::string& memory_allowed);

/// ids [N, T] -> table[ids] x sqrt(d_model) + the first T rows of `positions` -> [N, T, d];
/// values named `name`.*.
std::string embed(GraphOps& ops, int64_t d_model, const std::string& table, const std::string& positions,
                  const std::string& ids, const std::string& name);

}  // namespace modlr::onnx_ops
