#include "zonewatch/pipeline/stages/normalization.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "zonewatch/kernels/irmad.hpp"
#include "zonewatch/pipeline/grid/sampling.hpp"
#include "zonewatch/pipeline/grid/tile_engine.hpp"

namespace zw {
using kernels::BandRole;
using kernels::Window;

void RadiometricCorrection::apply(BandRole role, kernels::TileView<float> values) const {
  if (!applied) return;
  const auto it = std::find(roles.begin(), roles.end(), role);
  if (it == roles.end()) return;
  const auto i = static_cast<std::size_t>(it - roles.begin());
  const float g = gain[i], o = offset[i];
  if (g == 1.0f && o == 0.0f) return;
  kernels::apply_gain_offset(values, g, o);
}

void RadiometricCorrection::apply(ReflectanceTile& tile) const {
  if (!applied) return;
  for (int r = 0; r < kernels::kBandRoleCount; ++r) {
    const auto role = static_cast<BandRole>(r);
    if (tile.has(role)) apply(role, tile[role].view());
  }
}

nlohmann::json RadiometricCorrection::to_json() const {
  nlohmann::json bands = nlohmann::json::array();
  for (std::size_t i = 0; i < roles.size(); ++i) {
    bands.push_back(
        {{"band", std::string(kernels::to_string(roles[i]))},
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

constexpr double kMaxSampledPixels = 24e6;          // blocks read
constexpr double kMaxSamples = 250e3;               // pixel pairs kept for IR-MAD
constexpr double kMinSlope = 0.2, kMaxSlope = 5.0;  // a plausible after/before gain

/// What one block contributes: valid pixel pairs, roles interleaved.
struct PixelPairs {
  std::vector<float> before, after;
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

  // Detection's statistics lattice, so the sample does not depend on tiling.
  const SampleLattice lattice = sample_lattice(grid.width, grid.height, kMaxSampledPixels);
  const int stride = lattice.pixel_stride(kMaxSamples);

  std::vector<float> xs, ys;
  int done = 0;
  const PairReads reads(before, after);
  run_tiles(
      lattice.count(), default_tile_tokens(),
      [&](int index) { return reads.start(lattice.windows[static_cast<std::size_t>(index)]); },
      [&](RawTilePair& pair) {
        reads.finish(pair);
        const Window w = pair.window;  // a copy: `pair = {}` below frees the pixels
        const ReflectanceTile b = to_reflectance_tile(pair.before, before.scene().profile, roles);
        const ReflectanceTile a = to_reflectance_tile(pair.after, after.scene().profile, roles);
        pair = {};
        PixelPairs pairs;
        for (int y = lattice_start(w.y0, stride); y < w.height; y += stride) {
          for (int x = lattice_start(w.x0, stride); x < w.width; x += stride) {
            bool valid = true;
            for (std::size_t i = 0; i < p && valid; ++i) {
              valid = std::isfinite(b[roles[i]](x, y)) && std::isfinite(a[roles[i]](x, y));
            }
            if (!valid) continue;
            for (std::size_t i = 0; i < p; ++i) {
              pairs.before.push_back(b[roles[i]](x, y));
              pairs.after.push_back(a[roles[i]](x, y));
            }
          }
        }
        return pairs;
      },
      [&](PixelPairs&& pairs) {
        xs.insert(xs.end(), pairs.before.begin(), pairs.before.end());
        ys.insert(ys.end(), pairs.after.begin(), pairs.after.end());
        ++done;
        if (progress) progress(static_cast<double>(done) / lattice.count(), "radiometric normalization");
      });
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
