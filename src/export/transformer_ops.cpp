// The Transformer blocks in ONNX operators (transformer_ops.h).
#include "transformer_ops.h"

#include <cmath>
#include <limits>

namespace modlr::onnx_ops {
namespace {

std::string gelu(GraphOps& ops, const std::string& x, const std::string& name) {
  // x * 0.5 * (1 + erf(x / sqrt(2))), torch::gelu's exact form.
  const auto scaled = ops.op("Div", {x, ops.float_scalar("const.sqrt2", std::sqrt(2.0f))}, name + ".scaled");
  const auto shifted =
      ops.op("Add", {ops.op("Erf", {scaled}, name + ".erf"), ops.float_scalar("const.onef", 1.0f)}, name + ".shifted");
  return ops.op("Mul", {ops.op("Mul", {x, ops.float_scalar("const.half", 0.5f)}, name + ".half"), shifted}, name);
}

std::string feed_forward(GraphOps& ops, const TransformerLayerOptions& o, const std::string& prefix,
                         const std::string& x) {
  const auto inner = ops.linear(x, prefix + ".linear1");
  const auto activated = o.activation == "gelu" ? gelu(ops, inner, prefix + ".activation")
                                                : ops.op("Relu", {inner}, prefix + ".activation");
  return ops.linear(activated, prefix + ".linear2");
}

}  // namespace

std::string attention(GraphOps& ops, const TransformerLayerOptions& o, const std::string& prefix,
                      const std::string& query, const std::string& memory, const std::string& allowed) {
  const int64_t depth = o.d_model / o.heads;
  const auto heads_shape = ops.ints("const.heads_shape", {0, 0, o.heads, depth});
  // The projection of rows `which` (query 0, key 1, value 2) -> [N, heads, steps, depth], as
  // MultiHeadAttentionImpl projects with the chunks of its stacked weights.
  const auto project = [&](const std::string& x, int64_t which, const std::string& name) {
    const auto projected =
        ops.linear(x, ops.weight_rows(prefix + ".in_proj_weight", which, 3),
                   ops.weight_rows(prefix + ".in_proj_bias", which, 3), prefix + "." + name + "_proj");
    const auto split = ops.op("Reshape", {projected, heads_shape}, prefix + "." + name + "_split");
    return ops.op("Transpose", {split}, prefix + "." + name, {{"perm", std::vector<int64_t>{0, 2, 1, 3}}});
  };
  const auto q = project(query, 0, "q"), k = project(memory, 1, "k"), v = project(memory, 2, "v");
  const auto k_t = ops.op("Transpose", {k}, prefix + ".k_t", {{"perm", std::vector<int64_t>{0, 1, 3, 2}}});
  const auto scores = ops.op("Mul",
                             {ops.op("MatMul", {q, k_t}, prefix + ".qk"),
                              ops.float_scalar(prefix + ".scale", 1.0f / std::sqrt(static_cast<float>(depth)))},
                             prefix + ".scores");
  const auto masked =
      ops.op("Where", {allowed, scores, ops.float_scalar("const.minus_inf", -std::numeric_limits<float>::infinity())},
             prefix + ".masked_scores");
  const auto weights = ops.op("Softmax", {masked}, prefix + ".weights", {{"axis", int64_t{-1}}});
  const auto attended = ops.op("MatMul", {weights, v}, prefix + ".attended");  // [N, heads, T, depth]
  const auto steps_first =
      ops.op("Transpose", {attended}, prefix + ".attended_t", {{"perm", std::vector<int64_t>{0, 2, 1, 3}}});
  const auto merged = ops.op("Reshape", {steps_first, ops.ints("const.shape_0_0_m1", {0, 0, -1})}, prefix + ".merged");
  return ops.linear(merged, prefix + ".out_proj");
}

std::string encoder_layer(GraphOps& ops, const TransformerLayerOptions& o, const std::string& prefix,
                          const std::string& x, const std::string& key_allowed) {
  const auto add = [&](const std::string& a, const std::string& b, const char* name) {
    return ops.op("Add", {a, b}, prefix + name);
  };
  const auto self = [&](const std::string& y) { return attention(ops, o, prefix + ".self_attn", y, y, key_allowed); };
  if (o.norm_first) {
    const auto h = add(x, self(ops.layer_norm(x, prefix + ".norm1")), ".h");
    return add(h, feed_forward(ops, o, prefix, ops.layer_norm(h, prefix + ".norm2")), ".out");
  }
  const auto h = ops.layer_norm(add(x, self(x), ".h"), prefix + ".norm1");
  return ops.layer_norm(add(h, feed_forward(ops, o, prefix, h), ".out"), prefix + ".norm2");
}

std::string decoder_layer(GraphOps& ops, const TransformerLayerOptions& o, const std::string& prefix,
                          const std::string& x, const std::string& memory, const std::string& self_allowed,
                          const std::string& memory_allowed) {
  const auto add = [&](const std::string& a, const std::string& b, const char* name) {
    return ops.op("Add", {a, b}, prefix + name);
  };
  const auto self = [&](const std::string& y) { return attention(ops, o, prefix + ".self_attn", y, y, self_allowed); };
  const auto cross = [&](const std::string& y) {
    return attention(ops, o, prefix + ".multihead_attn", y, memory, memory_allowed);
  };
  if (o.norm_first) {
    const auto h1 = add(x, self(ops.layer_norm(x, prefix + ".norm1")), ".h1");
    const auto h2 = add(h1, cross(ops.layer_norm(h1, prefix + ".norm2")), ".h2");
    return add(h2, feed_forward(ops, o, prefix, ops.layer_norm(h2, prefix + ".norm3")), ".out");
  }
  const auto h1 = ops.layer_norm(add(x, self(x), ".h1"), prefix + ".norm1");
  const auto h2 = ops.layer_norm(add(h1, cross(h1), ".h2"), prefix + ".norm2");
  return ops.layer_norm(add(h2, feed_forward(ops, o, prefix, h2), ".out"), prefix + ".norm3");
}

std::string embed(GraphOps& ops, int64_t d_model, const std::string& table, const std::string& positions,
                  const std::string& ids, const std::string& name) {
  const auto embedded = ops.op("Gather", {ops.weight(table), ids}, name + ".lookup");
  const auto scale = static_cast<float>(std::sqrt(static_cast<double>(d_model)));
  const auto scaled = ops.op("Mul", {embedded, ops.float_scalar("const.embedding_scale", scale)}, name + ".scaled");
  const auto steps = ops.op("Shape", {ids}, name + ".steps", {{"start", int64_t{1}}, {"end", int64_t{2}}});
  const auto rows =
      ops.op("Slice", {ops.weight(positions), ops.ints("const.zero1", {0}), steps, ops.ints("const.axis0", {0})},
             name + ".positions");
  return ops.op("Add", {scaled, rows}, name);
}

}  // namespace modlr::onnx_ops
