// Data-parallel runs end to end: `modlr train --nproc 2` on loopback (Gloo), against one
// process with the global batch, against itself, killed and resumed, and misconfigured.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>

#include "cli/cli_fixture.h"
#include "modlr/formats/safetensors.h"

namespace modlr::testing {
namespace {

// `modlr ARGS` with environment assignments ("A=1 B=2") in front.
CommandResult run_modlr_env(const std::string& env, const std::string& args) {
  return run_command(env + " " + MODLR_BINARY + " " + args);
}

class DistributedCli : public CliTest {
 protected:
  // 600 examples, global batch 32: 19 steps per epoch.
  std::string small_job(const std::string& extra = "") const {
    return "--set runner.epochs=3 --set tracking.checkpoint_steps=7 " + extra;
  }
  std::string only_run() const {
    const auto all = runs();
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? "" : all.back();
  }
};

// Largest |a - b| over every weight, relative to the largest |b|.
double relative_difference(const std::string& a_path, const std::string& b_path) {
  const auto a = formats::read_safetensors(a_path), b = formats::read_safetensors(b_path);
  double worst = 0, scale = 0;
  EXPECT_EQ(a.tensors.size(), b.tensors.size());
  for (const auto& t : a.tensors) {
    const auto* u = b.find(t.name);
    EXPECT_NE(u, nullptr) << t.name;
    if (!u || t.dtype != "F32") continue;
    const auto* x = reinterpret_cast<const float*>(t.data.data());
    const auto* y = reinterpret_cast<const float*>(u->data.data());
    for (size_t i = 0; i < t.data.size() / 4; ++i) {
      worst = std::max(worst, static_cast<double>(std::abs(x[i] - y[i])));
      scale = std::max(scale, static_cast<double>(std::abs(y[i])));
    }
  }
  return worst / scale;
}

// The equivalence: 2 ranks x batch 16 = 1 process x batch 32, within 1e-5 relative
// on every parameter after more than 100 SGD (momentum) steps. LeNet-5: no dropout or BN.
// Rounding differs between the two (a batch of 16 sums in another order than one of 32), so
// the run must not amplify it: lr 0.01, not the fixture's 0.05, whose steps drive the loss to
// exactly 0 within two epochs and grew a 1e-8 difference to 7e-3 on an AVX-512 machine; and
// textured class blocks, whose max pooling cannot tie (a flat block's ties were broken by
// rounding differently in the two runs: the convolutions' weights jumped 1e-8 -> 7e-5 in one step).
TEST_F(DistributedCli, TwoRanksTrainAsOneProcessWithTheGlobalBatch) {
  write_synthetic_idx(data_dir, 600, 200, 1, SyntheticBlock::kTextured);
  const std::string job = "--set runner.epochs=6 --set optimizer.lr=0.01 ";
  const auto single = train(job + "--set dataset.batch_size=32");
  ASSERT_EQ(single.exit_code, 0) << single.err;
  const auto parallel = train("--nproc 2 " + job + "--set dataset.batch_size=16");
  ASSERT_EQ(parallel.exit_code, 0) << parallel.err;
  const auto all = runs();
  ASSERT_EQ(all.size(), 2u);
  const auto summary = summary_of(all[1]);
  EXPECT_EQ(summary["environment"]["world_size"], "2");
  EXPECT_EQ(summary["environment"]["distributed_backend"], "gloo");
  int64_t tested = 0;  // the two ranks' test shards merged: every example once
  for (const auto& row : summary["test"]["confusion_matrix"])
    for (const auto& count : row) tested += count.get<int64_t>();
  EXPECT_EQ(tested, 200);
  const double difference = relative_difference(all[1] + "/model.safetensors", all[0] + "/model.safetensors");
  EXPECT_LT(difference, 1e-5);
  EXPECT_GT(difference, 0.0) << "bit-identical would mean the ranks did not split the batch";
  // Training and test metrics cover every example, as in the single process.
  EXPECT_NEAR(summary["test"]["accuracy"].get<double>(), summary_of(all[0])["test"]["accuracy"].get<double>(), 0.011);
}

TEST_F(DistributedCli, TwoRankRunsAreBitwiseReproducible) {
  ASSERT_EQ(train("--nproc 2 " + small_job()).exit_code, 0);
  ASSERT_EQ(train("--nproc 2 " + small_job()).exit_code, 0);
  const auto all = runs();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(read_text(all[0] + "/model.safetensors"), read_text(all[1] + "/model.safetensors"));
  EXPECT_EQ(read_text(all[0] + "/metrics.csv"), read_text(all[1] + "/metrics.csv"));
}

// A rank killed mid-epoch: the other names it and stops; the checkpoints written before
// stay readable, and --resume finishes the run bitwise equal to an uninterrupted one.
TEST_F(DistributedCli, AKilledRankIsNamedAndTheRunResumesBitwise) {
  ASSERT_EQ(train("--nproc 2 " + small_job()).exit_code, 0);
  const auto reference = runs().front();
  const auto killed = run_modlr_env("MODLR_TEST_FAULT=batch_end:30:KILL MODLR_TEST_FAULT_RANK=1",
                                    "train " + config + " --nproc 2 " + small_job());
  EXPECT_NE(killed.exit_code, 0);
  EXPECT_NE(killed.err.find("modlr: rank 1 was killed by signal 9"), std::string::npos) << killed.err;
  EXPECT_NE(killed.err.find("rank 1 stopped (no heartbeat)"), std::string::npos) << killed.err;
  auto all = runs();
  ASSERT_EQ(all.size(), 2u);
  const auto broken = all[1];
  EXPECT_EQ(summary_of(broken)["status"], "failed");
  EXPECT_NE(summary_of(broken)["error"].get<std::string>().find("rank 1"), std::string::npos);
  EXPECT_EQ(read_text(broken + "/checkpoints/latest"), "step-00000028.pt\n");
  const auto resumed = train("--nproc 2 " + small_job() + " --resume " + broken);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(read_text(broken + "/model.safetensors"), read_text(reference + "/model.safetensors"));
  EXPECT_EQ(read_text(broken + "/metrics.csv"), read_text(reference + "/metrics.csv"));
}

TEST_F(DistributedCli, AKilledMasterIsNamedByTheOtherRanks) {
  const auto killed = run_modlr_env("MODLR_TEST_FAULT=batch_end:30:KILL MODLR_TEST_FAULT_RANK=0",
                                    "train " + config + " --nproc 2 " + small_job());
  EXPECT_NE(killed.exit_code, 0);
  EXPECT_NE(killed.err.find("modlr: rank 0 was killed by signal 9"), std::string::npos) << killed.err;
  EXPECT_NE(killed.err.find("modlr: rank 1: error: distributed:"), std::string::npos) << killed.err;
  EXPECT_NE(killed.err.find("rank 0 (the master at 127.0.0.1:"), std::string::npos) << killed.err;
  const auto broken = only_run();
  const auto resumed = train("--nproc 2 " + small_job() + " --resume " + broken);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(summary_of(broken)["status"], "finished");
}

TEST_F(DistributedCli, AStopOnOneRankStopsAllAtTheSameBatch) {
  ASSERT_EQ(train("--nproc 2 " + small_job()).exit_code, 0);
  const auto reference = runs().front();
  const auto stopped = run_modlr_env("MODLR_TEST_FAULT=batch_end:12:TERM MODLR_TEST_FAULT_RANK=1",
                                     "train " + config + " --nproc 2 " + small_job());
  EXPECT_EQ(stopped.exit_code, 143) << stopped.err;
  const auto broken = runs().back();
  EXPECT_EQ(summary_of(broken)["status"], "interrupted");
  // Rank 1 asks at step 12's end, after that step's agreement: every rank stops after 13.
  EXPECT_EQ(read_text(broken + "/checkpoints/latest"), "step-00000013.pt\n");
  ASSERT_EQ(train("--nproc 2 " + small_job() + " --resume " + broken).exit_code, 0);
  EXPECT_EQ(read_text(broken + "/model.safetensors"), read_text(reference + "/model.safetensors"));
}

TEST_F(DistributedCli, ResumingWithAnotherWorldSizeIsRefused) {
  const auto stopped =
      run_modlr_env("MODLR_TEST_FAULT=batch_end:12:TERM", "train " + config + " --nproc 2 " + small_job());
  ASSERT_EQ(stopped.exit_code, 143) << stopped.err;
  const auto broken = only_run();
  const auto checkpoint_bytes = read_text(broken + "/checkpoints/step-00000013.pt");
  const auto single = train(small_job() + " --resume " + broken);
  EXPECT_EQ(single.exit_code, 1);
  EXPECT_NE(single.err.find("written by a run of world size 2; resume it with that many ranks"), std::string::npos)
      << single.err;
  EXPECT_EQ(read_text(broken + "/checkpoints/step-00000013.pt"), checkpoint_bytes);
  EXPECT_EQ(train("--nproc 2 " + small_job() + " --resume " + broken).exit_code, 0);
}

TEST_F(DistributedCli, TorchrunStartsTheSameJob) {
  const std::string torchrun = std::filesystem::path(python()).parent_path().string() + "/torchrun";
  if (!exists(torchrun)) GTEST_SKIP() << torchrun << " missing";
  ASSERT_EQ(train("--nproc 2 " + small_job()).exit_code, 0);
  const auto launched = run_command(torchrun + " --standalone --nproc-per-node 2 --no-python " + MODLR_BINARY +
                                    " train " + config + " " + small_job());
  ASSERT_EQ(launched.exit_code, 0) << launched.err;
  const auto all = runs();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(read_text(all[0] + "/model.safetensors"), read_text(all[1] + "/model.safetensors"));
}

// ---- jobs that cannot run: one line, exit != 0, no hang ----

// Two ranks started by hand with torchrun's variables, on a fixed port.
CommandResult two_ranks(const std::string& config, int port, const std::string& rank0, const std::string& rank1) {
  const std::string env = "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " WORLD_SIZE=2 ";
  return run_command("(" + env + "RANK=0 " + MODLR_BINARY + " train " + config + " " + rank0 + " & " + env + "RANK=1 " +
                     MODLR_BINARY + " train " + config + " " + rank1 + "; wait)");
}

TEST_F(DistributedCli, RanksWithDifferentConfigsAreNamedByTheirFirstDifferingKey) {
  const auto result = two_ranks(config, unused_port(), "", "--set optimizer.lr=0.07");
  EXPECT_NE(result.err.find("rank 1's config differs from rank 0's: the first differing key is optimizer.lr"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(summary_of(only_run())["status"], "failed");
}

TEST_F(DistributedCli, MissingRanksAndUnreachableMastersTimeOut) {
  const std::string env = "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(unused_port()) + " WORLD_SIZE=2 ";
  const auto alone =
      run_command(env + "RANK=0 " + MODLR_BINARY + " train " + config + " --set runner.distributed.timeout_seconds=2");
  EXPECT_EQ(alone.exit_code, 1);
  EXPECT_NE(alone.err.find("only 1 of 2 ranks joined at 127.0.0.1:"), std::string::npos) << alone.err;
  const auto orphan =
      run_command(env + "RANK=1 " + MODLR_BINARY + " train " + config + " --set runner.distributed.timeout_seconds=2");
  EXPECT_EQ(orphan.exit_code, 1);
  EXPECT_NE(orphan.err.find("rank 1: error: distributed: rank 1 cannot reach the master at 127.0.0.1:"),
            std::string::npos)
      << orphan.err;
}

TEST_F(DistributedCli, APortInUseIsNamed) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::listen(fd, 1);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const auto result = train("--nproc 2 --master 127.0.0.1:" + std::to_string(ntohs(address.sin_port)) +
                            " --set runner.distributed.timeout_seconds=3");
  ::close(fd);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("the port is in use"), std::string::npos) << result.err;
}

TEST_F(DistributedCli, MoreRanksThanTheDataFillsAreRefused) {
  const auto result = train("--nproc 2 --set dataset.batch_size=400");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("2 ranks x dataset.batch_size 400 = 800 examples per step, but the training split has 600"),
            std::string::npos)
      << result.err;
  const auto seeds = train("--nproc 2 --seeds 1,2");
  EXPECT_EQ(seeds.exit_code, 1);
  EXPECT_NE(seeds.err.find("--seeds and --nproc"), std::string::npos) << seeds.err;
  const auto hosts = train("--nproc 2 --nnodes 2");
  EXPECT_EQ(hosts.exit_code, 1);
  EXPECT_NE(hosts.err.find("--master HOST:PORT is needed with --nnodes > 1"), std::string::npos) << hosts.err;
}

// `--nproc 1` runs the whole distributed path (join, broadcast, bucketed all-reduce, merged
// metrics) with one rank, where every collective is an identity: the weights must come out
// bit for bit as a single process's. That is how gpu-check runs NCCL on one GPU.
TEST_F(DistributedCli, OneRankJobTrainsBitwiseAsASingleProcess) {
  ASSERT_EQ(train(small_job()).exit_code, 0);
  const auto one_rank = train("--nproc 1 " + small_job());
  ASSERT_EQ(one_rank.exit_code, 0) << one_rank.err;
  const auto all = runs();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(summary_of(all[1])["environment"]["world_size"], "1");
  EXPECT_EQ(read_text(all[0] + "/model.safetensors"), read_text(all[1] + "/model.safetensors"));
  const auto nccl = train("--nproc 1 --set runner.distributed.backend=nccl");
  EXPECT_EQ(nccl.exit_code, 1);
  EXPECT_NE(nccl.err.find("runner.distributed.backend"), std::string::npos) << nccl.err;
}

}  // namespace
}  // namespace modlr::testing

namespace modlr::testing {
namespace {

// Two hosts: network namespaces joined by a veth pair, each running the multi-host command
// (`--nnodes 2 --node-rank K --master HOST0:PORT`). Needs root (ip netns); skipped otherwise.
class NamespacedHosts : public DistributedCli {
 protected:
  void SetUp() override {
    DistributedCli::SetUp();
    const auto id = std::to_string(::getpid() % 100000);
    hosts = {"modlr-t0-" + id, "modlr-t1-" + id};
    subnet = "10.79." + std::to_string(::getpid() % 250) + ".";
    const auto made = run_command(
        "ip netns add " + hosts[0] + " && ip netns add " + hosts[1] + " && ip link add mt0-" + id +
        " type veth peer name mt1-" + id + " && ip link set mt0-" + id + " netns " + hosts[0] + " && ip link set mt1-" +
        id + " netns " + hosts[1] + " && ip -n " + hosts[0] + " addr add " + subnet + "1/24 dev mt0-" + id +
        " && ip -n " + hosts[1] + " addr add " + subnet + "2/24 dev mt1-" + id + " && ip -n " + hosts[0] +
        " link set mt0-" + id + " up && ip -n " + hosts[1] + " link set mt1-" + id + " up && ip -n " + hosts[0] +
        " link set lo up && ip -n " + hosts[1] + " link set lo up");
    if (made.exit_code != 0) GTEST_SKIP() << "no network namespaces here (needs root): " << made.err;
  }
  void TearDown() override { run_command("ip netns del " + hosts[0] + "; ip netns del " + hosts[1]); }

  // Both hosts' commands at once; "EXIT <host 0's status> <host 1's>" in out. envK: variables for host K only.
  CommandResult both_hosts(const std::string& args, const std::string& env0 = "", const std::string& env1 = "") {
    const std::string master = subnet + "1:" + std::to_string(unused_port());
    const auto host = [&](int k, const std::string& env) {
      return "ip netns exec " + hosts[static_cast<size_t>(k)] + " env " + (env.empty() ? "A=1" : env) + " " +
             MODLR_BINARY + " train " + config + " --nnodes 2 --nproc 1 --node-rank " + std::to_string(k) +
             " --master " + master + " " + args;
    };
    return run_command("(" + host(0, env0) + " & p0=$!; " + host(1, env1) + " & p1=$!; wait $p0; r0=$?; wait $p1; " +
                       "echo EXIT $r0 $?)");
  }

  std::array<std::string, 2> hosts;
  std::string subnet;
};

TEST_F(NamespacedHosts, TwoHostsTrainAsTwoLocalRanksAndSurviveAKilledHost) {
  ASSERT_EQ(train("--nproc 2 " + small_job()).exit_code, 0);
  const auto reference = runs().front();
  const auto killed = both_hosts(small_job(), "", "MODLR_TEST_FAULT=batch_end:30:KILL MODLR_TEST_FAULT_RANK=1");
  EXPECT_NE(killed.out.find("EXIT 1 137"), std::string::npos) << killed.out << killed.err;
  EXPECT_NE(killed.err.find("rank 1 stopped (no heartbeat)"), std::string::npos) << killed.err;
  const auto broken = runs().back();
  EXPECT_EQ(summary_of(broken)["status"], "failed");
  const auto resumed = both_hosts(small_job() + " --resume " + broken);
  EXPECT_NE(resumed.out.find("EXIT 0 0"), std::string::npos) << resumed.out << resumed.err;
  // Same config, seed, thread count (runner.threads: 1) and world size: the same bits.
  EXPECT_EQ(read_text(broken + "/model.safetensors"), read_text(reference + "/model.safetensors"));
  EXPECT_EQ(read_text(broken + "/metrics.csv"), read_text(reference + "/metrics.csv"));

  // Host 0 killed (rank 0, which hosts the rendezvous): host 1 names it and exits.
  const auto master_killed = both_hosts(small_job(), "MODLR_TEST_FAULT=batch_end:30:KILL MODLR_TEST_FAULT_RANK=0");
  EXPECT_NE(master_killed.out.find("EXIT 137 1"), std::string::npos) << master_killed.out << master_killed.err;
  EXPECT_NE(master_killed.err.find("failed on rank 1: rank 0 (the master at " + subnet), std::string::npos)
      << master_killed.err;
}

}  // namespace
}  // namespace modlr::testing

#include "cifar_fixture.h"

namespace modlr::testing {
namespace {

// VGG-16 has batch norm: with sync_batchnorm 2 ranks x 8 normalise over the same 16
// examples one process with batch 16 does; without it, over their own 8.
TEST(DistributedSyncBatchNorm, TwoRanksNormaliseOverTheGlobalBatch) {
  TempDir work;
  // 16 training examples: one step. Later steps are not compared: VGG's deepest batch norms
  // see 16 values per channel (1x1 maps), where sync_batchnorm's float64 statistics and
  // BatchNorm2d's float32 ones drift apart by more than rounding within a few steps.
  write_synthetic_cifar(work.file("data"), 4, 16);
  auto text = small_cifar_config(work.file("data"), work.file("runs"));
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"  augment: {crop_padding: 2, hflip: true}\n", ""},
           {"  name: cnn_cifar\n  dropout: 0.25\n", "  name: vgg16\n  dropout: 0\n"},
           {"  name: adam\n  lr: 0.002\n", "  name: sgd\n  lr: 0.01\n"},
           {"  epochs: 2\n", "  epochs: 1\n  distributed: {sync_batchnorm: SYNC}\n"}}) {
    text.replace(text.find(from), from.size(), to);
  }
  const auto config = work.file("c.yaml");
  const auto run = [&](const std::string& sync, const std::string& args) {
    auto with = text;
    with.replace(with.find("SYNC"), 4, sync);
    write_text(config, with);
    const auto result = run_modlr("train " + config + " " + args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
  };
  run("false", "--set dataset.batch_size=16");
  run("true", "--nproc 2 --set dataset.batch_size=8");
  run("false", "--nproc 2 --set dataset.batch_size=8");
  std::vector<std::string> all;
  for (const auto& entry : std::filesystem::directory_iterator(work.file("runs/small-cifar")))
    all.push_back(entry.path().string());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), 3u);
  const double synced = relative_difference(all[1] + "/model.safetensors", all[0] + "/model.safetensors");
  const double local = relative_difference(all[2] + "/model.safetensors", all[0] + "/model.safetensors");
  EXPECT_LT(synced, 1e-4);
  EXPECT_GT(local, 100 * synced) << "synced " << synced;
  // The running statistics (buffers) were synchronised too: evaluation agrees.
  EXPECT_NEAR(nlohmann::json::parse(read_text(all[1] + "/summary.json"))["test"]["loss"].get<double>(),
              nlohmann::json::parse(read_text(all[0] + "/summary.json"))["test"]["loss"].get<double>(), 1e-4);
}

}  // namespace
}  // namespace modlr::testing
