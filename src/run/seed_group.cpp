// A group of runs, one per seed (`modlr train --seeds`), and the parsing of the seed list.
#include <algorithm>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "modlr/core/error.h"
#include "modlr/core/interrupt.h"
#include "modlr/run/training_run.h"
#include "run_parts.h"

namespace modlr {
namespace {

int run_seed_group(const RunRequest& args, const std::string& seed_list) {
  const auto seeds = parse_seeds(seed_list);
  if (!args.resume.empty()) throw Error("--seeds and --resume can not be combined; resume each run on its own");
  for (const auto& o : args.overrides)
    if (o.rfind("seed=", 0) == 0) throw Error("--seeds and --set " + o + " both set the seed; use one");
  const auto place = record_place(Config::load(args.config, args.overrides));
  const auto group = claim_stamped_directory(place.dir + "/" + place.name, "group-");
  std::vector<int64_t> finished, failed;
  for (size_t i = 0; i < seeds.size() && !stop_signal(); ++i) {  // an interrupt stops the group
    std::cout << "seed " << seeds[i] << " (" << i + 1 << "/" << seeds.size() << ")" << std::endl;
    auto run = args;
    run.overrides.push_back("seed=" + std::to_string(seeds[i]));
    const int status = train_run(run, group);
    if (status == 0)
      finished.push_back(seeds[i]);
    else if (status == 1)
      failed.push_back(seeds[i]);  // else: interrupted (128 + signal)
  }
  const auto list = [](const std::vector<int64_t>& values) {
    std::string out;
    for (const auto v : values) out += (out.empty() ? "" : ", ") + std::to_string(v);
    return out.empty() ? "none" : out;
  };
  std::cout << "run group: " << place.dir << "/" << place.name << "/" << group << " (" << finished.size() << " of "
            << seeds.size() << " runs finished: " << list(finished) << ")" << std::endl;
  if (!failed.empty())
    std::cerr << "modlr: error: seeds " << list(failed) << " failed (their runs say why)" << std::endl;
  if (const int signal = stop_signal()) {
    std::cerr << "modlr: interrupted; seeds not finished: " << seeds.size() - finished.size() - failed.size()
              << " (finished: " << list(finished) << ")" << std::endl;
    return 128 + signal;
  }
  return failed.empty() ? 0 : 1;
}

}  // namespace

int train_seed_group(const RunRequest& request, const std::string& seeds) {
  try {
    return run_seed_group(request, seeds);
  } catch (const std::exception& e) {
    std::cerr << "modlr: error: " << describe_error(e) << std::endl;
    return 1;
  }
}

std::vector<int64_t> parse_seeds(const std::string& text) {
  std::vector<int64_t> seeds;
  std::stringstream items(text);
  for (std::string item; std::getline(items, item, ',');) {
    size_t used = 0;
    try {
      const auto dash = item.find('-', 1);  // from 1: a leading '-' is a sign
      const int64_t first = std::stoll(item.substr(0, dash), &used);
      if (used != item.substr(0, dash).size()) throw Error("");
      int64_t last = first;
      if (dash != std::string::npos) {
        last = std::stoll(item.substr(dash + 1), &used);
        if (used != item.size() - dash - 1) throw Error("");
      }
      if (last < first || first < 0) throw Error("");
      // Counted before the loop: a range up to INT64_MAX must be refused, not walked.
      if (static_cast<uint64_t>(last) - static_cast<uint64_t>(first) >= kMaxSeeds - seeds.size())
        throw Error("--seeds '" + text + "': more than " + std::to_string(kMaxSeeds) + " seeds");
      for (int64_t s = first; s <= last; ++s) seeds.push_back(s);
    } catch (const Error& e) {
      if (*e.what()) throw;
      throw Error("--seeds '" + text + "': expected seeds >= 0 and ranges like 1,2,3 or 1-5, got '" + item + "'");
    } catch (const std::exception&) {
      throw Error("--seeds '" + text + "': expected seeds >= 0 and ranges like 1,2,3 or 1-5, got '" + item + "'");
    }
  }
  if (seeds.empty()) throw Error("--seeds '" + text + "': no seeds");
  auto sorted = seeds;
  std::sort(sorted.begin(), sorted.end());
  const auto repeated = std::adjacent_find(sorted.begin(), sorted.end());
  if (repeated != sorted.end()) throw Error("--seeds '" + text + "': seed " + std::to_string(*repeated) + " repeated");
  return seeds;
}

}  // namespace modlr
