#pragma once
// The judge stage: "one unit, one strategy" (一单元一策略). Each control unit is judged by
// its own rule (its type's, or an override by unit code): which change types alert in it,
// how severe a hotspot of a given area is and why (the rule in words), and whether the unit
// itself is assessable and flagged. The scan builds hotspots asking the judge what alerts,
// then the judge rates them and the units; the monitoring store asks it again for hotspots
// it merges.
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/stages/results.hpp"

namespace zw {

struct JudgeOptions {
  RuleSet rules;
  /// The checks the config loader makes, for rules built in code: shares in [0, 1], areas
  /// not negative, medium severity not above high. Throws ConfigError naming the rule.
  void validate() const;
};

/// What the judge decided over a scan, for run.json's counts.
struct JudgeResult {
  std::size_t hotspots = 0;
  std::size_t units_flagged = 0;
  std::size_t units_not_assessable = 0;
  /// {"units_flagged", "units_not_assessable"}.
  [[nodiscard]] nlohmann::json to_json() const;
};

class Judge {
 public:
  /// Validates `options` (JudgeOptions::validate) up front.
  explicit Judge(JudgeOptions options);

  /// The rule unit `code` of `type` is judged by.
  [[nodiscard]] const UnitRule& rule_for(const std::string& code, UnitType type) const;
  /// Whether a patch of change `type` in the unit becomes a hotspot.
  [[nodiscard]] bool alerts(const std::string& code, UnitType unit_type, kernels::ChangeType type) const;

  /// Severity by area under the unit's rule and the rule that fired in words, e.g.
  /// "priority: construction 12000 m2 >= 5000 m2 -> high".
  void rate(Hotspot& hotspot) const;

  /// From the unit's changed area by type: its total changed area (over the change types
  /// its rule alerts on) and share, whether it is assessable and flagged, and why.
  void assess(UnitResult& unit) const;

  /// The stage: rates every hotspot, assesses every unit and puts the hotspots in report
  /// order (hotspots.hpp).
  JudgeResult run(std::vector<Hotspot>& hotspots, std::vector<UnitResult>& units) const;

  [[nodiscard]] const JudgeOptions& options() const { return options_; }

 private:
  JudgeOptions options_;
};

}  // namespace zw
