// Queries over indexed runs (compare/run_query.h).
#include "modlr/compare/run_query.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include "modlr/core/error.h"
#include "modlr/core/text.h"

namespace modlr::compare {
namespace {

std::optional<double> as_number(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') return std::nullopt;
  return value;
}

bool compare_numbers(double a, const std::string& op, double b) {
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  if (op == ">=") return a >= b;
  if (op == "=") return a == b;
  return a != b;
}

std::string cell(const IndexedRun& run, const std::string& column) {
  if (const auto number = run.values.find(column); number != run.values.end()) {
    std::ostringstream text;
    text.precision(4);
    text << number->second;
    return text.str();
  }
  return run.field(column).value_or("");
}

}  // namespace

RunFilter RunFilter::parse(const std::string& text) {
  static const char* const kOps[] = {"<=", ">=", "!=", "==", "<", ">", "="};
  for (const char* op : kOps) {
    const auto at = text.find(op);
    if (at == std::string::npos) continue;
    RunFilter filter{trim(text.substr(0, at)), op, trim(text.substr(at + std::string(op).size()))};
    if (filter.op == "==") filter.op = "=";
    if (filter.key.empty() || filter.value.empty())
      throw Error("--where '" + text + "': needs KEY OP VALUE, e.g. 'test.accuracy>0.9'");
    return filter;
  }
  throw Error("--where '" + text + "': no comparison (< <= > >= = !=), e.g. 'test.accuracy>0.9'");
}

bool RunFilter::matches(const IndexedRun& run) const {
  const auto field = run.field(key);
  if (!field) return false;
  const auto a = run.number(key), b = as_number(value);
  if (a && b) return compare_numbers(*a, op, *b);
  if (op == "=") return *field == value;
  if (op == "!=") return *field != value;
  return false;  // an order between texts is not asked for
}

void check_key_exists(const std::vector<IndexedRun>& runs, const std::string& key, const std::string& option) {
  std::set<std::string> keys = {"run", "dir", "experiment", "status", "seed", "epochs"};
  for (const auto& run : runs) {
    if (run.field(key)) return;
    for (const auto& [name, value] : run.values) keys.insert(name);
    for (const auto& [name, value] : run.config) keys.insert(name);
  }
  if (runs.empty()) return;
  const auto suggestion = closest_match(key, {keys.begin(), keys.end()});
  throw Error(option + ": no run has a key '" + key + "'" +
              (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)"));
}

void sort_runs(std::vector<IndexedRun>& runs, const std::string& key) {
  const bool descending = !key.empty() && key[0] == '-';
  const std::string name = descending ? key.substr(1) : key;
  std::stable_sort(runs.begin(), runs.end(), [&](const IndexedRun& a, const IndexedRun& b) {
    const auto x = a.field(name), y = b.field(name);
    if (!x || !y) return x.has_value() && !y.has_value();
    const auto nx = a.number(name), ny = b.number(name);
    if (nx && ny) return descending ? *nx > *ny : *nx < *ny;
    return descending ? *x > *y : *x < *y;
  });
}

std::vector<std::string> differing_config_keys(const std::vector<IndexedRun>& runs, size_t limit) {
  std::map<std::string, std::set<std::string>> values;
  for (const auto& run : runs)
    for (const auto& [key, value] : run.config) values[key].insert(value);
  std::vector<std::string> keys;
  for (const auto& entry : values) {
    const std::string& key = entry.first;
    if (key == "seed" || key == "experiment" || key.rfind("tracking.", 0) == 0) continue;
    const bool everywhere =
        std::all_of(runs.begin(), runs.end(), [&](const IndexedRun& r) { return r.config.count(key); });
    if ((entry.second.size() > 1 || !everywhere) && keys.size() < limit) keys.push_back(key);
  }
  return keys;
}

std::string runs_table(const std::vector<IndexedRun>& runs, const std::vector<std::string>& columns,
                       const std::string& base_dir) {
  std::vector<std::string> header{"run", "status"};
  header.insert(header.end(), columns.begin(), columns.end());
  std::vector<std::vector<std::string>> rows{header};
  const auto base = std::filesystem::weakly_canonical(base_dir);
  for (const auto& run : runs) {
    std::vector<std::string> row{std::filesystem::path(run.dir).lexically_relative(base).string(), run.status};
    for (const auto& column : columns) row.push_back(cell(run, column));
    rows.push_back(std::move(row));
  }
  std::vector<size_t> widths(header.size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  std::ostringstream out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) line += row[i] + std::string(widths[i] - row[i].size() + 2, ' ');
    out << line.substr(0, line.find_last_not_of(' ') + 1) << "\n";
  }
  return out.str();
}

std::string config_diff(const IndexedRun& a, const IndexedRun& b) {
  std::set<std::string> keys;
  for (const auto& [key, value] : a.config) keys.insert(key);
  for (const auto& [key, value] : b.config) keys.insert(key);
  std::vector<std::vector<std::string>> rows{{"key", a.run_id, b.run_id}};
  size_t equal = 0;
  for (const auto& key : keys) {
    const auto x = a.config.find(key), y = b.config.find(key);
    const std::string left = x == a.config.end() ? "-" : x->second, right = y == b.config.end() ? "-" : y->second;
    if (left == right && x != a.config.end() && y != b.config.end()) {
      ++equal;
      continue;
    }
    rows.push_back({key, left, right});
  }
  size_t width[2] = {0, 0};
  for (const auto& row : rows)
    width[0] = std::max(width[0], row[0].size()), width[1] = std::max(width[1], row[1].size());
  std::ostringstream out;
  for (const auto& row : rows)
    out << row[0] << std::string(width[0] - row[0].size() + 2, ' ') << row[1]
        << std::string(width[1] - row[1].size() + 2, ' ') << row[2] << "\n";
  out << equal << " other key(s) equal\n";
  return out.str();
}

}  // namespace modlr::compare
