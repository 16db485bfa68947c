#pragma once
/// What a data source does to its raw inputs before the model sees them, so that
/// `modlr export --with-preprocessing` can put it into the ONNX graph and a deployed model
/// takes raw data (pixels 0..255) instead of normalised tensors. No torch here.
#include <string>
#include <vector>

namespace modlr {

/// model_input = (float32(raw) / scale - mean[c]) / std[c], element-wise in float32, c the
/// index along axis 1 (an image's channel, a table's feature column). `mean` and `std` are
/// both empty (no normalisation) or both hold one value per index of axis 1.
struct InputNormalization {
  std::string raw_dtype = "float32";  ///< "uint8" (image pixels) or "float32"
  double scale = 1.0;                 ///< > 0; 1 = no scaling
  std::vector<double> mean;
  std::vector<double> std;
};

}  // namespace modlr
