"""ModelSet, as src/model/model_set.cpp: the experiment's models by name, in config order
("model" for a single model; "generator", "discriminator" for a GAN), with a forward()
that adds its time to a clock so the runner can report forward time apart from loss time."""
import time
from collections import OrderedDict


class ModelSet:
    def __init__(self):
        self.models = OrderedDict()
        self.forward_seconds = 0.0

    def add(self, name, model):
        if name in self.models:
            raise ValueError("model '%s' is defined twice" % name)
        self.models[name] = model

    def names(self):
        return list(self.models)

    def get(self, name):
        if name not in self.models:
            raise ValueError("no model named '%s' (models: %s)" % (name, ", ".join(self.models)))
        return self.models[name]

    def only(self):
        if len(self.models) != 1:
            raise ValueError("this loss needs exactly one model, the experiment has %d"
                             % len(self.models))
        return next(iter(self.models.values()))

    def forward(self, name_or_x, x=None):
        """forward(x) runs the only model; forward(name, x) the named one."""
        model = self.only() if x is None else self.get(name_or_x)
        start = time.perf_counter()
        y = model(name_or_x if x is None else x)
        self.forward_seconds += time.perf_counter() - start
        return y

    def train(self, on):
        for model in self.models.values():
            model.train(on)

    def items(self):
        return self.models.items()

    def values(self):
        return self.models.values()

    def tensors(self):
        """state_dict of every model: plain names with one model, "<model>.<name>" with
        several (as save_safetensors names them)."""
        if len(self.models) == 1:
            return next(iter(self.models.values())).state_dict()
        out = OrderedDict()
        for name, model in self.models.items():
            for key, value in model.state_dict().items():
                out[name + "." + key] = value
        return out
