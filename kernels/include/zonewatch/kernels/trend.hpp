#pragma once
// Trends of a yearly indicator and the grading of its change, for the annual assessment:
// the Theil–Sen slope (Sen 1968), the Mann–Kendall test (Mann 1945, Kendall 1975; variance
// with the tie correction and Z with the continuity correction as in Gilbert 1987, ch. 16),
// and the ΔEI change classes of HJ 192-2015 on a 0–100 scale.
#include <array>
#include <limits>
#include <span>
#include <string_view>

#include "zonewatch/kernels/enum_names.hpp"

namespace zw::kernels {

/// Median of the pairwise slopes, and the intercept median(y) - slope * median(x) (Conover
/// 1980); NaN with fewer than two valid points.
struct TheilSen {
  double slope = std::numeric_limits<double>::quiet_NaN();
  double intercept = std::numeric_limits<double>::quiet_NaN();
  int n = 0;  // valid points used
};

/// Pairs (x[i], y[i]) with a NaN y are skipped; pairs with equal x give no slope. Throws
/// std::invalid_argument when x and y differ in length.
TheilSen theil_sen(std::span<const double> x, std::span<const double> y);

/// Mann–Kendall trend test of a series in time order. With fewer than three valid values
/// there is no test: s = 0, z = 0, p_value = 1.
struct MannKendall {
  double s = 0.0;         // sum of signs of later minus earlier values
  double variance = 0.0;  // of s under no trend, tie-corrected
  double z = 0.0;         // (s -/+ 1) / sqrt(variance), 0 when s is 0
  double p_value = 1.0;   // two-sided, normal approximation
  int n = 0;              // valid values used
};

/// NaN values are skipped (the remaining ones keep their order).
MannKendall mann_kendall(std::span<const double> y);

/// Whether a Mann–Kendall result is significant at level `alpha` (two-sided).
[[nodiscard]] inline bool trend_significant(const MannKendall& test, double alpha = 0.05) {
  return test.n >= 3 && test.p_value < alpha;
}

/// The grade of an indicator's change (HJ 192-2015 ΔEI: |Δ| <= 1 no marked change,
/// 1 < |Δ| <= 3 slight, |Δ| > 3 marked), better or worse by its sign.
enum class ChangeClass : int {
  not_assessed = 0,
  significantly_worse,
  slightly_worse,
  stable,
  slightly_better,
  significantly_better
};

inline constexpr EnumNames kChangeClassNames{std::array{
    EnumName<ChangeClass>{ChangeClass::not_assessed, "not_assessed", "未评估"},
    EnumName<ChangeClass>{ChangeClass::significantly_worse, "significantly_worse", "明显变差"},
    EnumName<ChangeClass>{ChangeClass::slightly_worse, "slightly_worse", "略微变差"},
    EnumName<ChangeClass>{ChangeClass::stable, "stable", "基本稳定"},
    EnumName<ChangeClass>{ChangeClass::slightly_better, "slightly_better", "略微变好"},
    EnumName<ChangeClass>{ChangeClass::significantly_better, "significantly_better", "明显变好"},
}};

[[nodiscard]] constexpr std::string_view to_string(ChangeClass value) { return kChangeClassNames.name(value); }
[[nodiscard]] constexpr std::string_view chinese_name(ChangeClass value) { return kChangeClassNames.chinese(value); }

/// The class of a change of `delta_points` (indicator x 100): stable within ±stable_max,
/// slight up to ±slight_max, significant beyond; not_assessed for NaN. Bounds belong to the
/// milder class, as in HJ 192-2015. Throws std::invalid_argument unless
/// 0 <= stable_max <= slight_max.
ChangeClass delta_class(double delta_points, double stable_max = 1.0, double slight_max = 3.0);

}  // namespace zw::kernels
