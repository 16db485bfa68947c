#pragma once
/// LeNet-1 and LeNet-5 (LeCun et al. 1989, 1998) for single-channel images.
///
/// LeNet-5: conv1 (in->6, 5x5, padding 2 by default so 28x28 inputs keep the classic 32x32
/// geometry) - act - pool - conv2 (6->16, 5x5) - act - pool - flatten - fc1 (->120) - act -
/// fc2 (->84) - act - fc3 (->classes).
/// LeNet-1: conv1 (in->4, 5x5) - act - pool - conv2 (4->12, 5x5) - act - pool - flatten -
/// fc1 (->classes).
///
/// Config (model section): name: lenet1|lenet5, activation: relu|tanh, pool: max|avg,
/// in_channels: 1, input_size: 28 (square side in pixels), padding (first conv), classes: 10.
/// Input [N, in_channels, input_size, input_size]; output [N, classes] logits.
#include "modlr/model/model.h"

namespace modlr {

struct LeNetOptions {
  std::string activation = "relu";
  std::string pool = "max";
  int64_t in_channels = 1;
  int64_t input_size = 28;
  int64_t padding = 0;
  int64_t classes = 10;
};

class LeNet1 : public SequentialModel {
 public:
  explicit LeNet1(const LeNetOptions& options);
};

class LeNet5 : public SequentialModel {
 public:
  explicit LeNet5(const LeNetOptions& options);
};

}  // namespace modlr
