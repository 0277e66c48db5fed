// Change typing rules: names, per-pixel rule semantics, rule order, and a multispectral tile
// (change_typing_tile_test.cpp: classify_tile against classify_pixel).
#include "zonewatch/kernels/change_typing.hpp"

#include <gtest/gtest.h>

#include <array>
#include <stdexcept>
#include <vector>

#include "change_typing_names.hpp"

namespace zw::kernels {
namespace {

TEST(ChangeTypeNames, RoundTripAndStoredValues) {
  const std::vector<std::pair<ChangeType, std::string_view>> names{{kNone, "none"},
                                                                   {kVegetationLoss, "vegetation_loss"},
                                                                   {kConstruction, "construction"},
                                                                   {kWaterLoss, "water_loss"},
                                                                   {kWaterGain, "water_gain"},
                                                                   {kOther, "other"},
                                                                   {ChangeType::dumping, "dumping"},
                                                                   {ChangeType::blue_roof, "blue_roof"},
                                                                   {ChangeType::mining, "mining"},
                                                                   {ChangeType::water_quality, "water_quality"},
                                                                   {kNodata, "nodata"}};
  for (const auto& [type, name] : names) {
    EXPECT_EQ(to_string(type), name);
    EXPECT_EQ(change_type_from_string(name), type);
  }
  EXPECT_EQ(change_type_from_string("Water_Gain"), kWaterGain);
  EXPECT_EQ(change_type_from_string("flood"), std::nullopt);
  EXPECT_EQ(change_type_from_string(""), std::nullopt);
  // Values as stored in change.tif.
  EXPECT_EQ(static_cast<int>(kVegetationLoss), 1);
  EXPECT_EQ(static_cast<int>(kOther), 5);
  EXPECT_EQ(static_cast<int>(ChangeType::dumping), 6);
  EXPECT_EQ(static_cast<int>(ChangeType::blue_roof), 7);
  EXPECT_EQ(static_cast<int>(ChangeType::mining), 8);
  EXPECT_EQ(static_cast<int>(ChangeType::water_quality), 9);
  EXPECT_EQ(kChangeTypeCount, 10);
  EXPECT_EQ(static_cast<int>(kNodata), 255);
  EXPECT_EQ(kChangeTypeNames.chinese(ChangeType::dumping), "倾倒/裸土扬尘");
  EXPECT_EQ(kChangeTypeNames.chinese(ChangeType::blue_roof), "彩钢棚");
  EXPECT_EQ(kChangeTypeNames.chinese(ChangeType::mining), "矿山开采");
  EXPECT_EQ(kChangeTypeNames.chinese(ChangeType::water_quality), "水质异常");
  EXPECT_EQ(change_type_listing(),
            "vegetation_loss, construction, water_loss, water_gain, other, dumping, blue_roof, mining, water_quality");
}

TEST(ChangeTypeNames, IsChangeExcludesNoneAndNodata) {
  EXPECT_FALSE(is_change(kNone));
  EXPECT_FALSE(is_change(kNodata));
  EXPECT_TRUE(is_change(kConstruction));
  EXPECT_TRUE(is_change(kOther));
  EXPECT_FALSE(is_change(std::uint8_t{0}));
  EXPECT_FALSE(is_change(std::uint8_t{255}));
  EXPECT_TRUE(is_change(std::uint8_t{4}));
}

/// Features of a candidate pixel (magnitude 5 against the default threshold 3), nothing else.
PixelFeatures candidate() {
  PixelFeatures f;
  f.magnitude = 5.0f;
  return f;
}

PixelFeatures with_water(PixelFeatures f, float before, float after) {
  f.water_before = before;
  f.water_after = after;
  return f;
}
PixelFeatures with_greenness(PixelFeatures f, float before, float after) {
  f.greenness_before = before;
  f.greenness_after = after;
  return f;
}
PixelFeatures with_built(PixelFeatures f, float before, float after) {
  f.built_before = before;
  f.built_after = after;
  return f;
}
PixelFeatures with_bare(PixelFeatures f, float before, float after) {
  f.bare_before = before;
  f.bare_after = after;
  return f;
}
PixelFeatures with_brightness(PixelFeatures f, float before, float after) {
  f.brightness_before = before;
  f.brightness_after = after;
  return f;
}

TEST(ClassifyPixel, MagnitudeGatesCandidates) {
  const TypingRules rules;
  PixelFeatures f = with_water(candidate(), 0.3f, -0.2f);
  f.magnitude = kNaN;
  EXPECT_EQ(classify_pixel(f, rules), kNodata);  // even with strong water evidence
  f.magnitude = 2.5f;
  EXPECT_EQ(classify_pixel(f, rules), kNone);
  f.magnitude = 3.0f;  // reaching the threshold is enough
  EXPECT_EQ(classify_pixel(f, rules), kWaterLoss);
  EXPECT_EQ(classify_pixel(candidate(), rules), kOther);  // no features at all
}

/// The rules alone, as a textbook would write them: water line 0, no pseudo-change tests.
TypingRules plain_rules() {
  TypingRules rules;
  rules.water_threshold = 0.0f;
  rules.suppress_stable_water = false;
  rules.suppress_persistent_vegetation = false;
  return rules;
}

TEST(ClassifyPixel, Defaults) {
  const TypingRules rules;
  EXPECT_FLOAT_EQ(rules.water_threshold, 0.2f);
  EXPECT_TRUE(rules.suppress_stable_water);
  EXPECT_TRUE(rules.suppress_persistent_vegetation);
  EXPECT_FLOAT_EQ(rules.vegetation_persist_min_greenness, 0.15f);
  EXPECT_TRUE(rules.report_other);
}

TEST(ClassifyPixel, WaterRules) {
  const TypingRules rules = plain_rules();  // water_threshold 0
  EXPECT_EQ(classify_pixel(with_water(candidate(), 0.3f, -0.2f), rules), kWaterLoss);
  EXPECT_EQ(classify_pixel(with_water(candidate(), 0.0f, -0.1f), rules), kWaterLoss);
  EXPECT_EQ(classify_pixel(with_water(candidate(), -0.3f, 0.2f), rules), kWaterGain);
  EXPECT_EQ(classify_pixel(with_water(candidate(), -0.3f, 0.0f), rules), kWaterGain);
  EXPECT_EQ(classify_pixel(with_water(candidate(), -0.3f, -0.1f), rules), kOther);
  EXPECT_EQ(classify_pixel(with_water(candidate(), 0.3f, 0.1f), rules), kOther);
  EXPECT_EQ(classify_pixel(with_water(candidate(), 0.3f, kNaN), rules), kOther);
  EXPECT_EQ(classify_pixel(with_water(candidate(), kNaN, 0.3f), rules), kOther);

  TypingRules raised = rules;
  raised.water_threshold = 0.5f;
  EXPECT_EQ(classify_pixel(with_water(candidate(), 0.3f, -0.2f), raised), kOther);
  EXPECT_EQ(classify_pixel(with_water(candidate(), 0.3f, 0.5f), raised), kWaterGain);
}

TEST(ClassifyPixel, DefaultWaterLine) {
  const TypingRules rules;
  // Line 0.2: 0.1 is not water yet (hazy top-of-atmosphere land), 0.2 is.
  EXPECT_EQ(classify_pixel(with_water(candidate(), 0.1f, -0.2f), rules), kOther);
  EXPECT_EQ(classify_pixel(with_water(candidate(), 0.2f, 0.1f), rules), kWaterLoss);
  EXPECT_EQ(classify_pixel(with_water(candidate(), -0.1f, 0.25f), rules), kWaterGain);
}

TEST(ClassifyPixel, StableWaterIsNoChange) {
  TypingRules rules;  // water line 0.2, stable water suppressed
  // Water in both dates: turbidity or glint, whatever the other evidence says.
  EXPECT_EQ(classify_pixel(with_water(candidate(), 0.5f, 0.2f), rules), kNone);
  EXPECT_EQ(classify_pixel(with_bare(with_water(candidate(), 0.2f, 0.6f), 0.0f, 0.3f), rules), kNone);
  // Crossing the line either way is still a water change; land in both dates is typed as usual.
  EXPECT_EQ(classify_pixel(with_water(candidate(), 0.5f, 0.19f), rules), kWaterLoss);
  EXPECT_EQ(classify_pixel(with_water(candidate(), 0.0f, -0.2f), rules), kOther);
  // A missing water index in one date is no evidence of stable water.
  EXPECT_EQ(classify_pixel(with_water(candidate(), 0.5f, kNaN), rules), kOther);
  // Below the magnitude threshold it is none anyway; nodata stays nodata.
  PixelFeatures quiet = with_water(candidate(), 0.5f, 0.5f);
  quiet.magnitude = kNaN;
  EXPECT_EQ(classify_pixel(quiet, rules), kNodata);
  rules.suppress_stable_water = false;
  EXPECT_EQ(classify_pixel(with_water(candidate(), 0.5f, 0.2f), rules), kOther);
  EXPECT_EQ(classify_pixel(with_bare(with_water(candidate(), 0.2f, 0.6f), 0.0f, 0.3f), rules), kConstruction);
}

TEST(ClassifyPixel, PersistentVegetationIsNoChange) {
  TypingRules rules;  // vegetated before: >= 0.3; persisted: >= 0.15 after
  // 0.6 -> 0.3 drops 0.3 but is still vegetated (harvest stubble, senescence): none.
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.6f, 0.3f), rules), kNone);
  // Exactly at both lines still counts as persisted.
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.3f, 0.15f), rules), kNone);
  // Built-up rise on a field that stays green (0.5 -> 0.2): none, not construction.
  EXPECT_EQ(classify_pixel(with_built(with_greenness(candidate(), 0.5f, 0.2f), 0.0f, 0.3f), rules), kNone);
  // Below 0.15 after the vegetation is gone: vegetation loss, or construction with evidence.
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.6f, 0.125f), rules), kVegetationLoss);
  EXPECT_EQ(classify_pixel(with_built(with_greenness(candidate(), 0.5f, 0.1f), 0.0f, 0.3f), rules), kConstruction);
  // Not vegetated before (0.25 < 0.3): greening or sparse cover is typed as usual.
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.25f, 0.6f), rules), kOther);
  EXPECT_EQ(classify_pixel(with_bare(with_greenness(candidate(), 0.25f, 0.2f), 0.0f, 0.1f), rules), kConstruction);
  // NaN greenness in either date is no evidence of persistence.
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.6f, kNaN), rules), kOther);
  // Crossing the water line is a water change even where the vegetation persisted
  // (0.5 -> 0.4 with MNDWI -0.1 -> 0.3: flooded fields); without it, none.
  EXPECT_EQ(classify_pixel(with_water(with_greenness(candidate(), 0.5f, 0.4f), -0.1f, 0.3f), rules), kWaterGain);
  EXPECT_EQ(classify_pixel(with_water(with_greenness(candidate(), 0.5f, 0.4f), -0.1f, 0.1f), rules), kNone);
  // report_other false changes nothing for a persisted pixel.
  rules.report_other = false;
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.6f, 0.3f), rules), kNone);
  rules.report_other = true;
  // The line follows vegetation_persist_min_greenness and vegetation_min_greenness_before.
  rules.vegetation_persist_min_greenness = 0.375f;
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.6f, 0.3f), rules), kVegetationLoss);
  rules.vegetation_persist_min_greenness = 0.15f;
  rules.vegetation_min_greenness_before = 0.75f;
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.6f, 0.3f), rules), kOther);
  rules.vegetation_min_greenness_before = 0.3f;
  rules.suppress_persistent_vegetation = false;
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.6f, 0.3f), rules), kVegetationLoss);
}

TEST(ClassifyPixel, ConstructionFromBuiltOrBareRise) {
  const TypingRules rules = plain_rules();
  // Built-up rise 0.2 with little vegetation after.
  EXPECT_EQ(classify_pixel(with_built(with_greenness(candidate(), 0.2f, 0.1f), -0.2f, 0.0f), rules), kConstruction);
  // Bare-soil rise alone, no greenness index at all: the vegetation guard cannot object.
  EXPECT_EQ(classify_pixel(with_bare(candidate(), 0.0f, 0.1f), rules), kConstruction);
  // Greenness after exactly at the maximum still counts as little vegetation.
  EXPECT_EQ(classify_pixel(with_built(with_greenness(candidate(), 0.5f, 0.25f), 0.0f, 0.25f), rules), kConstruction);
  // Too green after: blocked; a 0.1 greenness drop is no vegetation loss either.
  EXPECT_EQ(classify_pixel(with_built(with_greenness(candidate(), 0.6f, 0.5f), 0.0f, 0.3f), rules), kOther);
  // Rises below the minimum.
  EXPECT_EQ(classify_pixel(with_bare(with_built(candidate(), 0.0f, 0.05f), 0.0f, 0.05f), rules), kOther);
  TypingRules strict = rules;
  strict.construction_min_built_rise = 0.5f;
  EXPECT_EQ(classify_pixel(with_built(candidate(), 0.0f, 0.25f), strict), kOther);
  strict.construction_min_built_rise = 0.25f;
  EXPECT_EQ(classify_pixel(with_built(candidate(), 0.0f, 0.25f), strict), kConstruction);
}

TEST(ClassifyPixel, ConstructionRgbFallbackOnlyWithoutBuiltAndBare) {
  const TypingRules rules;
  const PixelFeatures brighter_less_green = with_brightness(with_greenness(candidate(), 0.2f, 0.05f), 0.1f, 0.2f);
  EXPECT_EQ(classify_pixel(brighter_less_green, rules), kConstruction);
  // Brightness unchanged reaches the default minimum rise of 0.
  EXPECT_EQ(classify_pixel(with_brightness(with_greenness(candidate(), 0.2f, 0.05f), 0.1f, 0.1f), rules),
            kConstruction);
  // Greenness did not drop.
  EXPECT_EQ(classify_pixel(with_brightness(with_greenness(candidate(), 0.05f, 0.1f), 0.1f, 0.2f), rules), kOther);
  // No greenness: the fallback needs a greenness drop, so it does not fire.
  EXPECT_EQ(classify_pixel(with_brightness(candidate(), 0.1f, 0.2f), rules), kOther);
  // No brightness.
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.2f, 0.05f), rules), kOther);
  // A valid built-up index (multispectral) disables the fallback even when bare is NaN.
  EXPECT_EQ(classify_pixel(with_built(brighter_less_green, 0.1f, 0.12f), rules), kOther);
  // The minimum brightness rise applies.
  const PixelFeatures rise_eighth = with_brightness(with_greenness(candidate(), 0.2f, 0.05f), 0.25f, 0.375f);
  TypingRules strict = rules;
  strict.construction_min_brightness_rise = 0.25f;
  EXPECT_EQ(classify_pixel(rise_eighth, strict), kOther);
  strict.construction_min_brightness_rise = 0.125f;
  EXPECT_EQ(classify_pixel(rise_eighth, strict), kConstruction);
  // Darkening while greenness falls from a vegetated level is vegetation loss instead.
  EXPECT_EQ(classify_pixel(with_brightness(with_greenness(candidate(), 0.4f, 0.1f), 0.2f, 0.1f), rules),
            kVegetationLoss);
}

TEST(ClassifyPixel, VegetationLoss) {
  const TypingRules rules = plain_rules();  // before >= 0.3, drop >= 0.15
  // Still above the construction greenness maximum after, so only vegetation loss can fire.
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.6f, 0.3f), rules), kVegetationLoss);
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.25f, 0.0f), rules), kOther);  // not green
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.6f, 0.5f), rules), kOther);   // small drop
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.6f, kNaN), rules), kOther);
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), kNaN, 0.1f), rules), kOther);
  TypingRules exact = rules;
  exact.vegetation_min_greenness_before = 0.5f;
  exact.vegetation_min_greenness_drop = 0.25f;
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.5f, 0.25f), exact), kVegetationLoss);
  exact.vegetation_min_greenness_drop = 0.375f;
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.5f, 0.25f), exact), kOther);
}

TEST(ClassifyPixel, FirstFiringRuleInOrderWins) {
  // Fires water_loss, construction (built rise) and vegetation_loss (0.6 -> 0.1) at once.
  const PixelFeatures everything =
      with_built(with_greenness(with_water(candidate(), 0.3f, -0.2f), 0.6f, 0.1f), 0.0f, 0.2f);
  TypingRules rules;
  EXPECT_EQ(classify_pixel(everything, rules), kWaterLoss);
  rules.order = {kVegetationLoss, kConstruction};
  EXPECT_EQ(classify_pixel(everything, rules), kVegetationLoss);
  rules.order = {kWaterGain, kConstruction, kWaterLoss};
  EXPECT_EQ(classify_pixel(everything, rules), kConstruction);
  rules.order = {};
  EXPECT_EQ(classify_pixel(everything, rules), kOther);
}

TEST(ClassifyPixel, NonRuleEntriesInOrderAreIgnored) {
  TypingRules rules = plain_rules();
  rules.report_other = false;
  rules.order = {kOther, kNodata, kNone, kVegetationLoss};
  EXPECT_EQ(classify_pixel(candidate(), rules), kNone);
  EXPECT_EQ(classify_pixel(with_greenness(candidate(), 0.6f, 0.3f), rules), kVegetationLoss);
}

TEST(ClassifyPixel, ReportOtherFalseDropsUnexplainedCandidates) {
  TypingRules rules;
  rules.report_other = false;
  EXPECT_EQ(classify_pixel(candidate(), rules), kNone);
  EXPECT_EQ(classify_pixel(with_water(candidate(), -0.3f, 0.2f), rules), kWaterGain);
  PixelFeatures no_data = candidate();
  no_data.magnitude = kNaN;
  EXPECT_EQ(classify_pixel(no_data, rules), kNodata);
}

TEST(ClassifyTile, MultispectralScene) {
  const std::vector<float> water_before{0.2f, -0.2f, -0.2f, 0.2f};
  const std::vector<float> water_after{-0.3f, 0.3f, -0.3f, 0.2f};
  const std::vector<float> built_before{0.0f, 0.0f, 0.0f, 0.0f};
  const std::vector<float> built_after{0.0f, 0.0f, 0.1f, 0.0f};
  const std::vector<float> bare_before{0.0f, 0.0f, 0.0f, 0.0f};
  const std::vector<float> bare_after{0.0f, 0.0f, 0.0f, 0.2f};
  const std::vector<float> greenness_before{0.3f, 0.3f, 0.3f, 0.1f};
  const std::vector<float> greenness_after{0.3f, 0.3f, 0.1f, 0.1f};
  const std::vector<float> magnitude{4.0f, 4.0f, 4.0f, 4.0f};
  const auto view = [](const std::vector<float>& plane) { return ConstTileView<float>(plane.data(), 2, 2); };
  FeatureTiles features;
  features.water_before = view(water_before);
  features.water_after = view(water_after);
  features.built_before = view(built_before);
  features.built_after = view(built_after);
  features.bare_before = view(bare_before);
  features.bare_after = view(bare_after);
  features.greenness_before = view(greenness_before);
  features.greenness_after = view(greenness_after);
  features.magnitude = view(magnitude);
  std::vector<std::uint8_t> out(4, 77);
  classify_tile(features, plain_rules(), TileView<std::uint8_t>(out.data(), 2, 2));
  EXPECT_EQ(out, (std::vector<std::uint8_t>{stored(kWaterLoss), stored(kWaterGain), stored(kConstruction),
                                            stored(kConstruction)}));
  // Defaults: the last pixel is water (0.2 = the line) in both dates, so no change; the
  // first two stay vegetated (0.3 -> 0.3) but cross the water line, which still counts.
  classify_tile(features, TypingRules{}, TileView<std::uint8_t>(out.data(), 2, 2));
  EXPECT_EQ(out,
            (std::vector<std::uint8_t>{stored(kWaterLoss), stored(kWaterGain), stored(kConstruction), stored(kNone)}));
}

PixelFeatures with_visible(PixelFeatures f, std::array<float, 3> rgb_before, std::array<float, 3> rgb_after) {
  f.red_before = rgb_before[0];
  f.green_before = rgb_before[1];
  f.blue_before = rgb_before[2];
  f.red_after = rgb_after[0];
  f.green_after = rgb_after[1];
  f.blue_after = rgb_after[2];
  return f;
}

/// A field (NDVI 0.6) that became bright bare ground (NDVI 0.1, BSI +0.2, brighter).
PixelFeatures cleared_field() {
  return with_brightness(with_bare(with_greenness(candidate(), 0.6f, 0.1f), -0.1f, 0.1f), 0.08f, 0.15f);
}

TEST(ClassifyPixel, BlueRoofNewBetweenDates) {
  const TypingRules rules;
  // Bare soil (R 0.20, G 0.17, B 0.14) became a blue roof (R 0.12, G 0.20, B 0.25): new.
  const PixelFeatures roof =
      with_greenness(with_visible(candidate(), {0.20f, 0.17f, 0.14f}, {0.12f, 0.20f, 0.25f}), 0.1f, 0.05f);
  EXPECT_EQ(classify_pixel(roof, rules), ChangeType::blue_roof);
  // A roof in both dates (repainted, say) is not new: the next rule decides (other here).
  const PixelFeatures old_roof =
      with_greenness(with_visible(candidate(), {0.11f, 0.19f, 0.24f}, {0.12f, 0.20f, 0.25f}), 0.1f, 0.05f);
  EXPECT_EQ(classify_pixel(old_roof, rules), kOther);
  // Unknown before (NaN) is not "no roof before".
  EXPECT_EQ(classify_pixel(with_visible(candidate(), {kNaN, 0.17f, 0.14f}, {0.12f, 0.20f, 0.25f}), rules), kOther);
  // Vegetated after (NDVI 0.5 > 0.25): not a roof, whatever the colour.
  EXPECT_NE(classify_pixel(with_greenness(roof, 0.1f, 0.5f), rules), ChangeType::blue_roof);
  // Without the visible planes: exactly the construction typing of before.
  PixelFeatures no_visible = with_built(with_greenness(candidate(), 0.1f, 0.05f), 0.0f, 0.2f);
  EXPECT_EQ(classify_pixel(no_visible, rules), kConstruction);
  // Ahead of construction in the default order: a new blue roof that raised NDBI too.
  EXPECT_EQ(classify_pixel(with_built(roof, 0.0f, 0.2f), rules), ChangeType::blue_roof);
}

TEST(ClassifyPixel, MiningNeedsASlope) {
  const TypingRules rules;  // slope >= 8 degrees
  PixelFeatures f = cleared_field();
  f.texture_after = 0.05f;                             // smooth: not dumping
  EXPECT_EQ(classify_pixel(f, rules), kConstruction);  // no DEM: slope NaN
  f.slope = 7.9f;
  EXPECT_EQ(classify_pixel(f, rules), kConstruction);
  f.slope = 8.0f;
  EXPECT_EQ(classify_pixel(f, rules), ChangeType::mining);
  // Was not vegetated (NDVI 0.2 < 0.3): a bare slope that changed is not a new mine.
  PixelFeatures bare_before = f;
  bare_before.greenness_before = 0.2f;
  EXPECT_EQ(classify_pixel(bare_before, rules), kConstruction);
  // Darker after (a burnt or flooded slope): no bright rock or soil.
  PixelFeatures darker = f;
  darker.brightness_after = 0.05f;
  EXPECT_NE(classify_pixel(darker, rules), ChangeType::mining);
  // RGB imagery (no BSI): the brightening and the lost vegetation decide.
  PixelFeatures rgb = f;
  rgb.bare_before = rgb.bare_after = kNaN;
  EXPECT_EQ(classify_pixel(rgb, rules), ChangeType::mining);
}

TEST(ClassifyPixel, DumpingIsRoughNewBareGround) {
  TypingRules rules;  // texture >= 0.15; dumping is opt-in, so put it where users do
  rules.order = {kWaterLoss,          kWaterGain,    ChangeType::blue_roof, ChangeType::mining,
                 ChangeType::dumping, kConstruction, kVegetationLoss};
  PixelFeatures f = cleared_field();
  EXPECT_EQ(classify_pixel(f, rules), kConstruction);  // texture unknown
  f.texture_after = 0.149f;
  EXPECT_EQ(classify_pixel(f, rules), kConstruction);  // a uniform new surface
  f.texture_after = 0.15f;
  EXPECT_EQ(classify_pixel(f, rules), ChangeType::dumping);
  // The slope rule comes first: rough bare ground on a slope that was vegetated is mining.
  PixelFeatures slope = f;
  slope.slope = 20.0f;
  EXPECT_EQ(classify_pixel(slope, rules), ChangeType::mining);
  // Built-up rise without bare-soil rise (BSI flat): a roof, not earthworks.
  PixelFeatures roof = with_built(f, 0.0f, 0.2f);
  roof.bare_after = roof.bare_before;
  EXPECT_EQ(classify_pixel(roof, rules), kConstruction);
  // RGB imagery: brightening with lost greenness.
  PixelFeatures rgb = f;
  rgb.bare_before = rgb.bare_after = kNaN;
  EXPECT_EQ(classify_pixel(rgb, rules), ChangeType::dumping);
  rgb.greenness_after = 0.7f;  // greener after: neither
  EXPECT_NE(classify_pixel(rgb, rules), ChangeType::dumping);
}

TEST(ClassifyPixel, DefaultOrderPutsTheSpecialCasesBeforeConstruction) {
  const TypingRules rules;
  // dumping is opt-in (see TypingRules::order).
  EXPECT_EQ(rules.order, (std::vector<ChangeType>{kWaterLoss, kWaterGain, ChangeType::blue_roof, ChangeType::mining,
                                                  kConstruction, kVegetationLoss}));
  // water_quality in the order is ignored: its stage assigns it.
  TypingRules quality = rules;
  quality.order = {ChangeType::water_quality};
  EXPECT_EQ(classify_pixel(with_water(candidate(), 0.5f, 0.5f), quality), kNone);  // stable water
  EXPECT_EQ(classify_pixel(cleared_field(), quality), kOther);
}

}  // namespace
}  // namespace zw::kernels
