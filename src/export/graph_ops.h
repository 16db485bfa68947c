#pragma once
// Compound ONNX operations the whole-model exporters share (token lengths and masks,
// linear layers over any rank, layer norm, masked mean), on top of OnnxGraph. Private to
// src/export. Every value a helper adds is named after the `name` it is given, so the
// names stay unique as long as the callers' prefixes are ("layers.0.self_attn").
#include <set>
#include <string>
#include <vector>

#include "modlr/export/onnx.h"

namespace modlr::onnx_ops {

class GraphOps {
 public:
  GraphOps(OnnxGraph& graph, Model& model);

  OnnxGraph& graph() { return graph_; }
  /// Adds a node (OnnxGraph::add_node).
  std::string op(const std::string& type, const std::vector<std::string>& inputs, const std::string& output,
                 const std::map<std::string, OnnxAttribute>& attributes = {});
  /// The model's parameter or buffer `name` as an initializer of that name (added once).
  std::string weight(const std::string& name);
  /// Part `chunk` of `chunks` equal row blocks of the model's tensor `name` (a stacked
  /// projection's query, key or value rows) as the initializer "<name>.<chunk>", added once.
  std::string weight_rows(const std::string& name, int64_t chunk, int64_t chunks);
  /// The model's parameter or buffer `name` itself; throws naming it when the model has none.
  torch::Tensor tensor(const std::string& name) const;
  /// An int64 1-D constant (shapes, axes), added once per name.
  std::string ints(const std::string& name, const std::vector<int64_t>& values);
  /// An int64 scalar constant (Gather indices, Range bounds), added once per name.
  std::string int_scalar(const std::string& name, int64_t value);
  /// A float32 scalar constant, added once per name.
  std::string float_scalar(const std::string& name, float value);

  /// x [..., in] -> x W^T + b [..., out] with the model's `prefix`.weight [out, in] and
  /// `prefix`.bias (Gemm for 2-D inputs, else MatMul with the transposed weight, then Add).
  /// The weight and bias may also be initializers weight_rows() added.
  std::string linear(const std::string& x, const std::string& prefix, bool two_dimensional = false);
  /// linear() with the weight and bias named apart (in_proj_weight, in_proj_bias); the
  /// result is the value `output`.
  std::string linear(const std::string& x, const std::string& weight_name, const std::string& bias_name,
                     const std::string& output, bool two_dimensional = false);
  /// LayerNormalization over the last axis with `prefix`.weight and `prefix`.bias (eps 1e-5,
  /// torch's default).
  std::string layer_norm(const std::string& x, const std::string& prefix);

  /// Token ids int64 [N, T] (right-padded with 0) -> each row's length int64 [N]: its count
  /// of non-zero ids, at least 1 (as model/token_ids.h). Values are named `name`.*, one
  /// name per ids input.
  std::string token_lengths(const std::string& ids, const std::string& name = "tokens");
  /// bool [N, T]: step t of row i is within lengths[i].
  std::string valid_steps(const std::string& ids, const std::string& lengths, const std::string& name = "tokens");
  /// 0, 1, ..., T - 1 (int64 [T]) for ids [N, T].
  std::string step_range(const std::string& ids, const std::string& name);
  /// outputs [N, T, D] averaged over each row's valid steps -> [N, D].
  std::string masked_mean(const std::string& outputs, const std::string& valid, const std::string& lengths);
  /// outputs [N, T, D]: the max over each row's valid steps -> [N, D].
  std::string masked_max(const std::string& outputs, const std::string& valid);

 private:
  OnnxGraph& graph_;
  Model& model_;
  std::set<std::string> constants_;
};

}  // namespace modlr::onnx_ops
