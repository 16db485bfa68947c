// SyncBatchNorm's arithmetic against libtorch's BatchNorm2d, in a one-rank job (the
// all-reduces are then identities): outputs, input and parameter gradients, running stats.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "modlr/distributed/communicator.h"
#include "modlr/distributed/sync_batch_norm.h"
#include "modlr/model/model.h"
#include "modlr/model/model_set.h"
#include "test_support.h"

namespace {

class ConvBn : public modlr::SequentialModel {
 public:
  ConvBn() {
    add_layer("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).padding(1)));
    add_layer("bn", torch::nn::BatchNorm2d(4));
  }
};

TEST(SyncBatchNorm, OneRankComputesWhatBatchNorm2dComputes) {
  modlr::WorldOptions world;
  world.master_port = modlr::testing::unused_port();
  world.timeout = std::chrono::seconds(10);
  auto communicator = modlr::Communicator::join(world);
  torch::manual_seed(5);
  auto plain = std::make_shared<ConvBn>(), synced = std::make_shared<ConvBn>();
  {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < plain->parameters().size(); ++i) synced->parameters()[i].copy_(plain->parameters()[i]);
    synced->named_parameters()["bn.weight"].uniform_(0.5, 1.5);
    plain->named_parameters()["bn.weight"].copy_(synced->named_parameters()["bn.weight"]);
  }
  modlr::ModelSet models;
  models.add("model", synced);
  ASSERT_EQ(modlr::synchronize_batch_norms(models, *communicator), 1);
  const auto x = torch::randn({6, 3, 5, 5}) * 2 + 1;
  const auto target = torch::randn({6, 4, 5, 5});
  for (auto* model : {static_cast<modlr::Model*>(plain.get()), static_cast<modlr::Model*>(synced.get())}) {
    model->train(true);
    ((model->forward(x) - target).pow(2) * torch::arange(1, 7).view({6, 1, 1, 1})).mean().backward();
  }
  for (const auto& item : plain->named_parameters())
    EXPECT_TRUE(torch::allclose(synced->named_parameters()[item.key()].grad(), item.value().grad(), 1e-4, 1e-6))
        << item.key();
  for (const auto& item : plain->named_buffers())
    EXPECT_TRUE(torch::allclose(synced->named_buffers()[item.key()].to(torch::kFloat64),
                                item.value().to(torch::kFloat64), 1e-5, 1e-7))
        << item.key();
  plain->train(false);
  synced->train(false);
  EXPECT_TRUE(torch::allclose(synced->forward(x), plain->forward(x), 1e-5, 1e-6));
}

}  // namespace
