#pragma once
// Per-pixel change typing by configurable rules.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zonewatch/kernels/enum_names.hpp"
#include "zonewatch/kernels/surface.hpp"
#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// Change classes as stored in change.tif. 0 = no change, 255 = no valid observation.
enum class ChangeType : std::uint8_t {
  none = 0,
  vegetation_loss = 1,
  construction = 2,  // new construction or bare soil
  water_loss = 3,
  water_gain = 4,
  other = 5,
  dumping = 6,        // dumping, uncovered earthworks, dust sources (bare, rough, inside key units)
  blue_roof = 7,      // new blue steel-sheet roof (彩钢棚): temporary or unauthorised structures
  mining = 8,         // bare rock or soil replacing vegetation on slopes
  water_quality = 9,  // water-quality anomaly on a water body (assigned by its stage, not by a pixel rule)
  nodata = 255,
};
inline constexpr int kChangeTypeCount = 10;  // none..water_quality, for per-type arrays

/// English names as change.tif's users and the outputs write them; Chinese ones as reports do.
inline constexpr EnumNames kChangeTypeNames{std::array{
    EnumName<ChangeType>{ChangeType::none, "none", "无变化"},
    EnumName<ChangeType>{ChangeType::vegetation_loss, "vegetation_loss", "植被减少"},
    EnumName<ChangeType>{ChangeType::construction, "construction", "新增建设或裸地"},
    EnumName<ChangeType>{ChangeType::water_loss, "water_loss", "水域减少"},
    EnumName<ChangeType>{ChangeType::water_gain, "water_gain", "水域增加"},
    EnumName<ChangeType>{ChangeType::other, "other", "其他变化"},
    EnumName<ChangeType>{ChangeType::dumping, "dumping", "倾倒/裸土扬尘"},
    EnumName<ChangeType>{ChangeType::blue_roof, "blue_roof", "彩钢棚"},
    EnumName<ChangeType>{ChangeType::mining, "mining", "矿山开采"},
    EnumName<ChangeType>{ChangeType::water_quality, "water_quality", "水质异常"},
    EnumName<ChangeType>{ChangeType::nodata, "nodata", "无有效观测"},
}};

/// Names: none, vegetation_loss, construction, water_loss, water_gain, other, dumping,
/// blue_roof, mining, water_quality, nodata. to_string of a value outside the enum gives "unknown".
[[nodiscard]] std::string_view to_string(ChangeType type);
/// The names of the change types proper (no none/nodata), comma-separated, for error messages.
[[nodiscard]] std::string change_type_listing();
/// Inverse of to_string, case-insensitive; nullopt for an unknown name.
[[nodiscard]] std::optional<ChangeType> change_type_from_string(std::string_view name);
[[nodiscard]] constexpr bool is_change(ChangeType t) { return t != ChangeType::none && t != ChangeType::nodata; }
[[nodiscard]] constexpr bool is_change(std::uint8_t t) { return is_change(static_cast<ChangeType>(t)); }

/// What the typing rules look at in one pixel. Any feature the scene's bands cannot give
/// is NaN and every rule that needs it does not fire.
struct PixelFeatures {
  float greenness_before = kNaN;  // NDVI, or GLI for RGB-only imagery
  float greenness_after = kNaN;
  float water_before = kNaN;  // MNDWI, or NDWI without SWIR
  float water_after = kNaN;
  float built_before = kNaN;  // NDBI
  float built_after = kNaN;
  float bare_before = kNaN;  // BSI
  float bare_after = kNaN;
  float brightness_before = kNaN;  // mean reflectance of the visible bands
  float brightness_after = kNaN;
  float red_before = kNaN, green_before = kNaN, blue_before = kNaN;  // visible reflectance
  float red_after = kNaN, green_after = kNaN, blue_after = kNaN;
  float texture_after = kNaN;  // local_texture of brightness_after (coefficient of variation)
  float slope = kNaN;          // terrain slope in degrees, from a DEM
  float magnitude = kNaN;      // change-vector magnitude (z-scored)
};

/// Thresholds of the typing rules.
///
/// A pixel is `nodata` when its magnitude is NaN, `none` when the magnitude is below
/// `magnitude_threshold`, and otherwise a change candidate. A candidate is typed by the
/// first rule in `order` that fires (entries that are not one of the seven rule types are
/// ignored: water_quality is assigned by its own stage, not by a pixel rule); when none fires it is `other`, or `none`
/// if `report_other` is false. The enabled pseudo-change tests come first: a stable-water candidate is `none`; a
/// persistent-vegetation candidate can only be typed water_loss or water_gain, else `none`.
/// Pseudo-change tests (land cover that stayed what it was, so the spectral change is
/// condition, season or observation, not a change a supervisor acts on):
///   stable water (suppress_stable_water):
///                    water_before >= water_threshold && water_after >= water_threshold
///                    (turbidity, sun glint, waves, boats, algae on a water body)
///   persistent vegetation (suppress_persistent_vegetation):
///                    greenness_before >= vegetation_min_greenness_before
///                    && greenness_after >= vegetation_persist_min_greenness
///                    (phenology, harvest stubble, drought stress, thinning: it was
///                    vegetated and still is; only losing it counts as vegetation_loss)
/// The rules, with "rise"/"drop" meaning after - before / before - after:
///   water_loss:      water_before >= water_threshold && water_after < water_threshold
///   water_gain:      water_before <  water_threshold && water_after >= water_threshold
///   construction:    (greenness_after <= construction_max_greenness_after
///                     || greenness_after is NaN)
///                    && (built rise >= construction_min_built_rise
///                        || bare rise >= construction_min_bare_rise
///                        || (built rise and bare rise both NaN, i.e. RGB-only imagery:
///                            brightness rise >= construction_min_brightness_rise
///                            && greenness_after < greenness_before))
///   vegetation_loss: greenness_before >= vegetation_min_greenness_before
///                    && greenness drop >= vegetation_min_greenness_drop
/// Three special cases of construction / bare change (issue 12), which come before
/// construction in the default order; "little vegetation after" is construction's guard
/// (greenness_after <= construction_max_greenness_after, or NaN):
///   blue_roof:       blue_roof_test(red/green/blue_after, blue_roof) (kernels/surface.hpp)
///                    && !blue_roof_test(red/green/blue_before, blue_roof)
///                    && little vegetation after
///                    (a new blue steel-sheet roof, 彩钢棚: absent before, present after)
///   mining:          slope >= mining_min_slope_deg
///                    && greenness_before >= vegetation_min_greenness_before
///                    && greenness drop >= vegetation_min_greenness_drop
///                    && little vegetation after && brightness rise > 0
///                    && (bare rise >= construction_min_bare_rise || bare rise is NaN)
///                    (bright bare rock or soil replacing vegetation on a slope)
///   dumping:         texture_after >= dumping_min_texture && little vegetation after
///                    && greenness_after < greenness_before && brightness rise > 0
///                    && (bare rise >= construction_min_bare_rise
///                        || (bare rise NaN && brightness rise >= construction_min_brightness_rise))
///                    (new bright bare ground that is rough: earthworks, spoil, dust sources;
///                    a new roof is uniform and stays construction)
/// Without a DEM slope is NaN and mining never fires; without texture dumping never fires;
/// without the visible bands blue_roof never fires: those scenes type as before.
/// A rule or test whose needed features are NaN does not fire (every comparison with NaN
/// is false); the only NaN a rule tolerates is greenness_after in construction's vegetation
/// guard, so that built/bare evidence still counts where no greenness index is available.
/// With both pseudo-change tests on, vegetation_loss needs greenness_after below
/// vegetation_persist_min_greenness, and water_loss/water_gain are unaffected (a pixel
/// that crosses the water line is neither stable water nor explained by vegetation).
struct TypingRules {
  float magnitude_threshold = 3.0f;

  // vegetation loss: was vegetated, greenness fell by at least the drop
  float vegetation_min_greenness_before = 0.3f;
  float vegetation_min_greenness_drop = 0.15f;

  // construction / bare soil: built-up or bare-soil index rose, little vegetation after
  float construction_min_built_rise = 0.08f;
  float construction_min_bare_rise = 0.08f;
  float construction_max_greenness_after = 0.25f;
  float construction_min_brightness_rise = 0.0f;  // RGB fallback when no SWIR

  // water: index above the water line before and below after (loss), or the reverse (gain).
  // 0.2 rather than the textbook 0: on top-of-atmosphere reflectance (Sentinel-2 L1C in
  // winter haze) and on uncalibrated DNs, dark land reaches MNDWI 0.1-0.2.
  float water_threshold = 0.2f;

  // pseudo-change suppression (see above)
  bool suppress_stable_water = true;
  bool suppress_persistent_vegetation = true;
  float vegetation_persist_min_greenness = 0.15f;  // still vegetated after (NDVI 0.15: sparse cover)

  bool report_other = true;  // candidates no rule explains; false drops them to `none`

  // issue 12's special cases of construction / bare change (see above)
  BlueRoofThresholds blue_roof;
  float mining_min_slope_deg = 8.0f;
  float dumping_min_texture = 0.15f;  // coefficient of variation of brightness after
  int texture_radius = 2;             // window (2 r + 1)² of the texture (pixels, 1..10)

  // dumping is not in the default order: its texture test fires on the edges of uniform new
  // surfaces at 10 m and finer (Szada patch F1 0.285 -> 0.240, a painted UAV surface split in
  // two); add it before construction to type rough bare ground in key units.
  std::vector<ChangeType> order{ChangeType::water_loss, ChangeType::water_gain,   ChangeType::blue_roof,
                                ChangeType::mining,     ChangeType::construction, ChangeType::vegetation_loss};
};

/// Types one pixel by the rules documented at TypingRules. Returns nodata when the
/// magnitude is NaN.
[[nodiscard]] ChangeType classify_pixel(const PixelFeatures& f, const TypingRules& rules);

/// Feature planes of one tile (any plane may be empty when the scene cannot give it;
/// the non-empty ones share one size).
struct FeatureTiles {
  ConstTileView<float> greenness_before, greenness_after;
  ConstTileView<float> water_before, water_after;
  ConstTileView<float> built_before, built_after;
  ConstTileView<float> bare_before, bare_after;
  ConstTileView<float> brightness_before, brightness_after;
  ConstTileView<float> red_before, green_before, blue_before;
  ConstTileView<float> red_after, green_after, blue_after;
  ConstTileView<float> texture_after, slope;
  ConstTileView<float> magnitude;  // required
};

/// classify_pixel over a tile; out is ChangeType as uint8. An empty feature plane reads as
/// NaN at every pixel. Throws std::invalid_argument when the magnitude plane is empty or a
/// non-empty plane or `out` differs from it in size.
void classify_tile(const FeatureTiles& features, const TypingRules& rules, TileView<std::uint8_t> out);

}  // namespace zw::kernels
