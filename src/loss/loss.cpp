#include "modlr/loss/loss.h"

namespace modlr {

LossRegistry& loss_registry() {
  static LossRegistry registry("loss");
  return registry;
}

std::unique_ptr<Loss> build_loss(const Config& section) {
  const auto name = section.get<std::string>("name");
  return loss_registry().create(name, section.path("name"), section);
}

}  // namespace modlr
