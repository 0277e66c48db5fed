#pragma once
// Per-pixel quality masks: decoding of the products' own quality bands, and a spectral
// cloud / cloud-shadow test for sensors that ship none. Output: 1 = clear (usable),
// 0 = excluded (fill, cloud, cloud shadow, snow / ice, cirrus, saturated).
#include <cstdint>
#include <optional>
#include <string_view>

#include "zonewatch/kernels/bands.hpp"
#include "zonewatch/kernels/enum_names.hpp"
#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// How a quality band encodes its flags. Values are read as unsigned 16-bit words (a
/// signed band's negative fill value must be masked by the caller before conversion).
enum class QualityEncoding {
  /// Landsat Collection 2 QA_PIXEL (LSDS-1618/1619 / LSDS-1328 table 6-3): bit 0 fill,
  /// 1 dilated cloud, 2 cirrus (OLI only; 0 for TM/ETM+), 3 cloud, 4 cloud shadow, 5 snow.
  /// Excluded: any of bits 0-5.
  landsat_qa_pixel,
  /// Landsat 8 Collection 1 BQA: bit 0 designated fill, 1 terrain occlusion, 2-3
  /// radiometric saturation (band count), 4 cloud, 5-6 cloud confidence, 7-8 cloud-shadow
  /// confidence, 9-10 snow/ice confidence, 11-12 cirrus confidence (00 not determined,
  /// 01 low, 10 medium, 11 high). Excluded: fill, terrain occlusion, any saturation, the
  /// cloud bit, and high confidence of cloud, cloud shadow, snow/ice or cirrus.
  landsat_bqa_c1_oli,
  /// Landsat 4-7 Collection 1 BQA: as OLI, but bit 1 is a dropped (blocked) pixel and
  /// bits 11-12 are unused (no cirrus band).
  landsat_bqa_c1_tm_etm,
  /// Sentinel-2 L2A scene classification (SCL): clear = 4 vegetation, 5 not vegetated,
  /// 6 water, 7 unclassified; excluded = 0 no data, 1 saturated or defective, 2 dark area
  /// / cast shadow, 3 cloud shadow, 8 and 9 cloud (medium and high probability),
  /// 10 thin cirrus, 11 snow or ice, and any other value.
  sentinel2_scl,
  /// CBERS-4 CMASK of the Brazil Data Cube stacks (Fmask classes): clear = 0 clear land,
  /// 1 clear water, and 127 (the "clear" of the later CB4-16D-2 collection); excluded =
  /// 2 cloud shadow, 3 snow, 4 cloud, 255 no data, and any other value.
  cbers_cmask,
  /// A plain mask: 0 excluded, anything else clear.
  nonzero_is_clear,
};

inline constexpr EnumNames kQualityEncodingNames{std::array{
    EnumName<QualityEncoding>{QualityEncoding::landsat_qa_pixel, "landsat_qa_pixel"},
    EnumName<QualityEncoding>{QualityEncoding::landsat_bqa_c1_oli, "landsat_bqa_c1_oli"},
    EnumName<QualityEncoding>{QualityEncoding::landsat_bqa_c1_tm_etm, "landsat_bqa_c1_tm_etm"},
    EnumName<QualityEncoding>{QualityEncoding::sentinel2_scl, "sentinel2_scl"},
    EnumName<QualityEncoding>{QualityEncoding::cbers_cmask, "cbers_cmask"},
    EnumName<QualityEncoding>{QualityEncoding::nonzero_is_clear, "nonzero_is_clear"},
}};

/// Lower-case enumerator name ("landsat_qa_pixel", ...).
[[nodiscard]] std::string_view to_string(QualityEncoding encoding);
/// Inverse of to_string, case-insensitive; nullopt for an unknown name.
[[nodiscard]] std::optional<QualityEncoding> quality_encoding_from_string(std::string_view name);

/// True when the quality word `qa` marks a clear pixel under `encoding`.
[[nodiscard]] bool is_clear(std::uint16_t qa, QualityEncoding encoding);

/// Decodes a quality tile: clear(x, y) = 1 where the word is clear, else 0.
/// Throws std::invalid_argument when the two views differ in size.
void decode_quality(ConstTileView<std::uint16_t> qa, QualityEncoding encoding, TileView<std::uint8_t> clear);

/// Thresholds of the spectral cloud and cloud-shadow test, on reflectance (0-1).
///
/// Cloud (all that apply with the bands present must hold):
///   bright:      mean(blue, green, red present) >= cloud_min_visible
///   white:       sum |band - mean| / mean over those bands <= cloud_max_whiteness
///                (Zhu & Woodcock 2012, Fmask "whiteness")
///   hazy:        HOT = blue - 0.5 red - 0.08 > cloud_min_hot (Zhang et al. 2002; needs blue)
///   not rock:    nir / swir1 > cloud_min_nir_swir1 (Fmask; needs swir1)
/// Cloud shadow (all must hold):
///   dark NIR:    nir <= shadow_max_nir
///   dark:        mean visible <= shadow_max_visible
///   not water:   green < nir (NDWI < 0; water has green > nir) when green is present
///
/// Limits: a per-pixel test without thermal bands or cloud-shadow geometry. Bright
/// white surfaces (snow, white roofs, salt, sand in haze) pass as cloud, which is harmless
/// for snow (excluded anyway) but masks some real bright land; thin cloud and cirrus
/// below the brightness floor pass as clear; shadow tests also flag dark wet soil, fresh
/// burn scars and terrain shadow. It is a fallback for sensors without a quality band.
struct SpectralCloudTest {
  float cloud_min_visible = 0.20f;
  float cloud_max_whiteness = 0.70f;
  float cloud_min_hot = 0.0f;
  float cloud_min_nir_swir1 = 0.75f;
  float shadow_max_nir = 0.12f;
  float shadow_max_visible = 0.06f;
};

/// Applies the spectral test: clear(x, y) = 0 where a pixel tests as cloud or cloud shadow,
/// else 1 (NaN inputs leave the pixel 1: it is no data for other reasons). Needs red and
/// nir and at least one of blue/green; with fewer bands every pixel is 1. Every present
/// band must have the size of `clear`, else std::invalid_argument.
void spectral_clear_mask(const BandSet& bands, const SpectralCloudTest& test, TileView<std::uint8_t> clear);

}  // namespace zw::kernels
