// The communicator in a one-rank job: every collective is an identity there, so the
// results are known exactly. Backend nccl takes CUDA tensors where a GPU is, and is
// refused in one line naming the rank where none is; CPU tensors still go through Gloo.
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/distributed/communicator.h"
#include "test_support.h"

namespace {

modlr::WorldOptions one_rank(const std::string& backend) {
  modlr::WorldOptions world;
  world.master_port = modlr::testing::unused_port();
  world.timeout = std::chrono::seconds(10);
  world.backend = backend;
  return world;
}

// Broadcast, sum, max and the byte collectives on `device`, all identities with one rank.
void expect_identities(modlr::Communicator& communicator, torch::Device device) {
  const auto values = torch::tensor({1.5f, -2.0f, 3.25f}, torch::TensorOptions().device(device));
  auto broadcast = values.clone();
  communicator.broadcast(broadcast);
  EXPECT_TRUE(torch::equal(broadcast.cpu(), values.cpu()));
  auto summed = values.clone();
  communicator.all_reduce_sum(summed);
  EXPECT_TRUE(torch::equal(summed.cpu(), values.cpu()));
  auto maximum = values.clone();
  communicator.all_reduce_max(maximum);
  EXPECT_TRUE(torch::equal(maximum.cpu(), values.cpu()));
  const std::string bytes("a\0b\xff", 4);
  EXPECT_EQ(communicator.all_gather_bytes(bytes), std::vector<std::string>{bytes});
  EXPECT_EQ(communicator.broadcast_bytes(bytes), bytes);
  EXPECT_EQ(communicator.broadcast_bytes(""), "");
  communicator.barrier();
}

TEST(Communicator, OneRankGlooCollectivesAreIdentities) {
  auto communicator = modlr::Communicator::join(one_rank("gloo"));
  EXPECT_EQ(communicator->rank(), 0);
  EXPECT_EQ(communicator->size(), 1);
  expect_identities(*communicator, torch::kCPU);
}

TEST(Communicator, NcclTakesCudaTensorsOrIsRefusedNamingTheRank) {
  if (!torch::cuda::is_available()) {
    try {
      modlr::Communicator::join(one_rank("nccl"));
      FAIL() << "joined with backend nccl on a machine without a GPU";
    } catch (const modlr::Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("rank 0"), std::string::npos) << message;
      EXPECT_NE(message.find("nccl"), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
    GTEST_SKIP() << "no CUDA device: the refusal was checked, NCCL's collectives were not run";
  }
  auto communicator = modlr::Communicator::join(one_rank("nccl"));
  expect_identities(*communicator, torch::kCUDA);  // NCCL
  expect_identities(*communicator, torch::kCPU);   // Gloo, in the same job
}

TEST(Communicator, UnknownBackendIsOneLine) { EXPECT_THROW(modlr::Communicator::join(one_rank("mpi")), modlr::Error); }

}  // namespace
