#pragma once
// Contrast stretch for 8-bit pictures (quick-looks, hotspot chips): a band's display range from
// percentiles of its values, so that a few very bright or dark pixels (clouds, shadows) do not
// flatten the picture.
#include <cstdint>
#include <span>

namespace zw::kernels {

struct DisplayRange {
  float low = 0.0f;
  float high = 1.0f;  // always > low

  /// 0 at `low` and below, 255 at `high` and above, rounded to nearest in between.
  [[nodiscard]] std::uint8_t to_byte(float value) const;
};

/// The `low_fraction` and `high_fraction` percentiles of `values` (nearest rank, no NaN);
/// {0, 1} when `values` is empty; high is nudged above low when they coincide.
DisplayRange percentile_range(std::span<const float> values, double low_fraction = 0.02, double high_fraction = 0.98);

}  // namespace zw::kernels
