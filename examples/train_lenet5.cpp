// modlr as a library, no YAML: LeNet-5 on Fashion-MNIST with every MODLR component built
// from code (data source, Dataset, model, loss, optimizer, runner), then tested.
//   train_lenet5 [DATA_DIR] [EPOCHS]
// DATA_DIR holds the four IDX files (default /usr/share/datasets/fashion-mnist, Debian's
// dataset-fashion-mnist); EPOCHS defaults to 1. Prints each epoch and the test accuracy.
#include <iostream>
#include <string>

#include "modlr/dataset/idx_source.h"
#include "modlr/loss/supervised.h"
#include "modlr/model/lenet.h"
#include "modlr/optimizer/optimizer.h"
#include "modlr/runner/builtin_hooks.h"
#include "modlr/runner/runner.h"

int main(int argc, char** argv) {
  try {
    const uint64_t seed = 42;
    modlr::IdxOptions data;
    data.dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
    data.preprocess.mean = {0.2860};  // Fashion-MNIST's training statistics
    data.preprocess.std = {0.3530};
    modlr::DatasetOptions batches;
    batches.batch_size = 64;
    modlr::Dataset dataset(modlr::make_idx_source(data), "idx", batches, seed);
    dataset.load();

    torch::manual_seed(seed);  // the initial weights depend on the seed only
    modlr::ModelSet models;
    models.add("model", std::make_shared<modlr::LeNet5>(modlr::LeNetOptions{}));
    modlr::CrossEntropyLoss loss;
    const double lr = 0.05;
    std::vector<std::unique_ptr<modlr::Optimizer>> optimizers;
    optimizers.push_back(std::make_unique<modlr::Optimizer>(
        std::make_unique<torch::optim::SGD>(models.get("model").parameters(), torch::optim::SGDOptions(lr)),
        /*schedule=*/nullptr, lr, /*clip_grad_norm=*/0.0, "model", "loss"));

    modlr::RunnerOptions options;
    options.epochs = argc > 2 ? std::stoll(argv[2]) : 1;
    options.train_metrics = {"accuracy"};
    options.eval_metrics = {"accuracy", "f1_macro"};
    modlr::Runner runner(models, loss, optimizers, options);
    runner.add_hook(std::make_shared<modlr::ProgressHook>(/*terminal=*/false));
    const auto train = dataset.loader(modlr::Split::train);
    runner.fit(*train, nullptr);
    const auto test = dataset.loader(modlr::Split::test);
    const auto result = runner.evaluate(*test, "test");
    std::cout << "example done: test accuracy " << result.metrics.at("accuracy") << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "train_lenet5: error: " << e.what() << "\n";
    return 1;
  }
}
