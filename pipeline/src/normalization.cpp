#include "zonewatch/pipeline/normalization.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include "zonewatch/kernels/irmad.hpp"

namespace zw {
using kernels::BandRole;
using kernels::Tile;
using kernels::Window;

void RadiometricCorrection::apply(BandRole role, kernels::TileView<float> values) const {
  if (!applied) return;
  const auto it = std::find(roles.begin(), roles.end(), role);
  if (it == roles.end()) return;
  const auto i = static_cast<std::size_t>(it - roles.begin());
  const float g = gain[i], o = offset[i];
  if (g == 1.0f && o == 0.0f) return;
  for (int y = 0; y < values.height; ++y) {
    float* row = values.row(y);
    for (int x = 0; x < values.width; ++x) row[x] = g * row[x] + o;  // NaN stays NaN
  }
}

nlohmann::json RadiometricCorrection::to_json() const {
  nlohmann::json bands = nlohmann::json::array();
  for (std::size_t i = 0; i < roles.size(); ++i) {
    bands.push_back({{"band", std::string(kernels::to_string(roles[i]))},
                     {"gain", gain[i]},
                     {"offset", offset[i]},
                     {"fit_slope", std::isfinite(slope[i]) ? nlohmann::json(slope[i]) : nlohmann::json(nullptr)},
                     {"fit_intercept", std::isfinite(intercept[i]) ? nlohmann::json(intercept[i]) : nlohmann::json(nullptr)}});
  }
  return {{"method", "irmad"},
          {"applied", applied},
          {"note", note},
          {"samples", samples},
          {"invariant_pixels", invariant_pixels},
          {"iterations", iterations},
          {"converged", converged},
          {"canonical_correlations", canonical_correlations},
          {"bands", bands}};
}

namespace {

constexpr int kSampleBlock = 512;            // detection's statistics lattice
constexpr double kMaxSampledPixels = 24e6;   // blocks read
constexpr double kMaxSamples = 250e3;        // pixel pairs kept for IR-MAD
constexpr double kMinSlope = 0.2, kMaxSlope = 5.0;  // a plausible after/before gain

struct SampleBlock {
  Window window;
  RawSceneTile before, after;
  std::vector<float> before_values, after_values;  // valid pixels, roles interleaved
};

}  // namespace

RadiometricCorrection fit_radiometric_correction(SceneReader& before, SceneReader& after, const AnalysisGrid& grid,
                                                 const std::vector<BandRole>& roles, const ProgressCallback& progress) {
  auto log = logger("normalize");
  RadiometricCorrection correction;
  correction.roles = roles;
  const std::size_t p = roles.size();
  correction.gain.assign(p, 1.0f);
  correction.offset.assign(p, 0.0f);
  correction.slope.assign(p, std::nan(""));
  correction.intercept.assign(p, std::nan(""));
  if (p == 0) {
    correction.note = "no band common to both scenes";
    return correction;
  }

  // The statistics lattice: every step-th 512-px block, and a pixel lattice in grid
  // coordinates inside them, so the sample does not depend on tiling.
  const int blocks_x = (grid.width + kSampleBlock - 1) / kSampleBlock;
  const int blocks_y = (grid.height + kSampleBlock - 1) / kSampleBlock;
  const double total_pixels = static_cast<double>(grid.width) * grid.height;
  const int step = std::max(1, static_cast<int>(std::ceil(std::sqrt(total_pixels / kMaxSampledPixels))));
  std::vector<Window> windows;
  double sampled_pixels = 0.0;
  for (int by = 0; by < blocks_y; by += step) {
    for (int bx = 0; bx < blocks_x; bx += step) {
      const int x0 = bx * kSampleBlock, y0 = by * kSampleBlock;
      windows.push_back({x0, y0, std::min(kSampleBlock, grid.width - x0), std::min(kSampleBlock, grid.height - y0)});
      sampled_pixels += static_cast<double>(windows.back().pixel_count());
    }
  }
  const int stride = std::max(1, static_cast<int>(std::ceil(std::sqrt(sampled_pixels / kMaxSamples))));

  std::vector<float> xs, ys;
  std::size_t next = 0, done = 0;
  tbb::parallel_pipeline(
      static_cast<std::size_t>(2 * tbb::this_task_arena::max_concurrency()),
      tbb::make_filter<void, std::shared_ptr<SampleBlock>>(
          tbb::filter_mode::serial_in_order,
          [&](tbb::flow_control& fc) -> std::shared_ptr<SampleBlock> {
            if (next >= windows.size()) {
              fc.stop();
              return nullptr;
            }
            auto block = std::make_shared<SampleBlock>();
            block->window = windows[next++];
            before.read(block->window, block->before);
            after.read(block->window, block->after);
            return block;
          }) &
          tbb::make_filter<std::shared_ptr<SampleBlock>, std::shared_ptr<SampleBlock>>(
              tbb::filter_mode::parallel,
              [&](std::shared_ptr<SampleBlock> block) {
                const Window& w = block->window;
                std::vector<Tile<float>> b, a;
                for (BandRole role : roles) {
                  const int r = static_cast<int>(role);
                  b.emplace_back(w.width, w.height);
                  a.emplace_back(w.width, w.height);
                  raw_to_reflectance(block->before.bands[r], before.scene().profile, block->before.valid, b.back().view());
                  raw_to_reflectance(block->after.bands[r], after.scene().profile, block->after.valid, a.back().view());
                }
                block->before = {};
                block->after = {};
                const int y_start = (stride - w.y0 % stride) % stride;
                const int x_start = (stride - w.x0 % stride) % stride;
                for (int y = y_start; y < w.height; y += stride) {
                  for (int x = x_start; x < w.width; x += stride) {
                    bool valid = true;
                    for (std::size_t i = 0; i < p && valid; ++i) valid = std::isfinite(b[i](x, y)) && std::isfinite(a[i](x, y));
                    if (!valid) continue;
                    for (std::size_t i = 0; i < p; ++i) {
                      block->before_values.push_back(b[i](x, y));
                      block->after_values.push_back(a[i](x, y));
                    }
                  }
                }
                return block;
              }) &
          tbb::make_filter<std::shared_ptr<SampleBlock>, void>(
              tbb::filter_mode::serial_in_order, [&](std::shared_ptr<SampleBlock> block) {
                xs.insert(xs.end(), block->before_values.begin(), block->before_values.end());
                ys.insert(ys.end(), block->after_values.begin(), block->after_values.end());
                ++done;
                if (progress) progress(0.05 * static_cast<double>(done) / static_cast<double>(windows.size()), "radiometric normalization");
              }));
  correction.samples = xs.size() / p;

  const std::uint64_t min_samples = std::max<std::uint64_t>(200, 20 * p);
  if (correction.samples < min_samples) {
    correction.note = "only " + std::to_string(correction.samples) + " pixels valid in both scenes (need " +
                      std::to_string(min_samples) + ")";
    log->warn("radiometric normalization not applied: {}", correction.note);
    return correction;
  }
  kernels::RadiometricFit fit;
  try {
    fit = kernels::fit_radiometric_normalization(xs, ys, static_cast<int>(p));
  } catch (const std::invalid_argument& e) {
    correction.note = e.what();
    log->warn("radiometric normalization not applied: {}", correction.note);
    return correction;
  }
  correction.iterations = fit.irmad.iterations;
  correction.converged = fit.irmad.converged;
  correction.canonical_correlations = fit.irmad.canonical_correlations;
  correction.invariant_pixels = fit.invariant_pixels;
  const std::uint64_t min_invariant = std::max<std::uint64_t>(50, 10 * p);
  if (correction.invariant_pixels < min_invariant) {
    correction.note = "only " + std::to_string(correction.invariant_pixels) + " pseudo-invariant pixels (need " +
                      std::to_string(min_invariant) + ")";
    log->warn("radiometric normalization not applied: {}", correction.note);
    return correction;
  }
  std::string left_alone;
  for (std::size_t i = 0; i < p; ++i) {
    const auto& band = fit.bands[i];
    correction.slope[i] = band.fit.slope;
    correction.intercept[i] = band.fit.intercept;
    if (std::isfinite(band.fit.slope) && band.fit.slope >= kMinSlope && band.fit.slope <= kMaxSlope) {
      correction.gain[i] = static_cast<float>(band.gain);
      correction.offset[i] = static_cast<float>(band.offset);
    } else {
      left_alone += std::string(left_alone.empty() ? "" : ", ") + std::string(kernels::to_string(roles[i]));
    }
  }
  correction.applied = true;
  if (!left_alone.empty()) correction.note = "implausible gain, left alone: " + left_alone;
  log->info("IR-MAD: {} iterations{}, {} of {} sampled pixels pseudo-invariant", correction.iterations,
            correction.converged ? "" : " (not converged)", correction.invariant_pixels, correction.samples);
  for (std::size_t i = 0; i < p; ++i) {
    log->info("  {}: after = {:.4f} + {:.4f} x before -> after' = {:.4f} x after {:+.4f}", kernels::to_string(roles[i]),
              correction.intercept[i], correction.slope[i], correction.gain[i], correction.offset[i]);
  }
  if (!left_alone.empty()) log->warn("radiometric normalization: {}", correction.note);
  return correction;
}

}  // namespace zw
