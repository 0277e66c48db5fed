#include "zonewatch/kernels/indices.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

namespace zw::kernels {
namespace {

void require_same_size(const ConstTileView<float>& band, BandRole role, const TileView<float>& out) {
  if (band.empty()) {
    throw std::invalid_argument("compute_index: band '" + std::string(to_string(role)) + "' is missing");
  }
  if (band.width != out.width || band.height != out.height) {
    throw std::invalid_argument("compute_index: band '" + std::string(to_string(role)) +
                                "' differs in size from the output tile");
  }
}

/// Applies a per-pixel function of the given bands (in argument order) over the tile.
template <std::size_t N, class PixelFunction>
void map_bands(const BandSet& bands, const std::array<BandRole, N>& roles, TileView<float> out, PixelFunction pixel) {
  for (BandRole role : roles) require_same_size(bands[role], role, out);
  for (int y = 0; y < out.height; ++y) {
    std::array<const float*, N> in{};
    for (std::size_t i = 0; i < N; ++i) in[i] = bands[roles[i]].row(y);
    float* dst = out.row(y);
    const auto at = [&]<std::size_t... I>(int x, std::index_sequence<I...>) { return pixel(in[I][x]...); };
#pragma omp simd
    for (int x = 0; x < out.width; ++x) dst[x] = at(x, std::make_index_sequence<N>{});
  }
}

}  // namespace

std::string_view to_string(SpectralIndex index) {
  const std::string_view name = kSpectralIndexNames.name(index);
  return name.empty() ? "unknown" : name;
}

std::optional<SpectralIndex> spectral_index_from_string(std::string_view name) {
  return kSpectralIndexNames.parse_any_case(name);
}

std::vector<BandRole> required_bands(SpectralIndex index) {
  switch (index) {
    case SpectralIndex::ndvi: return {BandRole::nir, BandRole::red};
    case SpectralIndex::ndwi: return {BandRole::green, BandRole::nir};
    case SpectralIndex::mndwi: return {BandRole::green, BandRole::swir1};
    case SpectralIndex::ndbi: return {BandRole::swir1, BandRole::nir};
    case SpectralIndex::bsi: return {BandRole::blue, BandRole::red, BandRole::nir, BandRole::swir1};
    case SpectralIndex::gli: return {BandRole::red, BandRole::green, BandRole::blue};
  }
  return {};
}

bool can_compute(SpectralIndex index, const BandSet& bands) {
  const std::vector<BandRole> roles = required_bands(index);
  return std::all_of(roles.begin(), roles.end(), [&](BandRole role) { return bands.has(role); });
}

void compute_index(SpectralIndex index, const BandSet& bands, TileView<float> out) {
  // Each per-pixel function is wrapped in its own lambda so that every instantiation of
  // map_bands inlines it, instead of sharing one loop that calls through a pointer.
  using enum BandRole;
  switch (index) {
    case SpectralIndex::ndvi: map_bands<2>(bands, {nir, red}, out, [](auto... v) { return ndvi(v...); }); return;
    case SpectralIndex::ndwi: map_bands<2>(bands, {green, nir}, out, [](auto... v) { return ndwi(v...); }); return;
    case SpectralIndex::mndwi: map_bands<2>(bands, {green, swir1}, out, [](auto... v) { return mndwi(v...); }); return;
    case SpectralIndex::ndbi: map_bands<2>(bands, {swir1, nir}, out, [](auto... v) { return ndbi(v...); }); return;
    case SpectralIndex::bsi:
      map_bands<4>(bands, {blue, red, nir, swir1}, out, [](auto... v) { return bsi(v...); });
      return;
    case SpectralIndex::gli: map_bands<3>(bands, {red, green, blue}, out, [](auto... v) { return gli(v...); }); return;
  }
  throw std::invalid_argument("compute_index: unknown spectral index");
}

void compute_brightness(const BandSet& bands, TileView<float> out) {
  constexpr std::array<BandRole, 3> kVisible{BandRole::blue, BandRole::green, BandRole::red};
  int count = 0;
  for (BandRole role : kVisible) {
    if (bands.has(role)) {
      require_same_size(bands[role], role, out);
      ++count;
    }
  }
  for (int y = 0; y < out.height; ++y) {
    float* dst = out.row(y);
    for (int x = 0; x < out.width; ++x) dst[x] = 0.0f;
    for (BandRole role : kVisible) {
      if (!bands.has(role)) continue;
      const float* src = bands[role].row(y);
#pragma omp simd
      for (int x = 0; x < out.width; ++x) dst[x] += src[x];
    }
    if (count == 0) continue;
    const auto n = static_cast<float>(count);
#pragma omp simd
    for (int x = 0; x < out.width; ++x) dst[x] /= n;
  }
}

}  // namespace zw::kernels
