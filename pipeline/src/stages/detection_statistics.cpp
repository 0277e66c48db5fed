// Pass 1 of detection: z-scoring moments of the band differences and the change-magnitude
// threshold, from a fixed lattice of sample blocks (independent of tiling).
#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "date_reflectance.hpp"
#include "zonewatch/kernels/difference.hpp"
#include "zonewatch/kernels/order_statistics.hpp"
#include "zonewatch/kernels/threshold.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/grid/sampling.hpp"
#include "zonewatch/pipeline/grid/tile_distribution.hpp"
#include "zonewatch/pipeline/stages/detection.hpp"

namespace zw {
using kernels::BandRole;

namespace {

constexpr double kMaxSampledPixels = 24e6;  // blocks read for statistics
constexpr double kMaxStoredSamples = 4e6;   // difference vectors kept in memory

/// 1 / Phi^-1(3/4): MAD times this estimates sigma of a normal distribution.
constexpr double kMadToSigma = 1.4826;

/// What one statistics block contributes: its valid difference vectors and their moments.
struct SampleBlock {
  std::vector<float> differences;  // valid pixels, roles interleaved
  std::vector<kernels::MomentsAccumulator> moments;
  std::uint64_t lattice_pixels = 0;  // sampled pixels of the grid, valid or not
};

// Between ranks (grid/tile_distribution.hpp): a block's bytes as computed, so rank 0 merges
// exactly what one process would.
void encode_block(ByteWriter& out, const SampleBlock& block) {
  out.put_vector(block.differences);
  out.put_vector(block.moments);
  out.put(block.lattice_pixels);
}
SampleBlock decode_block(ByteReader& in) {
  SampleBlock block;
  block.differences = in.get_vector<float>();
  block.moments = in.get_vector<kernels::MomentsAccumulator>();
  block.lattice_pixels = in.get<std::uint64_t>();
  return block;
}

/// Rank 0's statistics on every rank (the classification pass needs them everywhere).
DetectionStatistics share_statistics(const DetectionStatistics& stats) {
  return broadcast_from_root(
      stats,
      [](ByteWriter& out, const DetectionStatistics& s) {
        out.put_vector(s.roles);
        out.put_vector(s.offsets);
        out.put_vector(s.weights);
        out.put(s.threshold);
        out.put(s.automatic_threshold);
        out.put(s.seed_level);
        out.put(s.grow_level);
        out.put(s.sample_pixels);
        out.put(s.sample_block_step);
      },
      [](ByteReader& in) {
        DetectionStatistics s;
        s.roles = in.get_vector<BandRole>();
        s.offsets = in.get_vector<float>();
        s.weights = in.get_vector<float>();
        s.threshold = in.get<double>();
        s.automatic_threshold = in.get<double>();
        s.seed_level = in.get<double>();
        s.grow_level = in.get<double>();
        s.sample_pixels = in.get<std::uint64_t>();
        s.sample_block_step = in.get<int>();
        return s;
      });
}

}  // namespace

std::vector<kernels::Window> change_statistics_sample(const AnalysisGrid& grid) {
  return sample_lattice(grid.width, grid.height, kMaxSampledPixels).windows;
}

DetectionStatistics estimate_change_statistics(SceneReader& before, SceneReader& after, const AnalysisGrid& grid,
                                               const FeatureSet& features, const DetectionOptions& options,
                                               const ProgressCallback& progress,
                                               const RadiometricCorrection* after_correction) {
  DetectionStatistics stats;
  stats.roles = features.roles;
  const std::size_t n_roles = features.roles.size();
  // Every step-th block in each direction: a deterministic lattice, independent of tiling.
  const SampleLattice lattice = sample_lattice(grid.width, grid.height, kMaxSampledPixels);
  stats.sample_block_step = lattice.block_step;
  const int pixel_stride = lattice.pixel_stride(kMaxStoredSamples);

  // Under mpirun the blocks are read and computed by all ranks and merged on rank 0, which
  // computes the statistics and hands them to the others.
  // Read bottom block row first: GDAL's cache evicts the least recently used blocks, so the
  // top rows, which the classification pass reads first, are the ones still decoded when it
  // starts (at 10980^2 the scan decodes 1042 blocks instead of 1057; 962 in all). Merged
  // back into lattice order below, so the statistics are the top-first statistics.
  std::vector<SampleBlock> blocks;
  const PairReads pairs(before, after);
  run_distributed_tiles(
      lattice.count(), default_tile_tokens(),
      [&](int index) { return pairs.start(lattice.windows[static_cast<std::size_t>(lattice.count() - 1 - index)]); },
      [&](RawTilePair& pair) {
        pairs.finish(pair);
        // Only the lattice's pixels (in grid coordinates, so independent of blocks) are
        // converted: a block holds pixel_stride^2 times more than the sample needs.
        const int x_first = lattice_start(pair.window.x0, pixel_stride);
        const int y_first = lattice_start(pair.window.y0, pixel_stride);
        const RawSceneTile sampled_before = subsample(pair.before, x_first, y_first, pixel_stride);
        const RawSceneTile sampled_after = subsample(pair.after, x_first, y_first, pixel_stride);
        pair.before = {};
        pair.after = {};
        const ReflectanceTile b = date_reflectance(sampled_before, before.scene(), features);
        const ReflectanceTile a = date_reflectance(sampled_after, after.scene(), features, after_correction);
        const int w = sampled_before.window.width, h = sampled_before.window.height;
        SampleBlock block;
        block.moments.resize(n_roles);
        block.lattice_pixels = static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h);
        std::vector<float> diff(n_roles);
        for (int y = 0; y < h; ++y) {
          for (int x = 0; x < w; ++x) {
            bool valid = true;
            for (std::size_t i = 0; i < n_roles && valid; ++i) {
              const BandRole r = features.roles[i];
              diff[i] = a[r](x, y) - b[r](x, y);
              valid = std::isfinite(diff[i]);
            }
            if (!valid) continue;
            for (std::size_t i = 0; i < n_roles; ++i) {
              block.moments[i].add(diff[i]);
              block.differences.push_back(diff[i]);
            }
          }
        }
        return block;
      },
      [&](SampleBlock&& block) {
        blocks.push_back(std::move(block));
        if (progress) progress(static_cast<double>(blocks.size()) / lattice.count(), "statistics");
      },
      encode_block, decode_block);
  if (!is_root_rank()) return share_statistics(stats);
  std::reverse(blocks.begin(), blocks.end());  // lattice order

  std::vector<kernels::MomentsAccumulator> moments(n_roles);
  for (const auto& block : blocks) {
    for (std::size_t i = 0; i < n_roles; ++i) moments[i].merge(block.moments[i]);
  }
  stats.sample_pixels = n_roles > 0 ? moments[0].count() : 0;
  if (stats.sample_pixels == 0) {
    throw InputError(before.scene().options.path + " / " + after.scene().options.path +
                     ": no pixel is valid in both scenes (all nodata, or masked everywhere)");
  }
  std::uint64_t lattice_pixels = 0;
  for (const auto& block : blocks) lattice_pixels += block.lattice_pixels;
  const double valid_share = static_cast<double>(stats.sample_pixels) / static_cast<double>(lattice_pixels);
  if (valid_share < kMinOverlapShare) {
    throw InputError(before.scene().options.path + " / " + after.scene().options.path + ": only " +
                     text::printf_string("%.2f", 100.0 * valid_share) +
                     " % of the analysis grid is valid in both scenes (at least " +
                     text::printf_string("%.0f", 100.0 * kMinOverlapShare) +
                     " % is needed to compare the dates): barely overlapping scenes, the wrong scene, or masked "
                     "almost everywhere");
  }
  for (std::size_t i = 0; i < n_roles; ++i) {
    double centre = moments[i].mean();
    double sigma = moments[i].stddev();
    if (options.zscore == ZScore::robust) {
      // Median and MAD of the stored samples. Order statistics of a multiset do not depend
      // on the order the blocks arrived in, so this is as tiling-independent as the moments.
      std::vector<float> values;
      values.reserve(static_cast<std::size_t>(stats.sample_pixels));
      for (const auto& block : blocks) {
        for (std::size_t p = i; p < block.differences.size(); p += n_roles) values.push_back(block.differences[p]);
      }
      const double median = kernels::median(values);
      for (float& v : values) v = static_cast<float>(std::abs(static_cast<double>(v) - median));
      const double robust_sigma = kMadToSigma * kernels::median(values);
      centre = median;
      // A band that is constant for more than half of the pixels has MAD 0: keep sigma then.
      if (robust_sigma > 1e-12) sigma = robust_sigma;
    }
    stats.offsets.push_back(static_cast<float>(centre));
    stats.weights.push_back(sigma > 1e-12 ? static_cast<float>(1.0 / sigma) : 0.0f);
  }

  // Magnitude histogram from the stored differences, block by block, merged in order.
  kernels::HistogramAccumulator histogram(0.0, 50.0, 5000);
  kernels::MomentsAccumulator magnitude_moments;
  for (const auto& block : blocks) {
    kernels::HistogramAccumulator partial(0.0, 50.0, 5000);
    kernels::MomentsAccumulator partial_moments;
    const std::size_t count = n_roles > 0 ? block.differences.size() / n_roles : 0;
    const std::span<const float> differences(block.differences);
    for (std::size_t p = 0; p < count; ++p) {
      const double magnitude = kernels::zscored_change_magnitude<double>(differences.subspan(p * n_roles, n_roles),
                                                                         stats.offsets, stats.weights);
      partial.add(static_cast<float>(magnitude));
      partial_moments.add(magnitude);
    }
    histogram.merge(partial);
    magnitude_moments.merge(partial_moments);
  }
  const auto& t = options.threshold;
  switch (t.method) {
    case kernels::ThresholdMethod::fixed: stats.automatic_threshold = t.value; break;
    case kernels::ThresholdMethod::otsu: stats.automatic_threshold = kernels::otsu_threshold(histogram); break;
    case kernels::ThresholdMethod::min_error:
      stats.automatic_threshold = kernels::min_error_threshold(histogram);
      break;
    case kernels::ThresholdMethod::k_sigma:
      stats.automatic_threshold = kernels::k_sigma_threshold(magnitude_moments, t.k);
      break;
  }
  // The floor: `min`, and `min_median_multiple` times the median magnitude (the typical
  // unchanged pixel; for n bands of pure noise it is about sqrt(n), so an absolute floor
  // alone means less the more bands there are).
  const double median_magnitude = histogram.quantile(0.5);
  const double floor =
      std::isfinite(median_magnitude) ? std::max(t.min, t.min_median_multiple * median_magnitude) : t.min;
  // Otsu gives NaN on a one-bin histogram (a scene with no change at all): use the floor.
  stats.threshold = t.method == kernels::ThresholdMethod::fixed ? t.value
                    : std::isnan(stats.automatic_threshold)     ? floor
                                                                : std::max(stats.automatic_threshold, floor);
  stats.seed_level = options.hysteresis ? stats.threshold * options.seed_multiple : stats.threshold;
  stats.grow_level = options.hysteresis ? stats.seed_level * options.grow_fraction : stats.threshold;
  // Growth never reaches below the noise floor (pixels there are indistinguishable from
  // unchanged ones) nor above the seeds. With the default seeds (2 x threshold, grown to
  // half of that) the floor does not bind, as the threshold is at or above it; it bounds the
  // growth of the pixel detector's seeds at the threshold itself (30 m, run_detection).
  if (options.hysteresis && t.method != kernels::ThresholdMethod::fixed) {
    stats.grow_level = std::min(stats.seed_level, std::max(stats.grow_level, floor));
  }
  return share_statistics(stats);
}

}  // namespace zw
