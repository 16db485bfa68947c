#pragma once
/// Queries over indexed runs (`modlr runs`): filters, sorting, the table, and two runs'
/// configs side by side. No torch here.
#include <string>
#include <vector>

#include "modlr/compare/run_index.h"

namespace modlr::compare {

/// `--where KEY OP VALUE`: OP is one of < <= > >= = != (== is =). Numbers compare as
/// numbers (when both sides are numbers), anything else as text (= and != only). A run
/// without KEY does not match.
struct RunFilter {
  std::string key, op, value;
  /// Throws modlr::Error "--where 'TEXT': ..." for a malformed filter.
  static RunFilter parse(const std::string& text);
  bool matches(const IndexedRun& run) const;
};

/// Throws modlr::Error naming `key` (as `option` took it) when no run in `runs` has it,
/// with the keys they do have that are closest.
void check_key_exists(const std::vector<IndexedRun>& runs, const std::string& key, const std::string& option);

/// Sorts by `key` ascending, or descending for "-key"; runs without the key go last,
/// and ties keep directory order.
void sort_runs(std::vector<IndexedRun>& runs, const std::string& key);

/// The config keys whose values differ between `runs` (seed, experiment and tracking.*
/// left out), in key order, at most `limit`.
std::vector<std::string> differing_config_keys(const std::vector<IndexedRun>& runs, size_t limit);

/// The runs as an aligned text table: run (its directory relative to `base_dir`), status,
/// then `columns` (empty cells where a run lacks one).
std::string runs_table(const std::vector<IndexedRun>& runs, const std::vector<std::string>& columns,
                       const std::string& base_dir);

/// Two runs' resolved configs side by side: "key  a  b" for every key whose values
/// differ (a missing key shows as "-"), then how many keys are equal.
std::string config_diff(const IndexedRun& a, const IndexedRun& b);

}  // namespace modlr::compare
