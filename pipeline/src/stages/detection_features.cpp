// Which bands and feature planes a detection reads, from the two scenes' profiles and the
// typing rules in use (plan_features).
#include <string>
#include <vector>

#include "typing_order.hpp"
#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/pipeline/stages/detection.hpp"

namespace zw {
using kernels::BandRole;

namespace {

bool profile_declares(const Scene& s, BandRole r) { return s.profile.band(r).has_value(); }

void require_in_both(const Scene& before, const Scene& after, const std::vector<BandRole>& roles,
                     const std::string& needed_by) {
  require_bands(before, roles, needed_by);
  require_bands(after, roles, needed_by);
}

}  // namespace

FeatureSet plan_features(const Scene& before, const Scene& after, const DetectionOptions& options) {
  using enum BandRole;
  FeatureSet f;
  const bool multispectral = profile_declares(before, nir) || profile_declares(after, nir);
  if (multispectral) {
    require_in_both(before, after, {red, nir}, "the vegetation index (NDVI)");
    f.greenness_is_ndvi = true;
  } else {
    require_in_both(before, after, {red, green, blue}, "the visible-band greenness index (GLI)");
  }
  const bool swir = profile_declares(before, swir1) && profile_declares(after, swir1);
  if (rule_enabled(options, kernels::ChangeType::construction) && swir) {
    require_in_both(before, after, {swir1, nir}, "the construction rule (NDBI)");
  }
  if ((rule_enabled(options, kernels::ChangeType::water_loss) ||
       rule_enabled(options, kernels::ChangeType::water_gain))) {
    if (swir)
      require_in_both(before, after, {green, swir1}, "the water rules (MNDWI)");
    else if (multispectral)
      require_in_both(before, after, {green, nir}, "the water rules (NDWI)");
  }
  for (int r = 0; r < kernels::kBandRoleCount; ++r) {
    const auto role = static_cast<BandRole>(r);
    if (role == BandRole::rededge1) continue;  // the water-quality stage's band, not a change feature
    if (before.has(role) && after.has(role)) f.roles.push_back(role);
  }
  auto both = [&](std::initializer_list<BandRole> roles) {
    return std::all_of(roles.begin(), roles.end(), [&](BandRole r) { return before.has(r) && after.has(r); });
  };
  // A plane no enabled rule reads is not computed (classify_pixel sees it as NaN, which is
  // what an unread plane means to it).
  using kernels::ChangeType;
  const bool water_read = rule_enabled(options, ChangeType::water_loss) ||
                          rule_enabled(options, ChangeType::water_gain) || options.typing.suppress_stable_water;
  const bool construction_read = rule_enabled(options, ChangeType::construction);
  f.has_water = water_read && (both({green, swir1}) || both({green, nir}));
  f.water_is_mndwi = both({green, swir1});
  f.has_built = construction_read && both({swir1, nir});
  f.has_bare = construction_read && both({blue, red, nir, swir1});
  f.has_brightness = construction_read;
  // Issue 12's special cases of construction: the planes they read, where the bands (and the
  // DEM) give them; without them the rule does not fire and the pixel types as before.
  const bool dumping_read = rule_enabled(options, ChangeType::dumping);
  const bool mining_read = rule_enabled(options, ChangeType::mining);
  f.has_brightness = f.has_brightness || dumping_read || mining_read;
  f.has_visible = rule_enabled(options, ChangeType::blue_roof) && both({red, green, blue});
  f.has_texture = dumping_read;
  f.has_slope = mining_read && !options.terrain_dem.empty();
  return f;
}

}  // namespace zw
