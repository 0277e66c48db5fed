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

/// Calls `body` with the test of `rule` as a lambda, a type of its own per rule, so that the
/// loop in `body` is compiled for that rule alone (reading only its planes); entries that are
/// no pixel rule call nothing.
template <class Body>
void with_rule(ChangeType rule, Body&& body) {
  switch (rule) {
    case ChangeType::water_loss:
      body([](const PixelFeatures& f, const TypingRules& r) { return water_loss_fires(f, r); });
      break;
    case ChangeType::water_gain:
      body([](const PixelFeatures& f, const TypingRules& r) { return water_gain_fires(f, r); });
      break;
    case ChangeType::construction:
      body([](const PixelFeatures& f, const TypingRules& r) { return construction_fires(f, r); });
      break;
    case ChangeType::vegetation_loss:
      body([](const PixelFeatures& f, const TypingRules& r) { return vegetation_loss_fires(f, r); });
      break;
    case ChangeType::blue_roof:
      body([](const PixelFeatures& f, const TypingRules& r) { return blue_roof_fires(f, r); });
      break;
    case ChangeType::mining:
      body([](const PixelFeatures& f, const TypingRules& r) { return mining_fires(f, r); });
      break;
    case ChangeType::dumping:
      body([](const PixelFeatures& f, const TypingRules& r) { return dumping_fires(f, r); });
      break;
    default: break;  // none/other/nodata/water_quality are outcomes, not pixel rules
  }
}

[[nodiscard]] inline bool rule_fires(ChangeType rule, const PixelFeatures& f, const TypingRules& rules) {
  bool fired = false;
  with_rule(rule, [&](auto fires) { fired = fires(f, rules); });
  return fired;
}

template <class A, class B>
bool same_size(const TileView<A>& a, const TileView<B>& b) {
  return a.width == b.width && a.height == b.height;
}

/// One row of every feature plane (an absent plane: a row of NaN).
struct FeatureRows {
  const float *greenness_before, *greenness_after, *water_before, *water_after, *built_before, *built_after,
      *bare_before, *bare_after, *brightness_before, *brightness_after, *red_before, *green_before, *blue_before,
      *red_after, *green_after, *blue_after, *texture_after, *slope, *magnitude;

  [[nodiscard]] PixelFeatures at(int x) const {
    PixelFeatures f;
    f.greenness_before = greenness_before[x];
    f.greenness_after = greenness_after[x];
    f.water_before = water_before[x];
    f.water_after = water_after[x];
    f.built_before = built_before[x];
    f.built_after = built_after[x];
    f.bare_before = bare_before[x];
    f.bare_after = bare_after[x];
    f.brightness_before = brightness_before[x];
    f.brightness_after = brightness_after[x];
    f.red_before = red_before[x];
    f.green_before = green_before[x];
    f.blue_before = blue_before[x];
    f.red_after = red_after[x];
    f.green_after = green_after[x];
    f.blue_after = blue_after[x];
    f.texture_after = texture_after[x];
    f.slope = slope[x];
    f.magnitude = magnitude[x];
    return f;
  }
};

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

  // A plane the scene lacks reads as a row of NaN, like classify_pixel's absent feature.
  const std::vector<float> nan_row(static_cast<std::size_t>(out.width), kNaN);
  const auto row_of = [&](const ConstTileView<float>& plane, int y) {
    return plane.empty() ? nan_row.data() : plane.row(y);
  };
  std::vector<int> candidates(static_cast<std::size_t>(out.width));          // a row's untyped candidates
  std::vector<std::uint8_t> persisted(static_cast<std::size_t>(out.width));  // ... with persistent vegetation
  for (int y = 0; y < out.height; ++y) {
    const FeatureRows rows{row_of(features.greenness_before, y),
                           row_of(features.greenness_after, y),
                           row_of(features.water_before, y),
                           row_of(features.water_after, y),
                           row_of(features.built_before, y),
                           row_of(features.built_after, y),
                           row_of(features.bare_before, y),
                           row_of(features.bare_after, y),
                           row_of(features.brightness_before, y),
                           row_of(features.brightness_after, y),
                           row_of(features.red_before, y),
                           row_of(features.green_before, y),
                           row_of(features.blue_before, y),
                           row_of(features.red_after, y),
                           row_of(features.green_after, y),
                           row_of(features.blue_after, y),
                           row_of(features.texture_after, y),
                           row_of(features.slope, y),
                           magnitude.row(y)};
    std::uint8_t* out_row = out.row(y);
    // Most pixels are below the threshold or nodata: classify_pixel's first two tests, in a
    // branch-free pass, so that only the candidates are typed.
    const auto nodata = static_cast<std::uint8_t>(ChangeType::nodata);
    const auto unchanged = static_cast<std::uint8_t>(ChangeType::none);
    const float threshold = rules.magnitude_threshold;
    bool any_candidate = false;
#pragma omp simd reduction(| : any_candidate)
    for (int x = 0; x < out.width; ++x) {
      const float m = rows.magnitude[x];
      out_row[x] = std::isnan(m) ? nodata : unchanged;
      any_candidate |= m >= threshold;
    }
    if (!any_candidate) continue;
    // classify_pixel for the row's candidates, one test or rule at a time (each loop then
    // reads only the planes its rule does); a typed candidate leaves the list.
    int count = 0;
    for (int x = 0; x < out.width; ++x) {
      if (!(rows.magnitude[x] >= threshold)) continue;
      if (rules.suppress_stable_water && stable_water(rows.at(x), rules)) continue;
      const auto k = static_cast<std::size_t>(count++);
      candidates[k] = x;
      persisted[k] = rules.suppress_persistent_vegetation && persistent_vegetation(rows.at(x), rules) ? 1 : 0;
    }
    for (const ChangeType rule : rules.order) {
      const bool land_rule = rule != ChangeType::water_loss && rule != ChangeType::water_gain;
      with_rule(rule, [&](auto fires) {
        int left = 0;
        for (int k = 0; k < count; ++k) {
          const int x = candidates[static_cast<std::size_t>(k)];
          const std::uint8_t kept_for_water = persisted[static_cast<std::size_t>(k)];
          if (!(land_rule && kept_for_water != 0) && fires(rows.at(x), rules)) {
            out_row[x] = static_cast<std::uint8_t>(rule);
          } else {
            candidates[static_cast<std::size_t>(left)] = x;
            persisted[static_cast<std::size_t>(left)] = kept_for_water;
            ++left;
          }
        }
        count = left;
      });
    }
    const auto other = static_cast<std::uint8_t>(ChangeType::other);
    for (int k = 0; k < count; ++k) {
      out_row[candidates[static_cast<std::size_t>(k)]] =
          persisted[static_cast<std::size_t>(k)] != 0 || !rules.report_other ? unchanged : other;
    }
  }
}

}  // namespace zw::kernels
