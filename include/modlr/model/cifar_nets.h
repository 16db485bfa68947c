#pragma once
/// Convolutional networks for CIFAR-10-sized colour images (3 x 32 x 32 by default).
///
/// cnn_cifar: three blocks conv3x3 (padding 1) - ReLU - 2x2 max pool with 32, 64, 128
/// channels, then flatten - fc1 (-> 256) - ReLU - dropout - fc2 (-> classes).
/// Layers: conv1 relu1 pool1 conv2 relu2 pool2 conv3 relu3 pool3 flatten fc1 relu4
/// [dropout] fc2.
///
/// vgg16: VGG-16 with batch normalisation (configuration D of Simonyan & Zisserman 2015,
/// as torchvision's vgg16_bn features): 13 conv3x3 (padding 1, with bias) each followed by
/// BatchNorm2d and ReLU, in five stages of 64, 64 | 128, 128 | 256 x3 | 512 x3 | 512 x3
/// channels, each stage ending in a 2x2 max pool; a 32 x 32 input leaves 512 x 1 x 1. The
/// classifier is flatten - dropout - fc (512 * side^2 -> classes), the small head usual for
/// CIFAR (the ImageNet head's 4096-wide layers would add 120 M parameters for 1 x 1 maps).
/// Layers: conv1_1 bn1_1 relu1_1 conv1_2 bn1_2 relu1_2 pool1 conv2_1 ... pool5 flatten
/// [dropout] fc.
///
/// Both: a dropout layer exists only when dropout > 0 (it has no parameters, so the
/// state_dict names do not change). Pools are MaxPool2x2 (bitwise nn.MaxPool2d(2)).
///
/// Config (model section): name: cnn_cifar | vgg16, in_channels: 3, input_size: 32 (square
/// side in pixels), classes: 10, dropout: 0.5 (in [0, 1)).
/// Input [N, in_channels, input_size, input_size]; output [N, classes] logits.
#include "modlr/model/model.h"

namespace modlr {

struct CifarNetOptions {
  int64_t in_channels = 3;
  int64_t input_size = 32;
  int64_t classes = 10;
  double dropout = 0.5;
};

class CnnCifar : public SequentialModel {
 public:
  explicit CnnCifar(const CifarNetOptions& options);
};

class Vgg16 : public SequentialModel {
 public:
  explicit Vgg16(const CifarNetOptions& options);
};

}  // namespace modlr
