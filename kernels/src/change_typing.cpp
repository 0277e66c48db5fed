#include "zonewatch/kernels/change_typing.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <string>

namespace zw::kernels {
namespace {

// Every rule is written so that a NaN feature makes a comparison false and the rule not fire.

[[nodiscard]] inline bool water_loss_fires(const PixelFeatures& f, const TypingRules& rules) {
  return f.water_before >= rules.water_threshold && f.water_after < rules.water_threshold;
}

[[nodiscard]] inline bool water_gain_fires(const PixelFeatures& f, const TypingRules& rules) {
  return f.water_before < rules.water_threshold && f.water_after >= rules.water_threshold;
}

[[nodiscard]] inline bool construction_fires(const PixelFeatures& f, const TypingRules& rules) {
  // Without any greenness index the vegetation guard cannot object; built/bare still decide.
  const bool little_vegetation_after =
      std::isnan(f.greenness_after) || f.greenness_after <= rules.construction_max_greenness_after;
  if (!little_vegetation_after) return false;
  const float built_rise = f.built_after - f.built_before;
  const float bare_rise = f.bare_after - f.bare_before;
  if (built_rise >= rules.construction_min_built_rise) return true;
  if (bare_rise >= rules.construction_min_bare_rise) return true;
  // RGB-only imagery has neither index: brightening that coincides with lost greenness.
  if (std::isnan(built_rise) && std::isnan(bare_rise)) {
    const float brightness_rise = f.brightness_after - f.brightness_before;
    return brightness_rise >= rules.construction_min_brightness_rise && f.greenness_after < f.greenness_before;
  }
  return false;
}

[[nodiscard]] inline bool little_vegetation_after(const PixelFeatures& f, const TypingRules& rules) {
  return std::isnan(f.greenness_after) || f.greenness_after <= rules.construction_max_greenness_after;
}

[[nodiscard]] inline bool blue_roof_fires(const PixelFeatures& f, const TypingRules& rules) {
  // NaN bands make blue_roof_test false: "after" then does not fire, and "before" must be
  // known to be no roof (a NaN before would wrongly read as "was not a roof").
  if (std::isnan(f.red_before) || std::isnan(f.green_before) || std::isnan(f.blue_before)) return false;
  return blue_roof_test(f.red_after, f.green_after, f.blue_after, rules.blue_roof) &&
         !blue_roof_test(f.red_before, f.green_before, f.blue_before, rules.blue_roof) &&
         little_vegetation_after(f, rules);
}

[[nodiscard]] inline bool mining_fires(const PixelFeatures& f, const TypingRules& rules) {
  const float bare_rise = f.bare_after - f.bare_before;
  return f.slope >= rules.mining_min_slope_deg && f.greenness_before >= rules.vegetation_min_greenness_before &&
         f.greenness_before - f.greenness_after >= rules.vegetation_min_greenness_drop &&
         little_vegetation_after(f, rules) && f.brightness_after - f.brightness_before > 0.0f &&
         (bare_rise >= rules.construction_min_bare_rise || std::isnan(bare_rise));
}

[[nodiscard]] inline bool dumping_fires(const PixelFeatures& f, const TypingRules& rules) {
  if (!(f.texture_after >= rules.dumping_min_texture)) return false;
  if (!little_vegetation_after(f, rules) || !(f.greenness_after < f.greenness_before)) return false;
  const float brightness_rise = f.brightness_after - f.brightness_before;
  if (!(brightness_rise > 0.0f)) return false;
  const float bare_rise = f.bare_after - f.bare_before;
  if (bare_rise >= rules.construction_min_bare_rise) return true;
  return std::isnan(bare_rise) && brightness_rise >= rules.construction_min_brightness_rise;
}

[[nodiscard]] inline bool vegetation_loss_fires(const PixelFeatures& f, const TypingRules& rules) {
  return f.greenness_before >= rules.vegetation_min_greenness_before &&
         f.greenness_before - f.greenness_after >= rules.vegetation_min_greenness_drop;
}

// Pseudo-change: the land cover stayed what it was.
[[nodiscard]] inline bool stable_water(const PixelFeatures& f, const TypingRules& rules) {
  return rules.suppress_stable_water && f.water_before >= rules.water_threshold &&
         f.water_after >= rules.water_threshold;
}

[[nodiscard]] inline bool persistent_vegetation(const PixelFeatures& f, const TypingRules& rules) {
  return rules.suppress_persistent_vegetation && f.greenness_before >= rules.vegetation_min_greenness_before &&
         f.greenness_after >= rules.vegetation_persist_min_greenness;
}

[[nodiscard]] inline bool rule_fires(ChangeType rule, const PixelFeatures& f, const TypingRules& rules) {
  switch (rule) {
    case ChangeType::water_loss: return water_loss_fires(f, rules);
    case ChangeType::water_gain: return water_gain_fires(f, rules);
    case ChangeType::construction: return construction_fires(f, rules);
    case ChangeType::vegetation_loss: return vegetation_loss_fires(f, rules);
    case ChangeType::blue_roof: return blue_roof_fires(f, rules);
    case ChangeType::mining: return mining_fires(f, rules);
    case ChangeType::dumping: return dumping_fires(f, rules);
    default: return false;  // none/other/nodata/water_quality are outcomes, not pixel rules
  }
}

template <class A, class B>
bool same_size(const TileView<A>& a, const TileView<B>& b) {
  return a.width == b.width && a.height == b.height;
}

/// Row pointer of a plane, or nullptr for an absent plane (read as NaN).
[[nodiscard]] inline const float* row_or_null(const ConstTileView<float>& plane, int y) {
  return plane.empty() ? nullptr : plane.row(y);
}

[[nodiscard]] inline float value_or_nan(const float* row, int x) { return row == nullptr ? kNaN : row[x]; }

}  // namespace

std::string_view to_string(ChangeType type) {
  const std::string_view name = kChangeTypeNames.name(type);
  return name.empty() ? "unknown" : name;
}

std::string change_type_listing() {
  std::string out;
  for (const auto& entry : kChangeTypeNames.entries()) {
    if (!is_change(entry.value)) continue;
    if (!out.empty()) out += ", ";
    out += entry.name;
  }
  return out;
}

std::optional<ChangeType> change_type_from_string(std::string_view name) {
  return kChangeTypeNames.parse_any_case(name);
}

ChangeType classify_pixel(const PixelFeatures& f, const TypingRules& rules) {
  if (std::isnan(f.magnitude)) return ChangeType::nodata;
  if (!(f.magnitude >= rules.magnitude_threshold)) return ChangeType::none;
  if (stable_water(f, rules)) return ChangeType::none;
  // Vegetation that persisted explains away land changes, not a crossing of the water line.
  const bool persisted = persistent_vegetation(f, rules);
  for (ChangeType rule : rules.order) {
    if (persisted && rule != ChangeType::water_loss && rule != ChangeType::water_gain) continue;
    if (rule_fires(rule, f, rules)) return rule;
  }
  return persisted || !rules.report_other ? ChangeType::none : ChangeType::other;
}

void classify_tile(const FeatureTiles& features, const TypingRules& rules, TileView<std::uint8_t> out) {
  const ConstTileView<float>& magnitude = features.magnitude;
  if (magnitude.empty()) throw std::invalid_argument("classify_tile: magnitude plane is required");
  const std::array<const ConstTileView<float>*, 18> optional_planes{
      &features.greenness_before, &features.greenness_after, &features.water_before,
      &features.water_after,      &features.built_before,    &features.built_after,
      &features.bare_before,      &features.bare_after,      &features.brightness_before,
      &features.brightness_after, &features.red_before,      &features.green_before,
      &features.blue_before,      &features.red_after,       &features.green_after,
      &features.blue_after,       &features.texture_after,   &features.slope};
  for (const ConstTileView<float>* plane : optional_planes) {
    if (!plane->empty() && !same_size(*plane, magnitude)) {
      throw std::invalid_argument("classify_tile: feature planes differ in size");
    }
  }
  if (!same_size(out, magnitude)) {
    throw std::invalid_argument("classify_tile: output differs in size from the features");
  }

  for (int y = 0; y < out.height; ++y) {
    const float* greenness_before = row_or_null(features.greenness_before, y);
    const float* greenness_after = row_or_null(features.greenness_after, y);
    const float* water_before = row_or_null(features.water_before, y);
    const float* water_after = row_or_null(features.water_after, y);
    const float* built_before = row_or_null(features.built_before, y);
    const float* built_after = row_or_null(features.built_after, y);
    const float* bare_before = row_or_null(features.bare_before, y);
    const float* bare_after = row_or_null(features.bare_after, y);
    const float* brightness_before = row_or_null(features.brightness_before, y);
    const float* brightness_after = row_or_null(features.brightness_after, y);
    const float* red_before = row_or_null(features.red_before, y);
    const float* green_before = row_or_null(features.green_before, y);
    const float* blue_before = row_or_null(features.blue_before, y);
    const float* red_after = row_or_null(features.red_after, y);
    const float* green_after = row_or_null(features.green_after, y);
    const float* blue_after = row_or_null(features.blue_after, y);
    const float* texture_after = row_or_null(features.texture_after, y);
    const float* slope = row_or_null(features.slope, y);
    const float* magnitude_row = magnitude.row(y);
    std::uint8_t* out_row = out.row(y);
    // Most pixels are below the threshold or nodata: classify_pixel's first two tests, in a
    // branch-free pass, so that only the candidates gather their features.
    const auto nodata = static_cast<std::uint8_t>(ChangeType::nodata);
    const auto unchanged = static_cast<std::uint8_t>(ChangeType::none);
    const float threshold = rules.magnitude_threshold;
    bool any_candidate = false;
#pragma omp simd reduction(| : any_candidate)
    for (int x = 0; x < out.width; ++x) {
      const float m = magnitude_row[x];
      out_row[x] = std::isnan(m) ? nodata : unchanged;
      any_candidate |= m >= threshold;
    }
    if (!any_candidate) continue;
    for (int x = 0; x < out.width; ++x) {
      if (!(magnitude_row[x] >= threshold)) continue;  // NaN included: set above
      PixelFeatures pixel;
      pixel.greenness_before = value_or_nan(greenness_before, x);
      pixel.greenness_after = value_or_nan(greenness_after, x);
      pixel.water_before = value_or_nan(water_before, x);
      pixel.water_after = value_or_nan(water_after, x);
      pixel.built_before = value_or_nan(built_before, x);
      pixel.built_after = value_or_nan(built_after, x);
      pixel.bare_before = value_or_nan(bare_before, x);
      pixel.bare_after = value_or_nan(bare_after, x);
      pixel.brightness_before = value_or_nan(brightness_before, x);
      pixel.brightness_after = value_or_nan(brightness_after, x);
      pixel.red_before = value_or_nan(red_before, x);
      pixel.green_before = value_or_nan(green_before, x);
      pixel.blue_before = value_or_nan(blue_before, x);
      pixel.red_after = value_or_nan(red_after, x);
      pixel.green_after = value_or_nan(green_after, x);
      pixel.blue_after = value_or_nan(blue_after, x);
      pixel.texture_after = value_or_nan(texture_after, x);
      pixel.slope = value_or_nan(slope, x);
      pixel.magnitude = magnitude_row[x];
      out_row[x] = static_cast<std::uint8_t>(classify_pixel(pixel, rules));
    }
  }
}

}  // namespace zw::kernels
