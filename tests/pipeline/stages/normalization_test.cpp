// RadiometricCorrection::apply: the fitted gain and offset on the after date's reflectance,
// per role, NaN staying NaN; nothing where no fit was applied.
#include "zonewatch/pipeline/stages/normalization.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace zw {
namespace {
using kernels::BandRole;
using kernels::kNaN;
using kernels::Tile;

ReflectanceTile two_bands() {
  ReflectanceTile tile;
  tile.window = {0, 0, 2, 1};
  tile[BandRole::red] = Tile<float>(2, 1);
  tile[BandRole::red](0, 0) = 0.2f;
  tile[BandRole::red](1, 0) = kNaN;
  tile[BandRole::nir] = Tile<float>(2, 1, 0.4f);
  return tile;
}

RadiometricCorrection red_only() {
  RadiometricCorrection correction;
  correction.applied = true;
  correction.roles = {BandRole::red, BandRole::green};
  correction.gain = {2.0f, 3.0f};
  correction.offset = {0.1f, 0.0f};
  return correction;
}

TEST(RadiometricCorrection, AppliesGainAndOffsetToTheFittedRolesOfATile) {
  ReflectanceTile tile = two_bands();
  red_only().apply(tile);
  EXPECT_EQ(tile[BandRole::red](0, 0), 2.0f * 0.2f + 0.1f);
  EXPECT_TRUE(std::isnan(tile[BandRole::red](1, 0)));
  EXPECT_EQ(tile[BandRole::nir](0, 0), 0.4f);  // not fitted: left alone
  EXPECT_FALSE(tile.has(BandRole::green));     // fitted but absent: nothing created
}

TEST(RadiometricCorrection, NotAppliedChangesNothing) {
  ReflectanceTile tile = two_bands();
  RadiometricCorrection correction = red_only();
  correction.applied = false;
  correction.apply(tile);
  EXPECT_EQ(tile[BandRole::red](0, 0), 0.2f);
  correction.apply(BandRole::red, tile[BandRole::red].view());
  EXPECT_EQ(tile[BandRole::red](0, 0), 0.2f);
}

TEST(ReflectanceTile, BandSetViewsTheRolesPresent) {
  const ReflectanceTile tile = two_bands();
  const kernels::BandSet set = tile.band_set();
  EXPECT_TRUE(set.has(BandRole::red));
  EXPECT_TRUE(set.has(BandRole::nir));
  EXPECT_FALSE(set.has(BandRole::blue));
  EXPECT_EQ(set[BandRole::nir](1, 0), 0.4f);
}

}  // namespace
}  // namespace zw
