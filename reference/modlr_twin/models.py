"""The models, as src/model/mlp.cpp and lenet.cpp: the same layers, created in the same
order (so default initialisation draws the same numbers) with the same state_dict names."""
from collections import OrderedDict

from torch import nn

from .rnn_models import build_rnn_classifier


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


MODELS = {"lenet1": build_lenet1, "lenet5": build_lenet5, "mlp": build_mlp,
          "lstm_classifier": lambda c: build_rnn_classifier(c, "lstm"),
          "gru_classifier": lambda c: build_rnn_classifier(c, "gru")}


def build_model(section):
    name = section.get("name", str)
    if name not in MODELS:
        section.fail("name", "unknown model '%s' (known: %s)" % (name, ", ".join(sorted(MODELS))))
    return MODELS[name](section)
