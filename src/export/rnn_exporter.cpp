// ONNX export of lstm_classifier and gru_classifier (model/rnn_classifier.h): Gather for
// the embedding, one ONNX LSTM or GRU node per layer (both directions in one node), the
// pooling, Gemm. ONNX's recurrent operators take each row's length (sequence_lens), so, as
// in modlr, padding never enters a step and the backward direction reads each row reversed
// within its own length. The recurrent weights are stored in ONNX's layout under new names
// (rnn.W_l0, rnn.R_l0, rnn.B_l0: directions stacked, gates reordered).
#include "graph_ops.h"
#include "modlr/model/rnn_classifier.h"

namespace modlr {
namespace {

using onnx_ops::GraphOps;

// ONNX's gate order from PyTorch's: LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h.
torch::Tensor onnx_gate_order(const torch::Tensor& stacked, const std::string& cell) {
  const auto gates = stacked.chunk(cell == "lstm" ? 4 : 3, 0);
  if (cell == "lstm") return torch::cat({gates[0], gates[3], gates[1], gates[2]}, 0);
  return torch::cat({gates[1], gates[0], gates[2]}, 0);
}

// W, R, B of layer `layer` in ONNX's layout: [directions, G*H, in], [directions, G*H, H],
// [directions, 2*G*H] (input biases, then recurrent ones).
std::vector<std::string> layer_weights(GraphOps& ops, const RnnClassifierOptions& o, int64_t layer) {
  const auto layer_name = "_l" + std::to_string(layer);
  std::vector<torch::Tensor> w, r, b;
  for (const std::string suffix : {"", "_reverse"}) {
    if (!suffix.empty() && !o.bidirectional) break;
    const auto get = [&](const std::string& kind) {
      return onnx_gate_order(ops.tensor("rnn." + kind + layer_name + suffix).detach(), o.cell);
    };
    w.push_back(get("weight_ih"));
    r.push_back(get("weight_hh"));
    b.push_back(torch::cat({get("bias_ih"), get("bias_hh")}));
  }
  auto& graph = ops.graph();
  return {graph.add_initializer("rnn.W" + layer_name, torch::stack(w)),
          graph.add_initializer("rnn.R" + layer_name, torch::stack(r)),
          graph.add_initializer("rnn.B" + layer_name, torch::stack(b))};
}

// All layers over x [T, N, E]; returns the last layer's Y as [N, T, directions * H] and
// its Y_h as [N, directions * H].
std::pair<std::string, std::string> recur(GraphOps& ops, const RnnClassifierOptions& o, std::string x,
                                          const std::string& sequence_lens) {
  std::string y_h;
  for (int64_t layer = 0; layer < o.layers; ++layer) {
    const auto name = "rnn.l" + std::to_string(layer);
    auto inputs = layer_weights(ops, o, layer);
    inputs.insert(inputs.begin(), x);
    inputs.push_back(sequence_lens);
    std::map<std::string, OnnxAttribute> attributes{
        {"hidden_size", o.hidden_size}, {"direction", std::string(o.bidirectional ? "bidirectional" : "forward")}};
    if (o.cell == "gru") attributes["linear_before_reset"] = int64_t{1};  // PyTorch's GRU
    ops.graph().add_multi_output_node(o.cell == "lstm" ? "LSTM" : "GRU", inputs, {name + ".Y", name + ".Y_h"},
                                      attributes);
    // Y [T, directions, N, H] -> [T, N, directions * H], the next layer's input.
    const auto steps_first =
        ops.op("Transpose", {name + ".Y"}, name + ".Y_t", {{"perm", std::vector<int64_t>{0, 2, 1, 3}}});
    x = ops.op("Reshape", {steps_first, ops.ints("const.shape_0_0_m1", {0, 0, -1})}, name + ".outputs");
    y_h = name + ".Y_h";
  }
  const auto outputs = ops.op("Transpose", {x}, "rnn.outputs", {{"perm", std::vector<int64_t>{1, 0, 2}}});
  // Y_h [directions, N, H] -> [N, directions * H]: forward's state after each row's last
  // token, then backward's after its first.
  const auto rows_first = ops.op("Transpose", {y_h}, "rnn.Y_h_t", {{"perm", std::vector<int64_t>{1, 0, 2}}});
  const auto last = ops.op("Reshape", {rows_first, ops.ints("const.shape_0_m1", {0, -1})}, "rnn.last");
  return {outputs, last};
}

std::string export_rnn_classifier(OnnxGraph& graph, Model& model, const std::string& ids) {
  const auto& o = dynamic_cast<const RnnClassifier&>(model).options();
  GraphOps ops(graph, model);
  const auto lengths = ops.token_lengths(ids);
  const auto embedded = ops.op("Gather", {ops.weight("embedding.weight"), ids}, "embedding");  // [N, T, E]
  const auto steps_first = ops.op("Transpose", {embedded}, "rnn.X", {{"perm", std::vector<int64_t>{1, 0, 2}}});
  const auto sequence_lens = ops.op("Cast", {lengths}, "rnn.sequence_lens", {{"to", int64_t{6}}});  // int32
  const auto [outputs, last] = recur(ops, o, steps_first, sequence_lens);
  std::string features = last;
  if (o.pooling == "mean") {
    features = ops.masked_mean(outputs, ops.valid_steps(ids, lengths), lengths);
  } else if (o.pooling == "max") {
    features = ops.masked_max(outputs, ops.valid_steps(ids, lengths));
  }
  return ops.linear(features, "fc", /*two_dimensional=*/true);
}

}  // namespace

MODLR_REGISTER(onnx_model_exporters, "RnnClassifier",
               [] { return OnnxModelExporter::token_ids(export_rnn_classifier); });

}  // namespace modlr
