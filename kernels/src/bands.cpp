#include "zonewatch/kernels/bands.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "simd_dispatch.hpp"

namespace zw::kernels {

namespace {

/// Integer pixels: the nodata test compares integers and the loop has no branch, so it
/// vectorises. The same arithmetic as the general path (float(v) * scale + offset).
/// Written once for both instruction sets (simd_dispatch.hpp): AVX2 converts eight pixels
/// at a time, without FMA, so both give the same bits.
template <class T>
ZW_ALWAYS_INLINE inline void integer_to_reflectance_loops(ConstTileView<T> raw, bool has_nodata, T nodata_value,
                                                          float scale, float offset, TileView<float> out) {
  for (int y = 0; y < raw.height; ++y) {
    const T* in = raw.row(y);
    float* dst = out.row(y);
    if (has_nodata) {
      // A bit-mask blend instead of a select, which GCC does not vectorise here.
      const auto nan_bits = std::bit_cast<std::uint32_t>(kNaN);
#pragma omp simd
      for (int x = 0; x < raw.width; ++x) {
        const auto bits = std::bit_cast<std::uint32_t>(static_cast<float>(in[x]) * scale + offset);
        const std::uint32_t is_nodata = 0u - static_cast<std::uint32_t>(in[x] == nodata_value);
        dst[x] = std::bit_cast<float>((bits & ~is_nodata) | (nan_bits & is_nodata));
      }
    } else {
#pragma omp simd
      for (int x = 0; x < raw.width; ++x) dst[x] = static_cast<float>(in[x]) * scale + offset;
    }
  }
}

template <class T>
ZW_TARGET_AVX2 void integer_to_reflectance_avx2(ConstTileView<T> raw, bool has_nodata, T nodata_value, float scale,
                                                float offset, TileView<float> out) {
  integer_to_reflectance_loops(raw, has_nodata, nodata_value, scale, offset, out);
}

template <class T>
void integer_to_reflectance_baseline(ConstTileView<T> raw, bool has_nodata, T nodata_value, float scale, float offset,
                                     TileView<float> out) {
  integer_to_reflectance_loops(raw, has_nodata, nodata_value, scale, offset, out);
}

template <class T>
void integer_to_reflectance(ConstTileView<T> raw, std::optional<double> nodata, float scale, float offset,
                            TileView<float> out) {
  // A nodata value that no T can hold (fractional, out of range, NaN) matches no pixel.
  const double nd = nodata.value_or(0.0);
  const bool has_nodata = nodata.has_value() && nd == std::floor(nd) &&
                          nd >= static_cast<double>(std::numeric_limits<T>::lowest()) &&
                          nd <= static_cast<double>(std::numeric_limits<T>::max());
  const T nodata_value = has_nodata ? static_cast<T>(nd) : T{};
  if (use_avx2()) {
    integer_to_reflectance_avx2(raw, has_nodata, nodata_value, scale, offset, out);
  } else {
    integer_to_reflectance_baseline(raw, has_nodata, nodata_value, scale, offset, out);
  }
}

}  // namespace

template <class T>
void to_reflectance(ConstTileView<T> raw, std::optional<double> nodata, float scale, float offset,
                    TileView<float> out) {
  if constexpr (std::is_integral_v<T>) {
    integer_to_reflectance(raw, nodata, scale, offset, out);
  } else {
    const bool has_nodata = nodata.has_value();
    const double nodata_value = nodata.value_or(0.0);
    for (int y = 0; y < raw.height; ++y) {
      const T* in = raw.row(y);
      float* dst = out.row(y);
      for (int x = 0; x < raw.width; ++x) {
        const double v = static_cast<double>(in[x]);
        if ((has_nodata && v == nodata_value) || !std::isfinite(v)) {
          dst[x] = kNaN;
        } else {
          dst[x] = static_cast<float>(v) * scale + offset;
        }
      }
    }
  }
}

template void to_reflectance<std::uint8_t>(ConstTileView<std::uint8_t>, std::optional<double>, float, float,
                                           TileView<float>);
template void to_reflectance<std::uint16_t>(ConstTileView<std::uint16_t>, std::optional<double>, float, float,
                                            TileView<float>);
template void to_reflectance<std::int16_t>(ConstTileView<std::int16_t>, std::optional<double>, float, float,
                                           TileView<float>);
template void to_reflectance<std::uint32_t>(ConstTileView<std::uint32_t>, std::optional<double>, float, float,
                                            TileView<float>);
template void to_reflectance<std::int32_t>(ConstTileView<std::int32_t>, std::optional<double>, float, float,
                                           TileView<float>);
template void to_reflectance<float>(ConstTileView<float>, std::optional<double>, float, float, TileView<float>);
template void to_reflectance<double>(ConstTileView<double>, std::optional<double>, float, float, TileView<float>);

void reflectance_to_int16(std::span<const float> values, double scale, std::int16_t nodata,
                          std::span<std::int16_t> out) {
  if (out.size() != values.size()) throw std::invalid_argument("reflectance_to_int16: output size mismatch");
  const float* in = values.data();
  std::int16_t* dst = out.data();
  const std::size_t n = values.size();
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) dst[i] = reflectance_to_int16(in[i], scale, nodata);
}

void apply_gain_offset(TileView<float> values, float gain, float offset) {
  for (int y = 0; y < values.height; ++y) {
    float* row = values.row(y);
#pragma omp simd
    for (int x = 0; x < values.width; ++x) row[x] = apply_gain_offset(row[x], gain, offset);
  }
}

}  // namespace zw::kernels
