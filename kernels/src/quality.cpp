#include "zonewatch/kernels/quality.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace zw::kernels {

namespace {

constexpr unsigned bits(std::uint16_t word, int first, int count) {
  return (static_cast<unsigned>(word) >> first) & ((1u << count) - 1u);
}

constexpr unsigned kHigh = 3;  // two-bit confidence "high"

bool bqa_c1_clear(std::uint16_t qa, bool oli) {
  if (bits(qa, 0, 1) != 0) return false;              // designated fill
  if (bits(qa, 1, 1) != 0) return false;              // terrain occlusion (OLI) / dropped pixel (TM/ETM+)
  if (bits(qa, 2, 2) != 0) return false;              // radiometric saturation in 1 or more bands
  if (bits(qa, 4, 1) != 0) return false;              // cloud
  if (bits(qa, 5, 2) == kHigh) return false;          // cloud confidence
  if (bits(qa, 7, 2) == kHigh) return false;          // cloud shadow confidence
  if (bits(qa, 9, 2) == kHigh) return false;          // snow / ice confidence
  if (oli && bits(qa, 11, 2) == kHigh) return false;  // cirrus confidence
  return true;
}

}  // namespace

std::string_view to_string(QualityEncoding encoding) { return kQualityEncodingNames.name(encoding); }

std::optional<QualityEncoding> quality_encoding_from_string(std::string_view name) {
  return kQualityEncodingNames.parse_any_case(name);
}

bool is_clear(std::uint16_t qa, QualityEncoding encoding) {
  switch (encoding) {
    case QualityEncoding::landsat_qa_pixel: return bits(qa, 0, 6) == 0;
    case QualityEncoding::landsat_bqa_c1_oli: return bqa_c1_clear(qa, true);
    case QualityEncoding::landsat_bqa_c1_tm_etm: return bqa_c1_clear(qa, false);
    case QualityEncoding::sentinel2_scl: return qa >= 4 && qa <= 7;
    case QualityEncoding::cbers_cmask: return qa == 0 || qa == 1 || qa == 127;
    case QualityEncoding::nonzero_is_clear: return qa != 0;
  }
  return false;
}

void decode_quality(ConstTileView<std::uint16_t> qa, QualityEncoding encoding, TileView<std::uint8_t> clear) {
  if (qa.width != clear.width || qa.height != clear.height) {
    throw std::invalid_argument("decode_quality: quality and mask tiles differ in size");
  }
  // A lookup table per call: 64 Ki entries beat a switch per pixel on large tiles, but cost
  // more than they save on small ones.
  if (qa.pixel_count() >= (1 << 16)) {
    std::vector<std::uint8_t> table(1 << 16);
    for (std::size_t v = 0; v < table.size(); ++v) table[v] = is_clear(static_cast<std::uint16_t>(v), encoding) ? 1 : 0;
    for (int y = 0; y < qa.height; ++y) {
      const std::uint16_t* in = qa.row(y);
      std::uint8_t* out = clear.row(y);
      for (int x = 0; x < qa.width; ++x) out[x] = table[in[x]];
    }
    return;
  }
  for (int y = 0; y < qa.height; ++y) {
    const std::uint16_t* in = qa.row(y);
    std::uint8_t* out = clear.row(y);
    for (int x = 0; x < qa.width; ++x) out[x] = is_clear(in[x], encoding) ? 1 : 0;
  }
}

void spectral_clear_mask(const BandSet& bands, const SpectralCloudTest& test, TileView<std::uint8_t> clear) {
  for (int r = 0; r < kBandRoleCount; ++r) {
    const auto& b = bands.bands[static_cast<std::size_t>(r)];
    if (!b.empty() && (b.width != clear.width || b.height != clear.height)) {
      throw std::invalid_argument("spectral_clear_mask: band " + std::string(to_string(static_cast<BandRole>(r))) +
                                  " differs in size from the mask");
    }
  }
  for (int y = 0; y < clear.height; ++y) std::fill_n(clear.row(y), clear.width, std::uint8_t{1});
  const bool has_blue = bands.has(BandRole::blue), has_green = bands.has(BandRole::green);
  const bool has_swir1 = bands.has(BandRole::swir1);
  if (!bands.has(BandRole::red) || !bands.has(BandRole::nir) || (!has_blue && !has_green)) return;

  for (int y = 0; y < clear.height; ++y) {
    std::uint8_t* out = clear.row(y);
    for (int x = 0; x < clear.width; ++x) {
      const float red = bands[BandRole::red](x, y);
      const float nir = bands[BandRole::nir](x, y);
      const float blue = has_blue ? bands[BandRole::blue](x, y) : kNaN;
      const float green = has_green ? bands[BandRole::green](x, y) : kNaN;
      if (std::isnan(red) || std::isnan(nir) || (has_blue && std::isnan(blue)) || (has_green && std::isnan(green))) {
        continue;
      }
      float visible[3];
      int n = 0;
      if (has_blue) visible[n++] = blue;
      if (has_green) visible[n++] = green;
      visible[n++] = red;
      float mean = 0.0f;
      for (int i = 0; i < n; ++i) mean += visible[i];
      mean /= static_cast<float>(n);

      bool cloud = mean >= test.cloud_min_visible;
      if (cloud) {
        float whiteness = 0.0f;
        for (int i = 0; i < n; ++i) whiteness += std::abs(visible[i] - mean);
        whiteness /= mean;
        cloud = whiteness <= test.cloud_max_whiteness;
      }
      if (cloud && has_blue) cloud = blue - 0.5f * red - 0.08f > test.cloud_min_hot;
      if (cloud && has_swir1) {
        const float swir1 = bands[BandRole::swir1](x, y);
        // A zero or negative SWIR with a bright visible signal is not rock: keep the cloud.
        if (!std::isnan(swir1) && swir1 > 0.0f) cloud = nir / swir1 > test.cloud_min_nir_swir1;
      }
      bool shadow = nir <= test.shadow_max_nir && mean <= test.shadow_max_visible;
      if (shadow && has_green) shadow = green < nir;
      if (cloud || shadow) out[x] = 0;
    }
  }
}

}  // namespace zw::kernels
