// The page of a study (report/study_report.h).
#include "modlr/report/study_report.h"

#include <cmath>
#include <sstream>

#include "../tune/tpe_sampler.h"
#include "modlr/compare/run_group.h"
#include "modlr/report/html_report.h"
#include "modlr/report/svg_plot.h"
#include "modlr/tune/study_store.h"

namespace modlr::report {
namespace {

const char* const kComplete = "#0072B2";
const char* const kPruned = "#D55E00";

std::string number_text(double value) {
  std::ostringstream text;
  text.precision(4);
  text << value;
  return text.str();
}

// The trial's point for a parameter: its value, or the last value a pruned trial reported.
std::optional<double> objective_of(const TrialSnapshot& trial) {
  if (trial.state == TrialState::complete && trial.value) return trial.value;
  if (trial.state == TrialState::pruned && !trial.curve.empty()) return trial.curve.rbegin()->second;
  return std::nullopt;
}

std::string parameter_plot(const SearchParameter& p, const std::vector<TrialSnapshot>& trials,
                           const std::string& metric) {
  ScatterPlot plot;
  plot.title = p.key;
  plot.y_label = metric;
  const bool log = p.distribution == Distribution::log_uniform;
  plot.x_label = log ? "log10(" + p.key + ")" : p.key;
  if (p.distribution == Distribution::categorical) {
    plot.x_label += " (";
    for (size_t i = 0; i < p.choices.size(); ++i)
      plot.x_label += (i ? ", " : "") + std::to_string(i) + "=" + p.choices[i];
    plot.x_label += ")";
  }
  for (const auto& trial : trials)
    if (const auto y = objective_of(trial)) {
      const double x = trial.params.at(p.key);
      plot.points.push_back({log ? std::log10(x) : x, *y, trial.state == TrialState::complete ? kComplete : kPruned,
                             trial.state == TrialState::pruned});
    }
  plot.legend = {{"complete", kComplete}, {"pruned (last value)", kPruned}};
  return scatter_plot_svg(plot);
}

std::string curves_plot(const std::vector<TrialSnapshot>& trials, const std::string& metric) {
  LinePlot plot;
  plot.title = "every trial's " + metric;
  plot.x_label = "validation (step)";
  plot.y_label = metric;
  plot.integer_x = true;
  for (const auto& trial : trials) {
    if (trial.curve.empty()) continue;
    Series s;
    s.label = "trial " + std::to_string(trial.number);
    s.color = trial.state == TrialState::pruned ? kPruned : kComplete;
    s.in_legend = false;
    s.stroke_width = trial.state == TrialState::pruned ? 1 : 1.5;
    s.dash = trial.state == TrialState::pruned ? "4 3" : "";
    for (const auto& [step, value] : trial.curve) s.x.push_back(static_cast<double>(step)), s.y.push_back(value);
    plot.series.push_back(std::move(s));
  }
  return line_plot_svg(plot);
}

// The best trial's runs (one per seed): its curves per epoch from metrics.csv.
std::string best_trial_plots(StudyStore& store, const TrialSnapshot& best) {
  std::string out;
  for (const char* name : {"validation/accuracy", "validation/loss", "train/loss"}) {
    LinePlot plot;
    plot.title = std::string("best trial (") + std::to_string(best.number) + "): " + name;
    plot.x_label = "epoch";
    plot.y_label = name;
    plot.integer_x = true;
    size_t i = 0;
    for (const auto& run : store.runs(best.number)) {
      if (run.run_dir.empty()) continue;
      const auto data = compare::load_run(run.run_dir);
      const auto found = data.curves.find(name);
      if (found == data.curves.end()) continue;
      Series s;
      s.label = "seed " + std::to_string(run.seed);
      s.color = palette_color(i++);
      s.x = found->second.epochs;
      s.y = found->second.values;
      plot.series.push_back(std::move(s));
    }
    if (!plot.series.empty()) out += line_plot_svg(plot);
  }
  return out;
}

std::string trials_table(StudyStore& store, const std::vector<const TrialSnapshot*>& order, const SearchSpace& space) {
  std::string out = "<table>\n" + table_row({"trial", "state", "value", "spread", "epochs", "parameters"}, "th");
  for (const auto* trial : order) {
    double epochs = 0;
    for (const auto& run : store.runs(trial->number)) epochs += run.epochs;
    const auto spread = store.spread(trial->number);
    out += table_row({std::to_string(trial->number), trial_state_name(trial->state),
                      trial->value ? number_text(*trial->value) : "", spread ? number_text(*spread) : "",
                      number_text(epochs), space.describe(trial->params)});
  }
  return out + "</table>\n";
}

}  // namespace

std::string study_report_html(const std::string& study_dir, const std::string& title) {
  auto store = StudyStore::open(StudyLocation::of_directory(study_dir));
  const auto& settings = store.settings();
  const auto space = SearchSpace::parse(settings.space_text, store.name() + " (its search space)");
  const auto trials = store.trials();
  auto order = rank_trials(trials, settings.objective);
  for (const auto& trial : trials)
    if (trial.state != TrialState::complete && trial.state != TrialState::pruned) order.push_back(&trial);
  const auto& metric = settings.objective.metric;
  std::ostringstream page;
  page << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << escape_xml(title)
       << "</title>\n<style>" << report_style() << "</style>\n</head>\n<body>\n<h1>" << escape_xml(title) << "</h1>\n"
       << "<p class=\"meta\">" << escape_xml(study_dir) << ": " << trials.size() << " trials, " << escape_xml(metric)
       << " (" << (settings.objective.maximize ? "max" : "min") << "), sampler " << escape_xml(settings.sampler.name)
       << ", pruner " << escape_xml(settings.pruner.name) << "</p>\n";
  page << "<h2>Parameters against " << escape_xml(metric) << "</h2>\n<div class=\"plots\">\n";
  for (const auto& parameter : space.parameters()) page << parameter_plot(parameter, trials, metric);
  page << curves_plot(trials, metric) << "</div>\n";
  if (!order.empty() && order.front()->state == TrialState::complete)
    page << "<h2>The best trial</h2>\n<div class=\"plots\">\n" << best_trial_plots(store, *order.front()) << "</div>\n";
  page << "<h2>Trials, best first</h2>\n" << trials_table(store, order, space) << "</body>\n</html>\n";
  return page.str();
}

}  // namespace modlr::report
