#include "modlr/runner/sample_grid_hook.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cstdio>
#include <filesystem>

#include "modlr/model/conditional.h"
#include "modlr/model/model_set.h"

namespace modlr {
namespace {

constexpr int64_t kBorder = 2;
constexpr uint8_t kBorderValue = 255;

}  // namespace

formats::Image8 image_grid(const torch::Tensor& images, int64_t rows) {
  if (images.dim() != 4 || (images.size(1) != 1 && images.size(1) != 3) || images.size(0) == 0)
    throw Error("sample grid: expected images [N, 1 or 3, H, W], got " + c10::str(images.sizes()));
  const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  const int64_t columns = (n + rows - 1) / rows;
  // Same ops as the twin, so both write the same bytes.
  const auto pixels = images.detach()
                          .to(torch::kCPU, torch::kFloat32)
                          .add(1.0)
                          .mul(127.5)
                          .round()
                          .clamp(0, 255)
                          .to(torch::kUInt8)
                          .permute({0, 2, 3, 1})
                          .contiguous();  // [N, H, W, C]
  formats::Image8 grid;
  grid.width = static_cast<uint32_t>(columns * (w + kBorder) + kBorder);
  grid.height = static_cast<uint32_t>(rows * (h + kBorder) + kBorder);
  grid.channels = static_cast<int>(c);
  grid.pixels.assign(static_cast<size_t>(grid.width) * grid.height * c, kBorderValue);
  const uint8_t* source = pixels.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t top = (i / columns) * (h + kBorder) + kBorder, left = (i % columns) * (w + kBorder) + kBorder;
    for (int64_t y = 0; y < h; ++y) {
      const uint8_t* row = source + ((i * h + y) * w) * c;
      std::copy(row, row + w * c, grid.pixels.begin() + ((top + y) * grid.width + left) * c);
    }
  }
  return grid;
}

std::string SampleGridHook::file_name(int64_t epoch) {
  char name[32];
  std::snprintf(name, sizeof name, "samples/epoch-%04lld.png", static_cast<long long>(epoch));
  return name;
}

void SampleGridHook::on(Event event, const RunState& state, Control&) {
  if (state.rank != 0) return;  // rank 0 writes the run record of a data-parallel run
  Model& model = state.models->get(options_.model);
  if (event == Event::fit_start) {
    if (state.run_dir.empty()) throw Error("sample_grid: this run has no run directory to write to");
    auto shape = model.input_shape();
    if (shape.empty())
      throw Error("sample_grid: model '" + options_.model + "' declares no input shape (not a generator?)");
    const auto* conditional = dynamic_cast<const ConditionalGenerator*>(&model);
    const int64_t classes = conditional ? conditional->classes() : 0;
    grid_rows_ = classes > 0 ? classes : options_.rows;
    shape.back() -= classes;
    shape.insert(shape.begin(), grid_rows_ * options_.rows);
    auto generator = at::make_generator<at::CPUGeneratorImpl>(options_.seed);
    noise_ = torch::randn(shape, generator);
    if (classes > 0)  // row k: class k
      noise_ = conditional_input(noise_, torch::arange(classes).repeat_interleave(options_.rows), classes);
    return;
  }
  if (state.epoch % options_.every != 0 && state.epoch != state.epochs) return;
  torch::Tensor images;
  {
    const bool was_training = model.is_training();
    model.eval();
    torch::NoGradGuard no_grad;
    const auto device = model.parameters().empty() ? torch::Device(torch::kCPU) : model.parameters().front().device();
    images = model.forward(noise_.to(device));
    model.train(was_training);
  }
  const auto dir = state.run_dir + "/samples";
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw Error(dir + ": cannot create directory: " + error.message());
  formats::write_png(state.run_dir + "/" + file_name(state.epoch), image_grid(images, grid_rows_));
}

MODLR_REGISTER(hook_registry, "sample_grid",
               [](const Config& section, const HookContext& context) -> std::shared_ptr<Hook> {
                 SampleGridOptions options;
                 options.model = section.get<std::string>("model", options.model);
                 options.rows = section.get_count("rows", options.rows);
                 if (options.rows > 32) section.fail("rows", "at most 32 (a grid of 1024 samples)");
                 options.every = section.get_count("every", options.every);
                 options.seed = context.seed;
                 return std::make_shared<SampleGridHook>(options);
               });

}  // namespace modlr
