#include "zonewatch/kernels/composite.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

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

/// A vector of T filling `Bytes` bytes (GCC and Clang vector extensions), written as an alias
/// template: GCC 12 does not take a dependent vector_size on a type inside a class template.
template <class T, int Bytes>
using Vector [[gnu::vector_size(Bytes)]] = T;

/// L pixels side by side in one register: 8 at AVX2, 4 at the SSE2 baseline.
template <int L>
struct Lanes {
  using Floats = Vector<float, 4 * L>;
  using Ints = Vector<std::int32_t, 4 * L>;
  using Bytes = Vector<std::uint8_t, L>;
  using Words = Vector<std::uint16_t, 2 * L>;
};

/// The compare-exchanges that put the two middle values of N <= 16 values in place. A pixel's
/// clouded observations are padded alternately with +inf and -inf (the first +inf), so that
/// whatever its clear count k, the median of its clear values sits at fixed positions of the
/// N sorted values: position (N - 1) / 2 for odd k, the mean of positions N / 2 - 1 and N / 2
/// for even k. Only those two positions are needed, so the Batcher network of 16 is pruned
/// from the end: a pair is kept when a position it writes is read by a kept pair after it or
/// is one of the two (positions N and above hold +inf and never move).
struct MedianNetwork {
  std::array<CompareExchange, odd_even_merge_pairs(16)> pairs{};
  std::size_t count = 0;
};
template <int N>
constexpr MedianNetwork median_network() {
  constexpr auto kFull = odd_even_merge_network<16>();
  std::array<bool, 16> needed{};
  needed[static_cast<std::size_t>(std::max(N / 2 - 1, 0))] = true;
  needed[N / 2] = true;
  std::array<CompareExchange, kFull.size()> kept{};
  std::size_t count = 0;
  for (std::size_t i = kFull.size(); i-- > 0;) {
    const CompareExchange e = kFull[i];
    if (e.b >= N || (!needed[e.a] && !needed[e.b])) continue;
    needed[e.a] = needed[e.b] = true;
    kept[count++] = e;
  }
  MedianNetwork network;
  for (std::size_t i = 0; i < count; ++i) network.pairs[i] = kept[count - 1 - i];
  network.count = count;
  return network;
}
template <int N>
constexpr MedianNetwork kMedianNetwork = median_network<N>();

/// The same min and max as lane_medians (on equal values both keep the first operand's bits).
template <class Floats>
ZW_ALWAYS_INLINE inline void compare_exchange(Floats& a, Floats& c) {
  const Floats low = c < a ? c : a;
  const Floats high = a < c ? c : a;
  a = low;
  c = high;
}

/// The network unrolled, so that the N values stay in registers.
template <int N, class Floats, std::size_t... I>
ZW_ALWAYS_INLINE inline void place_middle_values(std::array<Floats, N>& v, std::index_sequence<I...> /*pairs*/) {
  (compare_exchange(v[kMedianNetwork<N>.pairs[I].a], v[kMedianNetwork<N>.pairs[I].b]), ...);
}

/// The per-band medians and clear counts of the L pixels of one row from `x0`, for a season
/// of N observations: the values of lane_medians, with the network fixed at compile time.
template <int N, int L>
ZW_ALWAYS_INLINE inline void lanes_of_medians(const std::vector<const float*>& rows,
                                              const std::vector<const std::uint8_t*>& clear_rows, int bands, int x0,
                                              const std::vector<float*>& out_rows, std::uint16_t* counts) {
  using Floats = typename Lanes<L>::Floats;
  using Ints = typename Lanes<L>::Ints;
  Floats plus_inf, minus_inf, nan;
  for (int l = 0; l < L; ++l) {
    plus_inf[l] = std::numeric_limits<float>::infinity();
    minus_inf[l] = -std::numeric_limits<float>::infinity();
    nan[l] = kNaN;
  }
  std::array<Ints, N> clear;
  std::array<Floats, N> pad;
  Ints count{};
  Ints odd_cloudy{};  // lanes where an odd number of observations so far were clouded
  for (int o = 0; o < N; ++o) {
    Ints ok = ~Ints{};
    if (const std::uint8_t* clear_row = clear_rows[static_cast<std::size_t>(o)]) {
      typename Lanes<L>::Bytes bytes;
      std::memcpy(&bytes, clear_row + x0, sizeof bytes);
      ok = __builtin_convertvector(bytes, Ints) != 0;
    }
    for (int b = 0; b < bands; ++b) {
      Floats x;
      std::memcpy(&x, rows[static_cast<std::size_t>(o) * bands + b] + x0, sizeof x);
      ok &= x == x;  // NaN in any band drops the observation
    }
    clear[o] = ok;
    pad[o] = odd_cloudy != 0 ? minus_inf : plus_inf;
    odd_cloudy ^= ~ok;
    count -= ok;  // ok is -1 where clear
  }
  const auto words = __builtin_convertvector(count, typename Lanes<L>::Words);
  std::memcpy(counts + x0, &words, sizeof words);
  constexpr int kOddPick = (N - 1) / 2, kLower = std::max(N / 2 - 1, 0), kUpper = N / 2;
  for (int b = 0; b < bands; ++b) {
    std::array<Floats, N> v;
    for (int o = 0; o < N; ++o) {
      Floats x;
      std::memcpy(&x, rows[static_cast<std::size_t>(o) * bands + b] + x0, sizeof x);
      v[o] = clear[o] != 0 ? x : pad[o];
    }
    place_middle_values<N>(v, std::make_index_sequence<kMedianNetwork<N>.count>{});
    const Floats even = 0.5f * (v[kLower] + v[kUpper]);
    Floats median = (count & 1) != 0 ? v[kOddPick] : even;
    median = count == 0 ? nan : median;
    std::memcpy(out_rows[static_cast<std::size_t>(b)] + x0, &median, sizeof median);
  }
}

/// A row of a season of N <= 16 observations: L pixels at a time, the last partial group
/// through lane_medians (`pairs`: pruned_network<16>(N)).
template <int N, int L>
ZW_ALWAYS_INLINE inline void row_medians_of(const std::vector<CompareExchange>& pairs,
                                            const std::vector<const float*>& rows,
                                            const std::vector<const std::uint8_t*>& clear_rows, int /*n*/, int bands,
                                            int width, const std::vector<float*>& out_rows, std::uint16_t* counts) {
  int x0 = 0;
  for (; x0 + L <= width; x0 += L) lanes_of_medians<N, L>(rows, clear_rows, bands, x0, out_rows, counts);
  if (x0 < width) lane_medians<16>(pairs, rows, clear_rows, N, bands, x0, width - x0, out_rows, counts);
}

template <int N>
ZW_TARGET_AVX2 void row_medians_of_avx2(const std::vector<CompareExchange>& pairs,
                                        const std::vector<const float*>& rows,
                                        const std::vector<const std::uint8_t*>& clear_rows, int n, int bands, int width,
                                        const std::vector<float*>& out_rows, std::uint16_t* counts) {
  row_medians_of<N, 8>(pairs, rows, clear_rows, n, bands, width, out_rows, counts);
}

template <int N>
void row_medians_of_baseline(const std::vector<CompareExchange>& pairs, const std::vector<const float*>& rows,
                             const std::vector<const std::uint8_t*>& clear_rows, int n, int bands, int width,
                             const std::vector<float*>& out_rows, std::uint16_t* counts) {
  row_medians_of<N, 4>(pairs, rows, clear_rows, n, bands, width, out_rows, counts);
}

using RowMedians = void (*)(const std::vector<CompareExchange>&, const std::vector<const float*>&,
                            const std::vector<const std::uint8_t*>&, int, int, int, const std::vector<float*>&,
                            std::uint16_t*);

/// The row function for a season of n observations at the CPU's instruction set: a network
/// fixed at compile time up to 16 (a season's usual length), the pruned network of 32 beyond.
template <std::size_t... I>
RowMedians row_medians_for(int n, std::index_sequence<I...> /*lengths minus one*/) {
  static constexpr std::array<RowMedians, sizeof...(I)> kAvx2{row_medians_of_avx2<static_cast<int>(I) + 1>...};
  static constexpr std::array<RowMedians, sizeof...(I)> kBaseline{row_medians_of_baseline<static_cast<int>(I) + 1>...};
  if (n >= 1 && n <= static_cast<int>(sizeof...(I)))
    return (use_avx2() ? kAvx2 : kBaseline)[static_cast<std::size_t>(n - 1)];
  return use_avx2() ? row_medians_avx2<32> : row_medians_baseline<32>;
}

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
  const RowMedians row_medians_of_season = row_medians_for(n, std::make_index_sequence<16>{});

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
