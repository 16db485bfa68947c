// The c10d process groups behind modlr::Communicator: TCPStore rendezvous, Gloo collectives
// for CPU tensors, NCCL for CUDA tensors when runner.distributed.backend is nccl, and
// heartbeats for naming a failed rank.
#include "modlr/distributed/communicator.h"

#include <c10/util/Logging.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <thread>

#include "modlr/core/error.h"
#include "nccl_backend.h"

namespace modlr {
namespace {

constexpr auto kHeartbeatPeriod = std::chrono::milliseconds(250);

std::string where(const WorldOptions& o) { return o.master_host + ":" + std::to_string(o.master_port); }

std::string seconds(std::chrono::milliseconds t) {
  std::ostringstream out;
  out << static_cast<double>(t.count()) / 1000.0 << " s";
  return out.str();
}

std::vector<uint8_t> to_bytes(const std::string& text) { return {text.begin(), text.end()}; }
std::string from_bytes(const std::vector<uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

// Connects to (rank 0: hosts) the store; a failure is one line naming the address.
c10::intrusive_ptr<c10d::TCPStore> connect_store(const WorldOptions& o, bool host) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(o.master_port);
  options.isServer = host;
  options.waitWorkers = false;  // joining is checked below, with a clearer error
  options.timeout = o.timeout;
  options.useLibUV = false;
  try {
    return c10::make_intrusive<c10d::TCPStore>(o.master_host, options);
  } catch (const std::exception& e) {
    const std::string message = first_line_of(e);
    if (host && (message.find("EADDRINUSE") != std::string::npos ||
                 message.find("Address already in use") != std::string::npos))
      throw Error("distributed: rank 0 cannot host the rendezvous at " + where(o) +
                  ": the port is in use (choose another with --master HOST:PORT or MASTER_PORT)");
    if (host) throw Error("distributed: rank 0 cannot host the rendezvous at " + where(o) + ": " + message);
    throw Error("distributed: rank " + std::to_string(o.rank) + " cannot reach the master at " + where(o) + " within " +
                seconds(o.timeout) + " (is rank 0 running there?): " + message);
  }
}

// The local IP address whose route leads to the master (a UDP "connect" sends nothing).
std::string local_address(const WorldOptions& o) {
  addrinfo hints{}, *found = nullptr;
  hints.ai_socktype = SOCK_DGRAM;
  if (::getaddrinfo(o.master_host.c_str(), std::to_string(o.master_port).c_str(), &hints, &found) != 0 || !found)
    throw Error("distributed: cannot resolve the master's host '" + o.master_host + "'");
  std::string address;
  const int fd = ::socket(found->ai_family, SOCK_DGRAM, 0);
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  if (fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = local.ss_family == AF_INET
                          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&local)->sin_addr)
                          : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr);
    if (::inet_ntop(local.ss_family, raw, text, sizeof text)) address = text;
  }
  if (fd >= 0) ::close(fd);
  ::freeaddrinfo(found);
  if (address.empty()) throw Error("distributed: no route from this host to the master at " + where(o));
  return address;
}

class PendingWork : public PendingCollective {
 public:
  PendingWork(c10::intrusive_ptr<c10d::Work> work, std::function<void(const std::exception&, const char*)> fail)
      : work_(std::move(work)), fail_(std::move(fail)) {}
  void wait() override {
    try {
      work_->wait();
    } catch (const std::exception& e) {
      fail_(e, "all-reduce");
    }
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  std::function<void(const std::exception&, const char*)> fail_;
};

class C10dCommunicator : public Communicator {
 public:
  explicit C10dCommunicator(const WorldOptions& options);
  ~C10dCommunicator() override;

  int rank() const override { return options_.rank; }
  int size() const override { return options_.world_size; }
  const WorldOptions& options() const override { return options_; }

  void broadcast(at::Tensor& tensor, int root) override {
    std::vector<at::Tensor> tensors{tensor};
    c10d::BroadcastOptions o;
    o.rootRank = root;
    run("broadcast", [&] { group_for(tensor).broadcast(tensors, o)->wait(); });
  }
  std::unique_ptr<PendingCollective> all_reduce_sum_async(at::Tensor& tensor) override {
    std::vector<at::Tensor> tensors{tensor};
    c10::intrusive_ptr<c10d::Work> work;
    run("all-reduce", [&] { work = group_for(tensor).allreduce(tensors); });
    return std::make_unique<PendingWork>(work, [this](const std::exception& e, const char* what) { fail(e, what); });
  }
  void all_reduce_max(at::Tensor& tensor) override {
    std::vector<at::Tensor> tensors{tensor};
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::MAX;
    run("all-reduce", [&] { group_for(tensor).allreduce(tensors, o)->wait(); });
  }
  std::vector<std::string> all_gather_bytes(const std::string& bytes) override;
  std::string broadcast_bytes(const std::string& bytes, int root) override;
  void check_agreement(const std::string& what, const std::string& text,
                       std::string (*describe)(const std::string&, const std::string&)) override;
  void barrier() override {
    run("barrier", [&] { gloo_->barrier()->wait(); });
  }

 private:
  // NCCL takes the CUDA tensors when the backend is nccl; Gloo everything else (it also
  // reduces CUDA tensors, through host copies, when the backend is gloo).
  c10d::Backend& group_for(const at::Tensor& tensor) { return nccl_ && tensor.is_cuda() ? *nccl_ : *gloo_; }
  void join_checks();
  void build_groups();
  void heartbeat_loop();
  void stop_heartbeat();
  template <class F>
  void run(const char* what, F&& body) {
    try {
      body();
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      fail(e, what);
    }
  }
  [[noreturn]] void fail(const std::exception& e, const char* what);
  std::vector<int64_t> heartbeats();

  WorldOptions options_;
  c10::intrusive_ptr<c10d::TCPStore> store_;
  c10::intrusive_ptr<c10d::TCPStore> heartbeat_store_;  ///< the heartbeat thread's own connection
  c10::intrusive_ptr<c10d::Backend> gloo_;              ///< CPU tensors, bytes, flags, barriers
  c10::intrusive_ptr<c10d::Backend> nccl_;              ///< CUDA tensors (backend nccl); null otherwise
  std::thread heartbeat_;
  std::mutex heartbeat_mutex_;
  std::condition_variable heartbeat_stop_;
  bool stopping_ = false;
};

C10dCommunicator::C10dCommunicator(const WorldOptions& options) : options_(options) {
  store_ = connect_store(options_, options_.rank == 0);
  heartbeat_store_ = connect_store(options_, false);
  join_checks();
  heartbeat_ = std::thread(&C10dCommunicator::heartbeat_loop, this);
  try {
    build_groups();
  } catch (...) {
    stop_heartbeat();  // no destructor runs for a half-built object
    throw;
  }
}

void C10dCommunicator::build_groups() {
  auto gloo = c10d::ProcessGroupGloo::Options::create(options_.timeout);
  run("building the Gloo process group", [&] {
    // GLOO_SOCKET_IFNAME picks the interface, as in PyTorch; otherwise the address this
    // host reaches the master from (each rank listens there for the others).
    const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
    gloo->devices.push_back(interface ? c10d::ProcessGroupGloo::createDeviceForInterface(interface)
                                      : c10d::ProcessGroupGloo::createDeviceForHostname(local_address(options_)));
    gloo_ = c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("gloo", store_),
                                                        options_.rank, options_.world_size, gloo);
  });
  if (options_.backend == "nccl") {
    const auto nccl_store = c10::make_intrusive<c10d::PrefixStore>("nccl", store_);
    run("building the NCCL process group", [&] { nccl_ = make_nccl_backend(nccl_store, options_); });
  }
}

C10dCommunicator::~C10dCommunicator() {
  if (nccl_) nccl_->shutdown();  // a normal exit: no watchdog report
  stop_heartbeat();
}

void C10dCommunicator::stop_heartbeat() {
  {
    std::lock_guard<std::mutex> lock(heartbeat_mutex_);
    stopping_ = true;
  }
  heartbeat_stop_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
}

// Every rank agrees on the world size; each rank joins once; all of them within the timeout.
void C10dCommunicator::join_checks() {
  const auto r = std::to_string(options_.rank);
  try {
    if (store_->add("modlr/rank/" + r, 1) > 1)
      throw Error("distributed: rank " + r + " joined twice (check RANK / --node-rank on every host)");
    if (options_.rank == 0) store_->set("modlr/world_size", to_bytes(std::to_string(options_.world_size)));
    const auto announced = from_bytes(store_->get("modlr/world_size"));
    if (announced != std::to_string(options_.world_size))
      throw Error("distributed: rank " + r + " was started for world size " + std::to_string(options_.world_size) +
                  " but rank 0 for " + announced);
    const int64_t joined = store_->add("modlr/joined", 1);
    if (joined > options_.world_size)
      throw Error("distributed: more than " + std::to_string(options_.world_size) + " ranks joined at " +
                  where(options_) + " (another job on the same master port?)");
    if (joined == options_.world_size) store_->set("modlr/all_joined", to_bytes("1"));
    try {
      store_->wait({"modlr/all_joined"}, options_.timeout);
    } catch (const std::exception&) {
      const int64_t now = store_->add("modlr/joined", 0);
      throw Error("distributed: only " + std::to_string(now) + " of " + std::to_string(options_.world_size) +
                  " ranks joined at " + where(options_) + " within " + seconds(options_.timeout) +
                  " (the world size does not match the ranks started)");
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("distributed: rank " + r + ": rendezvous at " + where(options_) + " failed: " + first_line_of(e));
  }
}

void C10dCommunicator::heartbeat_loop() {
  const std::string key = "modlr/heartbeat/" + std::to_string(options_.rank);
  std::unique_lock<std::mutex> lock(heartbeat_mutex_);
  while (!stopping_) {
    try {
      heartbeat_store_->add(key, 1);
    } catch (const std::exception&) {
      return;  // the master is gone; the next collective reports it
    }
    heartbeat_stop_.wait_for(lock, kHeartbeatPeriod, [&] { return stopping_; });
  }
}

std::vector<int64_t> C10dCommunicator::heartbeats() {
  auto client = connect_store(
      [&] {
        auto o = options_;
        o.timeout = std::chrono::seconds(2);
        return o;
      }(),
      false);
  std::vector<int64_t> counts;
  counts.reserve(options_.world_size);
  for (int r = 0; r < options_.world_size; ++r)
    counts.push_back(client->add("modlr/heartbeat/" + std::to_string(r), 0));
  return counts;
}

// A collective failed: find the ranks whose heartbeat stopped and name them.
void C10dCommunicator::fail(const std::exception& e, const char* what) {
  const std::string cause = first_line_of(e);
  const std::string prefix = "distributed: " + std::string(what) + " failed on rank " + std::to_string(options_.rank);
  std::vector<int64_t> before, after;
  try {
    before = heartbeats();
    std::this_thread::sleep_for(kHeartbeatPeriod * 6);
    after = heartbeats();
  } catch (const std::exception&) {
    throw Error(prefix + ": rank 0 (the master at " + where(options_) + ") is gone (" + cause + ")");
  }
  std::string dead;
  for (int r = 0; r < options_.world_size; ++r)
    if (r != options_.rank && after[static_cast<size_t>(r)] == before[static_cast<size_t>(r)])
      dead += (dead.empty() ? "" : ", ") + std::to_string(r);
  if (!dead.empty()) throw Error(prefix + ": rank " + dead + " stopped (no heartbeat): " + cause);
  throw Error(prefix + " (every rank is alive: a timeout or a network error): " + cause);
}

std::vector<std::string> C10dCommunicator::all_gather_bytes(const std::string& bytes) {
  const int n = options_.world_size;
  auto length = torch::tensor({static_cast<int64_t>(bytes.size())}, torch::kInt64);
  std::vector<std::vector<at::Tensor>> lengths(1);
  for (int r = 0; r < n; ++r) lengths[0].push_back(torch::empty({1}, torch::kInt64));
  std::vector<at::Tensor> input{length};
  run("all-gather", [&] { gloo_->allgather(lengths, input)->wait(); });
  int64_t longest = 0;
  for (const auto& l : lengths[0]) longest = std::max(longest, l.item<int64_t>());
  auto padded = torch::zeros({std::max<int64_t>(longest, 1)}, torch::kUInt8);
  std::memcpy(padded.data_ptr<uint8_t>(), bytes.data(), bytes.size());
  std::vector<std::vector<at::Tensor>> gathered(1);
  for (int r = 0; r < n; ++r) gathered[0].push_back(torch::empty_like(padded));
  std::vector<at::Tensor> data{padded};
  run("all-gather", [&] { gloo_->allgather(gathered, data)->wait(); });
  std::vector<std::string> out;
  for (int r = 0; r < n; ++r) {
    const auto* p = reinterpret_cast<const char*>(gathered[0][static_cast<size_t>(r)].data_ptr<uint8_t>());
    out.emplace_back(p, static_cast<size_t>(lengths[0][static_cast<size_t>(r)].item<int64_t>()));
  }
  return out;
}

std::string C10dCommunicator::broadcast_bytes(const std::string& bytes, int root) {
  auto length = torch::tensor({static_cast<int64_t>(bytes.size())}, torch::kInt64);
  broadcast(length, root);
  const int64_t n = length.item<int64_t>();
  auto data = torch::zeros({std::max<int64_t>(n, 1)}, torch::kUInt8);
  if (options_.rank == root) std::memcpy(data.data_ptr<uint8_t>(), bytes.data(), bytes.size());
  broadcast(data, root);
  return {reinterpret_cast<const char*>(data.data_ptr<uint8_t>()), static_cast<size_t>(n)};
}

// Every rank posts a verdict, so a disagreement stops all of them with the same message
// instead of leaving the others waiting for a collective.
void C10dCommunicator::check_agreement(const std::string& what, const std::string& text,
                                       std::string (*describe)(const std::string&, const std::string&)) {
  const std::string key = "modlr/agree/" + what;
  try {
    if (options_.rank == 0) store_->set(key, to_bytes(text));
    std::string verdict = "ok";
    if (options_.rank != 0) {
      const auto reference = from_bytes(store_->get(key));
      if (reference != text)
        verdict = "rank " + std::to_string(options_.rank) + "'s " + what +
                  " differs from rank 0's: " + describe(text, reference);
    }
    store_->set(key + "/verdict/" + std::to_string(options_.rank), to_bytes(verdict));
    for (int r = 0; r < options_.world_size; ++r) {
      const auto other = from_bytes(store_->get(key + "/verdict/" + std::to_string(r)));
      if (other != "ok") throw Error("distributed: " + other);
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    fail(e, "checking the ranks' configs");
  }
  barrier();
}

}  // namespace

std::unique_ptr<Communicator> Communicator::join(const WorldOptions& options) {
  // c10d logs every failed connection attempt and peer loss to stderr, stack traces
  // included; modlr reports each failure itself, in one line naming the rank.
  FLAGS_caffe2_log_level = std::max(FLAGS_caffe2_log_level, 3);
  if (options.world_size < 1 || options.rank < 0 || options.rank >= options.world_size)
    throw Error("distributed: rank " + std::to_string(options.rank) + " is outside world size " +
                std::to_string(options.world_size));
  if (options.backend != "gloo" && options.backend != "nccl")
    throw Error("distributed: unknown backend '" + options.backend + "' (runner.distributed.backend: gloo | nccl)");
  if (options.backend == "nccl" && !nccl_available())
    throw Error(
        "distributed: backend nccl is not in this build (libtorch without CUDA): use runner.distributed.backend=gloo");
  return std::make_unique<C10dCommunicator>(options);
}

}  // namespace modlr
