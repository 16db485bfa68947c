"""The models, as src/model/mlp.cpp, lenet.cpp, cifar_nets.cpp and dcgan.cpp: the same layers, created in the same
order (so default initialisation draws the same numbers) with the same state_dict names."""
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from .rnn_models import build_rnn_classifier
from .transformer_models import build_transformer_classifier
from .translation_model import build_transformer_translator


def make_activation(name):
    return {"relu": nn.ReLU, "tanh": nn.Tanh}[name]()


def make_pool(kind):
    return nn.AvgPool2d(2) if kind == "avg" else nn.MaxPool2d(2)


def conv_pool_side(side, padding):
    """Side length after a 5x5 convolution with `padding` then a 2x2 pool."""
    return (side + 2 * padding - 4) // 2


def build_mlp(c):
    sizes = c.get("sizes", [int])
    if len(sizes) < 2:
        c.fail("sizes", "needs at least an input and an output size")
    for size in sizes:
        if size <= 0:
            c.fail("sizes", "sizes must be > 0, got %d" % size)
    activation = c.get_choice("activation", "relu", ["relu", "tanh"])
    dropout = c.get("dropout", float, 0.0)
    if dropout < 0 or dropout >= 1:
        c.fail("dropout", "must be in [0, 1)")
    layers = [("flatten", nn.Flatten())]
    for i in range(len(sizes) - 1):
        index = str(i + 1)
        layers.append(("fc" + index, nn.Linear(sizes[i], sizes[i + 1])))
        if i + 2 == len(sizes):
            break  # no activation after the output layer
        layers.append((activation + index, make_activation(activation)))
        if dropout > 0:
            layers.append(("dropout" + index, nn.Dropout(dropout)))
    return nn.Sequential(OrderedDict(layers))


def read_lenet_options(c, default_padding):
    o = {"activation": c.get_choice("activation", "relu", ["relu", "tanh"]),
         "pool": c.get_choice("pool", "max", ["max", "avg"]),
         "in_channels": c.get_count("in_channels", 1),
         "input_size": c.get_count("input_size", 28),
         "padding": c.get_count("padding", default_padding, allow_zero=True),
         "classes": c.get_count("classes", 10)}
    if conv_pool_side(conv_pool_side(o["input_size"], o["padding"]), 0) <= 0:
        c.fail("input_size", "too small for two 5x5 convolutions and 2x2 pools")
    return o


def _lenet_features(o, width1, width2):
    return [("conv1", nn.Conv2d(o["in_channels"], width1, 5, padding=o["padding"])),
            ("act1", make_activation(o["activation"])),
            ("pool1", make_pool(o["pool"])),
            ("conv2", nn.Conv2d(width1, width2, 5)),
            ("act2", make_activation(o["activation"])),
            ("pool2", make_pool(o["pool"])),
            ("flatten", nn.Flatten())]


def build_lenet1(c):
    o = read_lenet_options(c, 0)
    side = conv_pool_side(conv_pool_side(o["input_size"], o["padding"]), 0)
    layers = _lenet_features(o, 4, 12) + [("fc1", nn.Linear(12 * side * side, o["classes"]))]
    return nn.Sequential(OrderedDict(layers))


def build_lenet5(c):
    o = read_lenet_options(c, 2)
    side = conv_pool_side(conv_pool_side(o["input_size"], o["padding"]), 0)
    layers = _lenet_features(o, 6, 16) + [
        ("fc1", nn.Linear(16 * side * side, 120)), ("act3", make_activation(o["activation"])),
        ("fc2", nn.Linear(120, 84)), ("act4", make_activation(o["activation"])),
        ("fc3", nn.Linear(84, o["classes"]))]
    return nn.Sequential(OrderedDict(layers))


# ---- CIFAR-10 networks, as src/model/cifar_nets.cpp ------------------------------------

def read_cifar_net_options(c, pools):
    o = {"in_channels": c.get_count("in_channels", 3),
         "input_size": c.get_count("input_size", 32),
         "classes": c.get_count("classes", 10),
         "dropout": c.get("dropout", float, 0.5)}
    if o["dropout"] < 0 or o["dropout"] >= 1:
        c.fail("dropout", "must be in [0, 1)")
    if o["input_size"] >> pools <= 0:
        c.fail("input_size", "too small for %d 2x2 pools (needs >= %d)" % (pools, 1 << pools))
    return o


def conv3x3(inputs, outputs):
    return nn.Conv2d(inputs, outputs, 3, padding=1)


def build_cnn_cifar(c):
    o = read_cifar_net_options(c, 3)
    layers, inputs = [], o["in_channels"]
    for block, width in enumerate((32, 64, 128), start=1):
        layers += [("conv%d" % block, conv3x3(inputs, width)), ("relu%d" % block, nn.ReLU()),
                   ("pool%d" % block, nn.MaxPool2d(2))]
        inputs = width
    side = o["input_size"] >> 3
    layers += [("flatten", nn.Flatten()), ("fc1", nn.Linear(128 * side * side, 256)),
               ("relu4", nn.ReLU())]
    if o["dropout"] > 0:
        layers.append(("dropout", nn.Dropout(o["dropout"])))
    layers.append(("fc2", nn.Linear(256, o["classes"])))
    return nn.Sequential(OrderedDict(layers))


VGG16_STAGES = ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512))


def build_vgg16(c):
    o = read_cifar_net_options(c, 5)
    layers, inputs = [], o["in_channels"]
    for stage, widths in enumerate(VGG16_STAGES, start=1):
        for layer, width in enumerate(widths, start=1):
            index = "%d_%d" % (stage, layer)
            layers += [("conv" + index, conv3x3(inputs, width)), ("bn" + index, nn.BatchNorm2d(width)),
                       ("relu" + index, nn.ReLU())]
            inputs = width
        layers.append(("pool%d" % stage, nn.MaxPool2d(2)))
    side = o["input_size"] >> 5
    layers.append(("flatten", nn.Flatten()))
    if o["dropout"] > 0:
        layers.append(("dropout", nn.Dropout(o["dropout"])))
    layers.append(("fc", nn.Linear(512 * side * side, o["classes"])))
    return nn.Sequential(OrderedDict(layers))


def _read_dcgan_options(c, generator):
    """As read_dcgan_options in src/model/dcgan.cpp (same keys, same order). With `classes`
    K > 0 the generator takes [noise, one_hot(class)] and the discriminator returns 1 + K
    logits (real/generated, then the classes: an ACGAN's, optim.py AcganLoss)."""
    o = {}
    if generator:
        o["latent_size"] = c.get_count("latent_size", 100)
    o["features"] = c.get_count("features", 64)
    o["channels"] = c.get_count("channels", 1)
    o["image_size"] = c.get_count("image_size", 28)
    o["classes"] = c.get_count("classes", 0, allow_zero=True)
    if o["image_size"] % 4 != 0:
        c.fail("image_size", "must be a multiple of 4 (two stride-2 stages)")
    if not generator:
        o["dropout"] = c.get("dropout", float, 0.0)
        if o["dropout"] < 0 or o["dropout"] >= 1:
            c.fail("dropout", "must be in [0, 1)")
    return o


def _dcgan_init(model):
    """The DCGAN paper's initialisation, layer by layer, after the default init."""
    with torch.no_grad():
        for layer in model.children():
            if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(layer.weight, 0.0, 0.02)
            elif isinstance(layer, nn.BatchNorm2d):
                nn.init.normal_(layer.weight, 1.0, 0.02)
                nn.init.zeros_(layer.bias)
    return model


def conditional_input(noise, labels, classes):
    """[noise, one_hot(labels, classes)] as a conditional generator's input, as
    src/model/dcgan.cpp's conditional_input (include/modlr/model/conditional.h)."""
    if noise.dim() != 2 or labels.dim() != 1 or labels.size(0) != noise.size(0) or classes <= 0:
        raise ValueError("conditional generator input: expected noise [N, latent] and labels [N], got %s and %s"
                         % (list(noise.shape), list(labels.shape)))
    if labels.numel() > 0 and (int(labels.min()) < 0 or int(labels.max()) >= classes):
        raise ValueError("conditional generator input: a label outside [0, %d)" % classes)
    return torch.cat([noise, F.one_hot(labels, classes).to(noise.dtype)], 1)


def build_dcgan_generator(c):
    o = _read_dcgan_options(c, True)
    side, f, latent = o["image_size"] // 4, o["features"], o["latent_size"]
    inputs = latent + o["classes"]  # a conditional generator: noise, then the one-hot class
    model = nn.Sequential(OrderedDict([
        ("unflatten", nn.Unflatten(1, (inputs, 1, 1))),
        ("deconv1", nn.ConvTranspose2d(inputs, 2 * f, side, 1, 0, bias=False)),
        ("bn1", nn.BatchNorm2d(2 * f)), ("relu1", nn.ReLU()),
        ("deconv2", nn.ConvTranspose2d(2 * f, f, 4, 2, 1, bias=False)),
        ("bn2", nn.BatchNorm2d(f)), ("relu2", nn.ReLU()),
        ("deconv3", nn.ConvTranspose2d(f, o["channels"], 4, 2, 1)),
        ("tanh", nn.Tanh())]))
    model.input_shape = [inputs]  # Model::input_shape: fed noise (and a one-hot class), not data
    model.classes = o["classes"]  # ConditionalGenerator::classes (0: unconditional)
    return _dcgan_init(model)


def build_dcgan_discriminator(c):
    o = _read_dcgan_options(c, False)
    side, f = o["image_size"] // 4, o["features"]
    layers = [("conv1", nn.Conv2d(o["channels"], f, 4, 2, 1)), ("act1", nn.LeakyReLU(0.2))]
    if o["dropout"] > 0:
        layers.append(("dropout1", nn.Dropout(o["dropout"])))
    layers += [("conv2", nn.Conv2d(f, 2 * f, 4, 2, 1, bias=False)), ("bn2", nn.BatchNorm2d(2 * f)),
               ("act2", nn.LeakyReLU(0.2))]
    if o["dropout"] > 0:
        layers.append(("dropout2", nn.Dropout(o["dropout"])))
    layers += [("flatten", nn.Flatten()), ("fc", nn.Linear(2 * f * side * side, 1 + o["classes"]))]
    return _dcgan_init(nn.Sequential(OrderedDict(layers)))


MODELS = {"lenet1": build_lenet1, "lenet5": build_lenet5, "mlp": build_mlp,
          "cnn_cifar": build_cnn_cifar, "vgg16": build_vgg16,
          "dcgan_generator": build_dcgan_generator,
          "dcgan_discriminator": build_dcgan_discriminator,
          "lstm_classifier": lambda c: build_rnn_classifier(c, "lstm"),
          "gru_classifier": lambda c: build_rnn_classifier(c, "gru"),
          "transformer_classifier": build_transformer_classifier,
          "transformer_translator": build_transformer_translator}


def build_model(section):
    name = section.get("name", str)
    if name not in MODELS:
        section.fail("name", "unknown model '%s' (known: %s)" % (name, ", ".join(sorted(MODELS))))
    return MODELS[name](section)
