// Precompiled header for modlr's own translation units: torch dominates compile time.
#pragma once
#include <torch/torch.h>
