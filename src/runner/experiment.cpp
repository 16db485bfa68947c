#include "modlr/runner/experiment.h"

#include <ATen/detail/CUDAHooksInterface.h>

#include "modlr/core/device.h"
#include "modlr/core/text.h"

namespace modlr {

std::string config_stem(const std::string& path) {
  auto name = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  const auto dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

Experiment::Experiment(Config config) : config_(std::move(config)) {
  name_ = config_.get<std::string>("experiment", config_stem(config_.source()));
  check_path_component(name_, config_.source() + ": config key 'experiment'");  // a directory name
  seed_ = config_.get_count("seed", 0, /*allow_zero=*/true, kMaxSeed);
  read_runner(config_.section("runner"));
  dataset_ =
      std::make_unique<Dataset>(config_.section("dataset"), static_cast<uint64_t>(seed_), runner_options_.device);
  torch::manual_seed(static_cast<uint64_t>(seed_));
  build_models(config_.section("model"));
  if (fast_mode_)
    for (const auto& name : models_.names()) models_.get(name).use_fast_kernels();
  threads_ = resolve_threads(thread_spec_, config_.section("runner").path("threads"));
  apply_threads(threads_);
  loss_ = build_loss(config_.section("loss"));
  build_optimizers(config_);
  read_metrics(config_.section("metrics"));
  const auto tracking = config_.section("tracking");
  tracking_.dir = tracking.get<std::string>("dir", "runs");
  tracking_.checkpoint_every = tracking.get_count("checkpoint_every", 1);
  tracking_.checkpoint_steps = tracking.get_count("checkpoint_steps", 0, /*allow_zero=*/true);
  tracking_.keep_checkpoints = tracking.get_count("keep_checkpoints", 3);
  tracking_.save_initial = tracking.get<bool>("save_initial", false);
  tracking_.tensorboard = tracking.get<bool>("tensorboard", tracking_.tensorboard);
  tracking_.tensorboard_every_steps =
      tracking.get_count("tensorboard_every_steps", tracking_.tensorboard_every_steps, /*allow_zero=*/true);
  tracking_.mlflow = tracking.get<std::string>("mlflow", "");
  if (!tracking_.mlflow.empty() && tracking_.mlflow.rfind("http://", 0) != 0 &&
      tracking_.mlflow.rfind("https://", 0) != 0)
    tracking.fail("mlflow",
                  "must be an http:// or https:// URI of an MLflow tracking server, e.g. http://127.0.0.1:5000");
  tracking_.mlflow_experiment = tracking.get<std::string>("mlflow_experiment", "");
  if (tracking_.mlflow_experiment.empty()) tracking_.mlflow_experiment = name_;
  read_hooks(config_.section("runner"));
  config_.check_no_unknown_keys();
}

// runner.builtin_hooks: which of the built-in hooks run (all by default; the CLI adds them
// in their fixed order); runner.hooks: the user's, each from its own section.
void Experiment::read_hooks(const Config& runner) {
  builtin_hooks_ = runner.get<std::vector<std::string>>("builtin_hooks", kBuiltinHooks);
  for (const auto& name : builtin_hooks_)
    if (std::find(kBuiltinHooks.begin(), kBuiltinHooks.end(), name) == kBuiltinHooks.end())
      runner.fail("builtin_hooks", "no built-in hook '" + name +
                                       "' (built-in: timing, progress, validation_schedule, "
                                       "tracking, interrupt, checkpoint; your own go in runner.hooks)");
  if (!runner.has("hooks")) {
    runner.get<std::vector<std::string>>("hooks", {});  // records the default, an empty list
    return;
  }
  const HookContext context{static_cast<uint64_t>(seed_), validate_every_};
  for (const auto& section : runner.list_sections("hooks")) {
    const auto name = section.get<std::string>("name");
    auto hook = hook_registry().create(name, section.path("name"), section, context);
    for (const auto& other : user_hooks_)
      if (other->name() == hook->name())
        section.fail("name", "a second hook named '" + hook->name() + "' (each hook's state is kept under its name)");
    if (std::find(builtin_hooks_.begin(), builtin_hooks_.end(), hook->name()) != builtin_hooks_.end())
      section.fail("name",
                   "'" + hook->name() +
                       "' is a built-in hook that runs already: to replace it, leave it out of runner.builtin_hooks");
    user_hooks_.push_back(filtered(std::move(hook), HookFilter::from_config(section)));
  }
}

void Experiment::read_runner(const Config& section) {
  runner_options_.epochs = section.get_count("epochs", 1);
  runner_options_.max_steps = section.get_count("max_steps", 0, /*allow_zero=*/true);
  runner_options_.accumulate_steps = section.get_count("accumulate_steps", 1, false, 1 << 20);
  runner_options_.ema_decay = section.get_positive("ema_decay", 0.0, /*allow_zero=*/true);
  if (runner_options_.ema_decay >= 1) section.fail("ema_decay", "must be below 1 (0.999 is usual; 0 turns it off)");
  validate_every_ = section.get_count("validate_every", 1);
  validate_every_steps_ = section.get_count("validate_every_steps", 0, /*allow_zero=*/true);
  validations_per_epoch_ = section.get_count("validations_per_epoch", 1, /*allow_zero=*/false, 1000);
  thread_spec_ = section.get<std::string>("threads", "auto");
  const auto device = section.get_choice("device", "cpu", {"cpu", "cuda"});
  if (device == "cuda" && !torch::cuda::is_available())
    // isBuilt: libtorch_cuda is loaded (hasCUDA() also needs a device, so it cannot tell).
    section.fail("device", at::detail::getCUDAHooks().isBuilt()
                               ? "cuda requested but no CUDA device is visible (no NVIDIA GPU, driver or "
                                 "CUDA_VISIBLE_DEVICES): run on a GPU machine or set runner.device=cpu"
                               : "cuda requested but this libtorch was built without CUDA: use PyPI's CUDA "
                                 "torch (scripts/setup.sh) or set runner.device=cpu");
  runner_options_.device = device == "cuda" ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  runner_options_.on_nan = section.get_choice("on_nan", "stop", {"stop", "skip_batch"});
  runner_options_.max_skipped_batches = section.get_count("max_skipped_batches", 10, /*allow_zero=*/true);
  runner_options_.check_gradients = section.get<bool>("check_gradients", true);
  fast_mode_ = section.get_choice("mode", "strict", {"strict", "fast"}) == "fast";
  runner_options_.precision = parse_precision(section.get_choice("precision", "fp32", {"fp32", "bf16", "fp16"}));
  cudnn_benchmark_ = section.get<bool>("cudnn_benchmark", false);
  at::globalContext().setBenchmarkCuDNN(cudnn_benchmark_);
  runner_options_.channels_last = section.get<bool>("channels_last", false);
  if (runner_options_.channels_last && fast_mode_)
    section.fail("channels_last", "needs mode: strict (fast mode's convolution kernels take NCHW)");
  const auto breakdown = section.get_choice("timing_breakdown", "auto", {"auto", "true", "false"});
  timing_breakdown_ = breakdown == "true" || (breakdown == "auto" && device != "cuda");
  if (runner_options_.precision == Precision::bf16 && device == "cuda" && cuda_compute_capability(0) < 80)
    section.fail("precision", "bf16 needs a GPU of compute capability 8.0 or later (A100, H100); this one is " +
                                  std::to_string(cuda_compute_capability(0)) + ": use fp16 or fp32");
  read_distributed(section);
}

// has() first: a config without the section keeps its resolved form (config.yaml) unchanged.
void Experiment::read_distributed(const Config& runner) {
  distributed_.backend = runner_options_.device.is_cuda() ? "nccl" : "gloo";
  if (!runner.has("distributed")) return;
  const auto section = runner.section("distributed");
  distributed_.backend = section.get_choice("backend", distributed_.backend, {"gloo", "nccl"});
  if (distributed_.backend == "nccl" && !runner_options_.device.is_cuda())
    section.fail("backend", "nccl reduces CUDA tensors only: use gloo with runner.device=cpu");
  distributed_.timeout_seconds = section.get_count("timeout_seconds", 60);
  distributed_.timeout_seconds = std::min<int64_t>(distributed_.timeout_seconds, int64_t{24} * 3600);
  const double bucket_mb = section.get_positive("bucket_mb", 25.0, /*allow_zero=*/true);
  if (bucket_mb > 4096) section.fail("bucket_mb", "at most 4096 (MiB)");
  distributed_.data_parallel.bucket_bytes = static_cast<int64_t>(bucket_mb * 1024 * 1024);
  distributed_.data_parallel.overlap = section.get<bool>("overlap", true);
  distributed_.data_parallel.broadcast_buffers = section.get<bool>("broadcast_buffers", true);
  distributed_.sync_batchnorm = section.get<bool>("sync_batchnorm", false);
  if (distributed_.sync_batchnorm && fast_mode_)
    section.fail("sync_batchnorm", "needs runner.mode: strict (fast mode's kernels replace layer forwards too)");
}

// `model` holds one model spec (it has a `name`) or a mapping of named specs.
void Experiment::build_models(const Config& section) {
  if (section.has("name")) {
    models_.add("model", build_model(section));
  } else {
    for (const auto& key : section.keys()) models_.add(key, build_model(section.section(key)));
  }
  if (models_.size() == 0) section.fail("", "defines no model");
  models_.to(runner_options_.device);
  if (runner_options_.channels_last) to_channels_last(models_);
}

// As PyTorch's module.to(memory_format=torch.channels_last): every 4-d weight and buffer.
void Experiment::to_channels_last(ModelSet& models) {
  torch::NoGradGuard no_grad;
  for (const auto& name : models.names()) {
    auto& model = models.get(name);
    for (auto& p : model.parameters())
      if (p.dim() == 4) p.set_data(p.data().contiguous(torch::MemoryFormat::ChannelsLast));
    for (auto& b : model.buffers())
      if (b.dim() == 4) b.set_data(b.data().contiguous(torch::MemoryFormat::ChannelsLast));
  }
}

void Experiment::build_optimizers(const Config& root) {
  std::vector<Config> sections;
  if (root.is_list("optimizer")) {
    sections = root.list_sections("optimizer");
  } else {
    sections.push_back(root.section("optimizer"));
  }
  const auto objectives = loss_->objectives();
  for (const auto& section : sections) {
    const auto model_names = models_.names();
    const auto model = section.get<std::string>("model", model_names.size() == 1 ? model_names[0] : "");
    if (!models_.contains(model)) section.fail("model", "names no model of this experiment");
    const auto objective = section.get<std::string>("objective", objectives.size() == 1 ? objectives[0] : "");
    if (std::find(objectives.begin(), objectives.end(), objective) == objectives.end())
      section.fail("objective", "names no objective of the loss");
    optimizers_.push_back(build_optimizer(section, models_.get(model).parameters(), runner_options_.epochs, model,
                                          objective, fast_mode_));
  }
  if (runner_options_.accumulate_steps > 1 && optimizers_.size() > 1)
    root.section("runner").fail("accumulate_steps",
                                "needs a single optimizer (a GAN's stages pass gradients "
                                "through each other's models)");
}

void Experiment::read_metrics(const Config& section) {
  std::vector<std::string> train_default, eval_default;
  switch (loss_->task()) {
    case Task::classification:
      train_default = {"accuracy"};
      eval_default = {"accuracy", "precision_macro", "recall_macro", "f1_macro", "auc_roc", "confusion_matrix"};
      break;
    case Task::regression:
      train_default = {"rmse"};
      eval_default = {"mse", "rmse", "mae", "r2"};
      break;
    case Task::generative:
      train_default = eval_default = {"d_real", "d_fake"};
      break;
    case Task::translation:  // bleu needs a search, which the loss runs in evaluation only
      eval_default = {"bleu"};
      break;
  }
  runner_options_.train_metrics = section.get<std::vector<std::string>>("train", train_default);
  runner_options_.eval_metrics = section.get<std::vector<std::string>>("eval", eval_default);
  for (const auto& name : runner_options_.train_metrics)
    if (evaluation_only_metric(name))
      section.fail("train", "'" + name + "' is measured in evaluation only: list it under metrics.eval");
  try {
    // Built only to check the names now, before any data is read; the runner builds its own.
    const MetricSuite train_check(loss_->task(), runner_options_.train_metrics);
    const MetricSuite eval_check(loss_->task(), runner_options_.eval_metrics);
  } catch (const Error& e) {
    section.fail("", e.what());
  }
}

}  // namespace modlr
