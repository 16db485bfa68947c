// The CUDA-only parts of libtorch modlr's GPU work builds on (streams, events, graphs, the
// NCCL process group) compile and link in every build, GPU or not: PyPI's torch is a CUDA
// build and the CUDA toolkit is installed. Where a GPU is visible the test also runs them.
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <gtest/gtest.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

TEST(CudaApis, StreamsEventsGraphsAndNcclLinkAndRunWhereAGpuIs) {
  // Referenced whether or not a GPU is here, so the linker must resolve all of them.
  const auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
  ASSERT_NE(nccl_options, nullptr);
  EXPECT_TRUE(at::detail::getCUDAHooks().isBuilt());  // this libtorch has CUDA, whatever the machine
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device: compiled and linked only";

  auto stream = c10::cuda::getStreamFromPool();
  c10::cuda::CUDAStreamGuard guard(stream);
  const auto x = torch::arange(1024, torch::TensorOptions().device(torch::kCUDA).dtype(torch::kFloat32));
  at::cuda::CUDAEvent start(cudaEventDefault), stop(cudaEventDefault);
  start.record(stream);
  auto y = x * 2;
  stop.record(stream);
  stop.synchronize();
  EXPECT_GE(start.elapsed_time(stop), 0.0f);
  EXPECT_TRUE(torch::equal(y.cpu(), torch::arange(1024, torch::kFloat32) * 2));

  // A captured graph replays the same kernels on new data in the same buffers.
  auto input = torch::zeros_like(x);
  torch::Tensor output;
  at::cuda::CUDAGraph graph;
  graph.capture_begin();
  output = input * 3 + 1;
  graph.capture_end();
  input.copy_(x);
  graph.replay();
  stream.synchronize();
  EXPECT_TRUE(torch::equal(output.cpu(), torch::arange(1024, torch::kFloat32) * 3 + 1));
}
