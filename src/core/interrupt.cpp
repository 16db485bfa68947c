#include "modlr/core/interrupt.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace modlr {
namespace {

// Lock-free, so reading and writing it in a signal handler is safe.
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int signal) {
  request_stop(signal);
  std::signal(signal, SIG_DFL);  // a second Ctrl-C ends the process at once
}

const char* signal_label(int signal) {
  return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal";
}

constexpr int kThrow = -1;  // the THROW action: not a signal

struct SignalPoint {
  std::string point;
  long remaining = 0;
  int signal = 0;
};

// Parsed once; `remaining` counts down under the mutex (points may be passed from the
// prefetch thread too).
SignalPoint* configured_point() {
  static SignalPoint* configured = []() -> SignalPoint* {
    const char* value = std::getenv("MODLR_TEST_FAULT");
    if (!value) return nullptr;
    // MODLR_TEST_FAULT_RANK=r: only rank r of a data-parallel run (RANK) takes the fault.
    const char* only_rank = std::getenv("MODLR_TEST_FAULT_RANK");
    const char* rank = std::getenv("RANK");
    if (only_rank && std::string(only_rank) != (rank ? rank : "0")) return nullptr;
    const std::string text = value;
    const auto first = text.find(':'), second = text.rfind(':');
    auto* parsed = new SignalPoint;  // lives for the process
    if (first != std::string::npos && second != first) {
      parsed->point = text.substr(0, first);
      parsed->remaining = std::strtol(text.substr(first + 1, second - first - 1).c_str(), nullptr, 10);
      const std::string name = text.substr(second + 1);
      parsed->signal = name == "KILL"    ? SIGKILL
                       : name == "TERM"  ? SIGTERM
                       : name == "INT"   ? SIGINT
                       : name == "THROW" ? kThrow
                                         : 0;
    }
    if (parsed->point.empty() || parsed->remaining < 1 || parsed->signal == 0)
      throw Error("MODLR_TEST_FAULT='" + text + "': expected <point>:<n>:<KILL|TERM|INT|THROW>");
    return parsed;
  }();
  return configured;
}

}  // namespace

Interrupted::Interrupted(int signal) : Error(std::string("interrupted by ") + signal_label(signal)), signal_(signal) {}

void install_stop_handlers() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGXFSZ, SIG_IGN);
}

void request_stop(int signal) {
  int none = 0;
  g_stop_signal.compare_exchange_strong(none, signal);
}

int stop_signal() { return g_stop_signal.load(); }

void throw_if_stop_requested() {
  if (const int signal = stop_signal()) throw Interrupted(signal);
}

bool signal_points_enabled() { return configured_point() != nullptr; }

void signal_point(const char* point) {
  SignalPoint* configured = configured_point();
  if (!configured || configured->point != point) return;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  if (configured->remaining <= 0 || --configured->remaining > 0) return;
  if (configured->signal == kThrow) throw Error(std::string("fault injected at ") + point);
  std::raise(configured->signal);
}

}  // namespace modlr
