#pragma once
/// The `sample_grid` hook (runner.hooks: [{name: sample_grid}]): after every `every` epochs (and
/// after the last) it runs the generator on a fixed batch of noise and saves the samples
/// as one PNG grid, <run dir>/samples/epoch-NNNN.png, written atomically. The noise is
/// drawn once, at fit start, from a generator of its own seeded with the run's `seed`, so
/// the grids of one run (and of a resumed run) show the same latent points epoch after
/// epoch. The generator runs in evaluation mode (batch-norm running statistics, no
/// dropout) under no_grad and is put back in its previous mode: training is unaffected
/// (no global RNG draws, no buffer updates). A generator conditioned on K classes
/// (model/conditional.h) gets a grid per class: row k holds `rows` samples of class k, the
/// same noise in every row's column.
///
/// Config: its entry in runner.hooks: {name: sample_grid, model: generator, rows: 8 (1..32),
/// every: 1}; the grid
/// holds rows x rows samples (K x rows for a conditional generator), each image framed by 2 white pixels. The model must declare its
/// input shape (Model::input_shape) and return images [N, C, H, W] with values in
/// [-1, 1] (C = 1 gray or 3 RGB).
#include <torch/torch.h>

#include "modlr/formats/png.h"
#include "modlr/runner/hook.h"

namespace modlr {

struct SampleGridOptions {
  std::string model = "generator";
  int64_t rows = 8;
  int64_t every = 1;
  uint64_t seed = 0;  ///< the run's seed
};

class SampleGridHook : public Hook {
 public:
  explicit SampleGridHook(SampleGridOptions options) : options_(std::move(options)) {}
  std::string name() const override { return "sample_grid"; }
  std::vector<Event> events() const override { return {Event::fit_start, Event::epoch_end}; }
  /// Throws modlr::Error if the run has no directory, the model is missing, declares no
  /// input shape or returns something that is not a batch of 1- or 3-channel images.
  void on(Event event, const RunState& state, Control& control) override;
  /// The file the grid of `epoch` goes to, relative to the run directory.
  static std::string file_name(int64_t epoch);

 private:
  SampleGridOptions options_;
  torch::Tensor noise_;  ///< [rows * rows, input_shape...] (conditional: [K * rows, K + latent]), drawn at fit start
  int64_t grid_rows_ = 0;
};

/// Tiles `images` [N, C, H, W] (values in [-1, 1], mapped to 0..255 by round((x + 1) *
/// 127.5)) into `rows` rows of ceil(N / rows) images, with 2-pixel borders of value 255.
/// Throws modlr::Error unless images is 4-D with C = 1 or 3.
formats::Image8 image_grid(const torch::Tensor& images, int64_t rows);

}  // namespace modlr
