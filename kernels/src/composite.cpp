#include "zonewatch/kernels/composite.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "simd_dispatch.hpp"

namespace zw::kernels {

std::string_view to_string(CompositeMethod method) {
  const std::string_view name = kCompositeMethodNames.name(method);
  return name.empty() ? kCompositeMethodNames.name(CompositeMethod::median) : name;
}

std::optional<CompositeMethod> composite_method_from_string(std::string_view name) {
  return kCompositeMethodNames.parse(name);
}

namespace {

/// Compare-exchanges of Batcher's odd-even merge sort for `Size` (a power of two) values:
/// sorts any Size values with branch-free min/max pairs (63 for 16, 191 for 32).
struct CompareExchange {
  std::uint8_t a, b;  // positions, a < b
};
constexpr std::size_t odd_even_merge_pairs(int size) {
  std::size_t count = 0;
  for (int p = 1; p < size; p <<= 1) {
    for (int k = p; k >= 1; k >>= 1) {
      for (int j = k % p; j + k < size; j += 2 * k) {
        for (int i = 0; i < std::min(k, size - j - k); ++i) count += (i + j) / (2 * p) == (i + j + k) / (2 * p);
      }
    }
  }
  return count;
}
template <int Size>
constexpr std::array<CompareExchange, odd_even_merge_pairs(Size)> odd_even_merge_network() {
  std::array<CompareExchange, odd_even_merge_pairs(Size)> network{};
  std::size_t count = 0;
  for (int p = 1; p < Size; p <<= 1) {
    for (int k = p; k >= 1; k >>= 1) {
      for (int j = k % p; j + k < Size; j += 2 * k) {
        for (int i = 0; i < std::min(k, Size - j - k); ++i) {
          if ((i + j) / (2 * p) == (i + j + k) / (2 * p)) {
            network[count++] = {static_cast<std::uint8_t>(i + j), static_cast<std::uint8_t>(i + j + k)};
          }
        }
      }
    }
  }
  return network;
}

/// Pixels the median composite sorts side by side: the network's min/max pairs then run on
/// a vector of lanes (SSE2 and wider), one pixel per lane.
constexpr int kLanes = 16;

/// The compare-exchanges of the Batcher network of `Size` that sort n <= Size values padded
/// with +inf: a pair whose upper position is n or above never moves anything (that position
/// holds +inf before and after it), so it is left out (63 -> 42 pairs for 12 values).
template <int Size>
std::vector<CompareExchange> pruned_network(int n) {
  static constexpr auto kNetwork = odd_even_merge_network<Size>();
  std::vector<CompareExchange> pairs;
  for (const CompareExchange& e : kNetwork) {
    if (e.b < n) pairs.push_back(e);
  }
  return pairs;
}

/// The per-band medians and clear counts of up to kLanes pixels of one row (from `x0`, `lanes`
/// of them), every observation through the same network (`pairs`, pruned_network<Size>(n)),
/// an observation that is clouded or not finite in some band padded with +inf per lane. The
/// sorted multiset, and so each median, is what median_in_place gives for the pixel's clear
/// values alone.
template <int Size>
ZW_ALWAYS_INLINE inline void lane_medians(const std::vector<CompareExchange>& pairs,
                                          const std::vector<const float*>& rows,
                                          const std::vector<const std::uint8_t*>& clear_rows, int n, int bands, int x0,
                                          int lanes, const std::vector<float*>& out_rows, std::uint16_t* counts) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  std::array<std::array<std::uint8_t, kLanes>, Size> clear{};
  std::array<int, kLanes> count{};
  for (int o = 0; o < n; ++o) {
    const std::uint8_t* clear_row = clear_rows[static_cast<std::size_t>(o)];
    std::array<std::uint8_t, kLanes>& ok = clear[static_cast<std::size_t>(o)];
    for (int l = 0; l < lanes; ++l) ok[l] = clear_row == nullptr || clear_row[x0 + l] != 0 ? 1 : 0;
    for (int b = 0; b < bands; ++b) {
      const float* row = rows[static_cast<std::size_t>(o) * bands + b] + x0;
      for (int l = 0; l < lanes; ++l) ok[l] = std::isnan(row[l]) ? std::uint8_t{0} : ok[l];
    }
    for (int l = 0; l < lanes; ++l) count[l] += ok[l];
  }
  for (int l = 0; l < lanes; ++l) counts[x0 + l] = static_cast<std::uint16_t>(count[l]);
  // Rows n and above stay +inf (no pair touches them), and so do the lanes past a partial group.
  std::array<std::array<float, kLanes>, Size> v;
  for (auto& row : v) row.fill(kInf);
  for (int b = 0; b < bands; ++b) {
    for (int o = 0; o < n; ++o) {
      const float* row = rows[static_cast<std::size_t>(o) * bands + b] + x0;
      for (int l = 0; l < lanes; ++l) v[o][l] = clear[o][l] != 0 ? row[l] : kInf;
    }
    for (const CompareExchange& e : pairs) {
      float* a = v[e.a].data();
      float* c = v[e.b].data();  // another row of v: the lanes are independent
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) {
        const float low = std::min(a[l], c[l]);
        const float high = std::max(a[l], c[l]);
        a[l] = low;
        c[l] = high;
      }
    }
    float* out = out_rows[static_cast<std::size_t>(b)] + x0;
    for (int l = 0; l < lanes; ++l) {
      const int k = count[l];
      const auto mid = static_cast<std::size_t>(k / 2);
      out[l] = k == 0 ? kNaN : k % 2 == 1 ? v[mid][l] : 0.5f * (v[mid - 1][l] + v[mid][l]);
    }
  }
}

/// lane_medians over a whole row, a group of kLanes pixels at a time; written once for both
/// instruction sets (simd_dispatch.hpp).
template <int Size>
ZW_ALWAYS_INLINE inline void row_medians(const std::vector<CompareExchange>& pairs,
                                         const std::vector<const float*>& rows,
                                         const std::vector<const std::uint8_t*>& clear_rows, int n, int bands,
                                         int width, const std::vector<float*>& out_rows, std::uint16_t* counts) {
  for (int x0 = 0; x0 < width; x0 += kLanes) {
    lane_medians<Size>(pairs, rows, clear_rows, n, bands, x0, std::min(kLanes, width - x0), out_rows, counts);
  }
}

template <int Size>
ZW_TARGET_AVX2 void row_medians_avx2(const std::vector<CompareExchange>& pairs, const std::vector<const float*>& rows,
                                     const std::vector<const std::uint8_t*>& clear_rows, int n, int bands, int width,
                                     const std::vector<float*>& out_rows, std::uint16_t* counts) {
  row_medians<Size>(pairs, rows, clear_rows, n, bands, width, out_rows, counts);
}

template <int Size>
void row_medians_baseline(const std::vector<CompareExchange>& pairs, const std::vector<const float*>& rows,
                          const std::vector<const std::uint8_t*>& clear_rows, int n, int bands, int width,
                          const std::vector<float*>& out_rows, std::uint16_t* counts) {
  row_medians<Size>(pairs, rows, clear_rows, n, bands, width, out_rows, counts);
}

using RowMedians = void (*)(const std::vector<CompareExchange>&, const std::vector<const float*>&,
                            const std::vector<const std::uint8_t*>&, int, int, int, const std::vector<float*>&,
                            std::uint16_t*);

}  // namespace

float median_in_place(float* values, int n) {
  if (n <= 0) return kNaN;
  // The median composite calls this only for more than 32 observations (a season's length
  // goes through lane_medians' network instead).
  float* mid = values + n / 2;
  std::nth_element(values, mid, values + n);
  if (n % 2 == 1) return *mid;
  const float lower = *std::max_element(values, mid);
  return 0.5f * (lower + *mid);
}

namespace {

void validate(std::span<const Observation> observations, const CompositeSpec& spec,
              std::span<const TileView<float>> out, const TileView<std::uint16_t>& clear_count) {
  if (observations.size() > 65535) throw std::invalid_argument("composite_tile: more than 65535 observations");
  const int width = clear_count.width, height = clear_count.height;
  for (const auto& o : out) {
    if (o.width != width || o.height != height) throw std::invalid_argument("composite_tile: output size mismatch");
  }
  for (std::size_t i = 0; i < observations.size(); ++i) {
    const Observation& obs = observations[i];
    if (obs.bands.size() != out.size()) {
      throw std::invalid_argument("composite_tile: observation " + std::to_string(i) + " has " +
                                  std::to_string(obs.bands.size()) + " bands, the output " +
                                  std::to_string(out.size()));
    }
    for (const auto& b : obs.bands) {
      if (b.width != width || b.height != height) {
        throw std::invalid_argument("composite_tile: observation " + std::to_string(i) + " band size mismatch");
      }
    }
    if (!obs.clear.empty() && (obs.clear.width != width || obs.clear.height != height)) {
      throw std::invalid_argument("composite_tile: observation " + std::to_string(i) + " clear mask size mismatch");
    }
  }
  const int bands = static_cast<int>(out.size());
  auto valid_index = [bands](int i) { return i >= 0 && i < bands; };
  if (spec.method == CompositeMethod::max_ndvi) {
    const bool ndvi_bands = valid_index(spec.red) && valid_index(spec.nir);
    const bool gli_bands = valid_index(spec.red) && valid_index(spec.green) && valid_index(spec.blue);
    if (!ndvi_bands && !gli_bands) {
      throw std::invalid_argument("composite_tile: max_ndvi needs red and nir, or red, green and blue bands");
    }
  }
}

}  // namespace

void composite_tile(std::span<const Observation> observations, const CompositeSpec& spec,
                    std::span<const TileView<float>> out, TileView<std::uint16_t> clear_count) {
  validate(observations, spec, out, clear_count);
  const int n = static_cast<int>(observations.size());
  const int bands = static_cast<int>(out.size());
  const int width = clear_count.width, height = clear_count.height;
  const bool has_nir = spec.nir >= 0 && spec.nir < bands;

  std::vector<const float*> rows(static_cast<std::size_t>(n) * static_cast<std::size_t>(bands));
  std::vector<const std::uint8_t*> clear_rows(static_cast<std::size_t>(n));
  std::vector<float*> out_rows(static_cast<std::size_t>(bands));
  std::vector<int> candidates(static_cast<std::size_t>(n));
  std::vector<float> values(static_cast<std::size_t>(n));
  std::vector<float> keys(static_cast<std::size_t>(n));
  auto band_row = [&](int o, int b) { return rows[static_cast<std::size_t>(o) * bands + b]; };
  const bool side_by_side = spec.method == CompositeMethod::median && n <= 32;  // a season's length
  const std::vector<CompareExchange> network = !side_by_side ? std::vector<CompareExchange>{}
                                               : n <= 16     ? pruned_network<16>(n)
                                                             : pruned_network<32>(n);
  const RowMedians row_medians_of_season = use_avx2() ? (n <= 16 ? row_medians_avx2<16> : row_medians_avx2<32>)
                                                      : (n <= 16 ? row_medians_baseline<16> : row_medians_baseline<32>);

  for (int y = 0; y < height; ++y) {
    for (int o = 0; o < n; ++o) {
      const Observation& obs = observations[static_cast<std::size_t>(o)];
      for (int b = 0; b < bands; ++b) rows[static_cast<std::size_t>(o) * bands + b] = obs.bands[b].row(y);
      clear_rows[o] = obs.clear.empty() ? nullptr : obs.clear.row(y);
    }
    for (int b = 0; b < bands; ++b) out_rows[b] = out[b].row(y);
    std::uint16_t* counts = clear_count.row(y);

    if (side_by_side) {
      row_medians_of_season(network, rows, clear_rows, n, bands, width, out_rows, counts);
      continue;
    }
    for (int x = 0; x < width; ++x) {
      int count = 0;
      for (int o = 0; o < n; ++o) {
        if (clear_rows[o] != nullptr && clear_rows[o][x] == 0) continue;
        bool finite = true;
        for (int b = 0; b < bands && finite; ++b) finite = !std::isnan(band_row(o, b)[x]);
        if (finite) candidates[count++] = o;
      }
      counts[x] = static_cast<std::uint16_t>(count);
      if (count == 0) {
        for (int b = 0; b < bands; ++b) out_rows[b][x] = kNaN;
        continue;
      }
      int pick = -1;
      switch (spec.method) {
        case CompositeMethod::median:
          for (int b = 0; b < bands; ++b) {
            for (int i = 0; i < count; ++i) values[i] = band_row(candidates[i], b)[x];
            out_rows[b][x] = median_in_place(values.data(), count);
          }
          break;
        case CompositeMethod::max_ndvi:
          for (int i = 0; i < count; ++i) {
            const int o = candidates[i];
            keys[o] = selection_greenness(band_row(o, spec.red)[x], has_nir ? band_row(o, spec.nir)[x] : kNaN,
                                          has_nir ? kNaN : band_row(o, spec.green)[x],
                                          has_nir ? kNaN : band_row(o, spec.blue)[x], has_nir);
          }
          pick = select_highest(keys.data(), candidates.data(), count);
          break;
        case CompositeMethod::best_available:
          for (int i = 0; i < count; ++i) keys[candidates[i]] = observations[candidates[i]].score;
          pick = select_highest(keys.data(), candidates.data(), count);
          break;
      }
      if (pick >= 0) {
        for (int b = 0; b < bands; ++b) out_rows[b][x] = band_row(pick, b)[x];
      }
    }
  }
}

}  // namespace zw::kernels
