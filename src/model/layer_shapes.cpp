#include "layer_shapes.h"

#include "modlr/core/error.h"
#include "modlr/model/model.h"

namespace modlr {
namespace {

std::string symbolic_dims_text(const std::vector<std::string>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + dims[i];
  return out + "]";
}

// Shape rules for layers whose kernels do not check an empty batch (batch norm's feature
// count) or that are not needed to run on one.
torch::Tensor meta_batch_norm(int64_t features, const torch::Tensor& x) {
  if (x.dim() < 2 || x.size(1) != features) throw std::invalid_argument("wrong feature count");
  return torch::empty_like(x);
}

torch::Tensor meta_recurrent(int64_t input_size, int64_t hidden_size, bool bidirectional, bool batch_first,
                             const torch::Tensor& x) {
  if (x.dim() != 3 || x.size(2) != input_size) throw std::invalid_argument("wrong input size");
  auto sizes = x.sizes().vec();
  sizes[2] = hidden_size * (bidirectional ? 2 : 1);
  (void)batch_first;  // the output keeps the input's [N, L] / [L, N] order either way
  return torch::empty(sizes, x.options());
}

template <typename Options>
std::string rnn_expectation(const Options& o) {
  const auto features = std::to_string(o.input_size());
  return o.batch_first() ? symbolic_dims_text({"N", "L", features}) : symbolic_dims_text({"L", "N", features});
}

// "[64, 1, 28, 28]"; an empty batch (a shape pass) as "[N, 1, 28, 28]".
std::string shape_text(const torch::Tensor& t) {
  std::vector<std::string> dims;
  for (const auto size : t.sizes()) dims.push_back(std::to_string(size));
  if (!dims.empty() && t.size(0) == 0) dims[0] = "N";  // a shape pass's empty batch
  return symbolic_dims_text(dims);
}

}  // namespace

std::string expected_input(const torch::nn::Module& layer) {
  namespace nn = torch::nn;
  if (const auto* l = dynamic_cast<const nn::LinearImpl*>(&layer))
    return symbolic_dims_text({"N", std::to_string(l->options.in_features())});
  if (const auto* c = dynamic_cast<const nn::Conv2dImpl*>(&layer))
    return symbolic_dims_text({"N", std::to_string(c->options.in_channels()), "H", "W"});
  if (const auto* c = dynamic_cast<const nn::Conv1dImpl*>(&layer))
    return symbolic_dims_text({"N", std::to_string(c->options.in_channels()), "L"});
  if (const auto* c = dynamic_cast<const nn::ConvTranspose2dImpl*>(&layer))
    return symbolic_dims_text({"N", std::to_string(c->options.in_channels()), "H", "W"});
  if (const auto* b = dynamic_cast<const nn::BatchNorm2dImpl*>(&layer))
    return symbolic_dims_text({"N", std::to_string(b->options.num_features()), "H", "W"});
  if (const auto* b = dynamic_cast<const nn::BatchNorm1dImpl*>(&layer))
    return symbolic_dims_text({"N", std::to_string(b->options.num_features())});
  if (const auto* r = dynamic_cast<const nn::LSTMImpl*>(&layer)) return rnn_expectation(r->options);
  if (const auto* r = dynamic_cast<const nn::GRUImpl*>(&layer)) return rnn_expectation(r->options);
  if (dynamic_cast<const nn::EmbeddingImpl*>(&layer)) return "int64 token ids [N, L]";
  return "";
}

torch::Tensor forward_layer(const std::string& name, torch::nn::AnyModule& layer, const torch::Tensor& x) {
  namespace nn = torch::nn;
  const auto& module = *layer.ptr();
  try {
    if (x.dim() > 0 && x.size(0) == 0) {  // a shape pass: the rules that an empty batch skips
      if (const auto* b = dynamic_cast<const nn::BatchNorm2dImpl*>(&module))
        return meta_batch_norm(b->options.num_features(), x);
      if (const auto* b = dynamic_cast<const nn::BatchNorm1dImpl*>(&module))
        return meta_batch_norm(b->options.num_features(), x);
      if (const auto* r = dynamic_cast<const nn::LSTMImpl*>(&module)) {
        const auto& o = r->options;
        return meta_recurrent(o.input_size(), o.hidden_size(), o.bidirectional(), o.batch_first(), x);
      }
      if (const auto* r = dynamic_cast<const nn::GRUImpl*>(&module)) {
        const auto& o = r->options;
        return meta_recurrent(o.input_size(), o.hidden_size(), o.bidirectional(), o.batch_first(), x);
      }
    }
    return layer.forward(x);
  } catch (const std::exception& e) {
    const auto type = layer_type_name(module);
    const auto expects = expected_input(module);
    const auto dtype = std::string(" ") + std::string(c10::toString(x.scalar_type()));
    if (!expects.empty())
      throw Error("layer '" + name + "' (" + type + ") expects " + expects + ", gets" + dtype + " " + shape_text(x));
    throw Error("layer '" + name + "' (" + type + ") cannot take" + dtype + " " + shape_text(x) + ": " +
                first_line_of(e));
  }
}

}  // namespace modlr
