#pragma once
// Shared by the archive tests on real multi-date stacks (archive_*_test.cpp): data paths,
// independent computations from the input files, and readers of what zonewatch archived.
//
// The annual assessment on real multi-date stacks of ../shared/data, through the zonewatch
// binary, each number checked against a computation made here from the input files:
//
//  - CBERS-4 AWFI (timeseries/cbers4-awfi, 14 dates of 2018 with CMASK cloud masks): the
//    stack covers a single year, so three season windows of it are archived as three "years"
//    (median period composites labelled 2016, 2017, 2018; zonewatch warns that the dates do
//    not match the label, which is the point here). Per-unit NDVI and FVC means against
//    medians of the clear observations computed here; the assessment's classes against the
//    archived values and the documented HJ 192-2015 thresholds; the HDF5 file read back with
//    h5py (/usr/bin/python3).
//  - MODIS bfast (timeseries/modis-bfast, 275 16-day NDVI dates 2000-02-18 .. 2012-01-17,
//    dates in the band descriptions "X2000.02.18"): the yearly MAXIMUM NDVI per pixel over the
//    complete years 2001-2011, then Theil-Sen and Mann-Kendall (kernels/trend) against scipy
//    at test run time, and the same series trended by `zonewatch assess`. `zonewatch archive`
//    cannot ingest a single-band NDVI raster (it needs green, red and nir for the land
//    classes), so that archive is written through the archive API.
//  - OSCD Beihai (oscd/beihai, Sentinel-2 L1C 2016-12-09 and 2018-03-09): two years, two
//    units, assessed; the archive describes itself (grid, CF attributes, calibration, year
//    provenance) and the wetness component is the documented Sentinel-2 stand-in (the OLI
//    coefficients of Baig et al. 2014), recomputed here from the bands.
//  - Landsat 7 ETM+ 2001 and Landsat 8 OLI 2013 (landsat-l1-germany): the RSEI heat component
//    is the at-sensor brightness temperature from the thermal band with the MTL's radiance
//    rescaling and K1/K2, normalized by the reference year's range in both years.
// Each test skips with a message where its data is absent; comparisons with scipy/h5py skip
// where /usr/bin/python3 lacks them.
#include <gdal_utils.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "cbers_season.hpp"
#include "e2e_support.hpp"
#include "zonewatch/kernels/trend.hpp"
#include "zonewatch/pipeline/archive/archive_file.hpp"

namespace zw::e2e::series {

inline const fs::path kData = ZONEWATCH_SHARED_DATA;
inline const fs::path kModis = kData / "timeseries" / "modis-bfast" / "modisraster.tif";
inline const fs::path kBeihai = kData / "oscd" / "beihai";
inline const std::string kPython = "/usr/bin/python3";

// ---------------------------------------------------------------------------------------
// Helpers

/// A double as text that reads back to the same value.
inline std::string text_of(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

inline bool python_has(const std::string& modules) {
  return std::system(("'" + kPython + "' -c 'import " + modules + "' >/dev/null 2>&1").c_str()) == 0;
}

/// Runs a Python script (written to `scratch`) with `args`; its stdout parsed as JSON.
inline nlohmann::json run_python(const fs::path& scratch, const std::string& name, const std::string& script,
                                 const std::vector<std::string>& args) {
  const fs::path path = scratch / (name + ".py"), out = scratch / (name + ".json"), err = scratch / (name + ".err");
  write_bytes(path, script);
  std::string command = "'" + kPython + "' '" + path.string() + "'";
  for (const std::string& a : args) command += " '" + a + "'";
  command += " > '" + out.string() + "' 2> '" + err.string() + "'";
  if (std::system(command.c_str()) != 0) {
    ADD_FAILURE() << name << ".py failed:\n" << read_bytes(err);
    return nlohmann::json::object();
  }
  return nlohmann::json::parse(read_bytes(out));
}

/// Every group and dataset of an HDF5 file with its attributes (and 1-D datasets' values),
/// read by h5py: what a user without zonewatch sees. NaN becomes null.
const char* const kH5Dump = R"PY(
import json, math, sys
import h5py, numpy as np

def plain(v):
    if isinstance(v, bytes):
        return v.decode('utf-8')
    if isinstance(v, np.ndarray):
        return [plain(x) for x in v.tolist()] if v.dtype.kind not in 'OS' else [plain(x) for x in v]
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v

out = {}
def visit(name, obj):
    entry = {'attrs': {k: plain(obj.attrs[k]) for k in obj.attrs}}
    if isinstance(obj, h5py.Dataset):
        entry.update(dtype=str(obj.dtype), shape=list(obj.shape), chunks=list(obj.chunks) if obj.chunks else None,
                     compression=obj.compression, shuffle=bool(obj.shuffle))
        if obj.ndim == 1:
            entry['values'] = plain(obj[()])
    out['/' + name] = entry
with h5py.File(sys.argv[1], 'r') as f:
    out['/'] = {'attrs': {k: plain(f.attrs[k]) for k in f.attrs}}
    f.visititems(visit)
print(json.dumps(out))
)PY";

/// The GDAL geotransform and CRS of a raster file.
struct GridOf {
  std::array<double, 6> gt{};
  int width = 0, height = 0;
  OGRSpatialReference srs;
};

inline GridOf grid_of(const fs::path& raster) {
  GridOf g;
  Dataset ds = open_dataset(raster, GDAL_OF_RASTER | GDAL_OF_READONLY);
  if (!ds) {
    ADD_FAILURE() << raster << ": cannot be opened";
    return g;
  }
  ds->GetGeoTransform(g.gt.data());
  g.width = ds->GetRasterXSize();
  g.height = ds->GetRasterYSize();
  g.srs = *ds->GetSpatialRef();
  return g;
}

/// A unit drawn in pixel coordinates of `g` (columns c0..c1, rows r0..r1, fractions allowed).
struct PixelUnit {
  std::string code, name, type, region;
  double c0, r0, c1, r1;
};

inline void write_pixel_units(const fs::path& gpkg, const GridOf& g, const std::vector<PixelUnit>& units) {
  std::vector<RectUnit> rects;
  for (const PixelUnit& u : units) {
    const double xa = g.gt[0] + u.c0 * g.gt[1], xb = g.gt[0] + u.c1 * g.gt[1];
    const double ya = g.gt[3] + u.r0 * g.gt[5], yb = g.gt[3] + u.r1 * g.gt[5];
    rects.push_back(
        {u.code, u.name, u.type, u.region, {std::min(xa, xb), std::min(ya, yb), std::max(xa, xb), std::max(ya, yb)}});
  }
  write_rect_units(gpkg, g.srs, rects);
}

/// The share of pixel (col, row) a unit covers (exact for an axis-aligned rectangle).
inline double coverage(const PixelUnit& u, int col, int row) {
  const double wx = std::min(u.c1, col + 1.0) - std::max(u.c0, double(col));
  const double wy = std::min(u.r1, row + 1.0) - std::max(u.r0, double(row));
  return wx > 0 && wy > 0 ? wx * wy : 0.0;
}

/// Coverage-weighted mean of `values` (NaN skipped) over a unit; equal-area pixels.
inline double unit_mean(const PixelUnit& u, const std::vector<double>& values, int width, int height) {
  double sum = 0.0, weight = 0.0;
  for (int row = 0; row < height; ++row) {
    for (int col = 0; col < width; ++col) {
      const double v = values[static_cast<std::size_t>(row) * width + col], w = coverage(u, col, row);
      if (w > 0 && !std::isnan(v)) {
        sum += w * v;
        weight += w;
      }
    }
  }
  return weight > 0 ? sum / weight : std::nan("");
}

/// HJ 192-2015 as docs/CONFIG.md states it: |Δ| <= stable_max stable, <= slight_max slight,
/// beyond significant; bounds belong to the milder class.
inline std::string expected_class(double points, double stable_max = 1.0, double slight_max = 3.0) {
  if (std::isnan(points)) return "not_assessed";
  const double a = std::abs(points);
  if (a <= stable_max) return "stable";
  if (a <= slight_max) return points > 0 ? "slightly_better" : "slightly_worse";
  return points > 0 ? "significantly_better" : "significantly_worse";
}

/// Value at quantile q (nearest rank) of the non-NaN values.
inline double quantile(std::vector<double> values, double q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }), values.end());
  std::sort(values.begin(), values.end());
  if (values.empty()) return std::nan("");
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

inline std::vector<double> archived_raster(const fs::path& archive, int year, const std::string& name, int w, int h) {
  const kernels::Tile<float> tile = read_raster_window(archive, year, name, {0, 0, w, h});
  return {tile.values().begin(), tile.values().end()};
}

inline RunResult assess(const fs::path& archive, int year, const fs::path& out, const fs::path& scratch,
                        const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"assess", "--archive",  archive.string(), "--year", std::to_string(year),
                                "--out",  out.string(), "--no-progress"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_zonewatch(args, scratch);
}

/// The assessment's units by code (assessment.json).
inline std::map<std::string, nlohmann::json> assessed_units(const fs::path& out) {
  std::map<std::string, nlohmann::json> units;
  const nlohmann::json assessment = read_json(out / "assessment.json");
  for (const auto& u : assessment.at("units")) units[u.at("unit_code").get<std::string>()] = u;
  return units;
}

inline double number(const nlohmann::json& value) { return value.is_null() ? std::nan("") : value.get<double>(); }

/// Expects each unit's classes and Δ points in `out` to follow from the archived values.
inline void expect_classes_follow(const ArchiveContents& archive, const fs::path& out, int year, int previous,
                                  int baseline, const std::string& indicator, double stable_max = 1.0,
                                  double slight_max = 3.0) {
  const auto units = assessed_units(out);
  ASSERT_EQ(units.size(), archive.units.size());
  const auto value = [&](int y, std::size_t u) {
    const UnitYearIndicators& row = archive.indicators.at(y).at(u);
    return indicator == "rsei" ? row.rsei_mean : row.fvc_mean;
  };
  for (std::size_t u = 0; u < archive.units.size(); ++u) {
    const std::string& code = archive.units[u].code;
    SCOPED_TRACE(code + " " + indicator);
    const nlohmann::json& a = units.at(code);
    const double vs_previous = (value(year, u) - value(previous, u)) * 100.0;
    const double vs_baseline = (value(year, u) - value(baseline, u)) * 100.0;
    EXPECT_NEAR(number(a.at(indicator + "_change_vs_previous_points")), vs_previous, 1e-9);
    EXPECT_NEAR(number(a.at(indicator + "_change_vs_baseline_points")), vs_baseline, 1e-9);
    EXPECT_EQ(a.at("class_vs_previous"), expected_class(vs_previous, stable_max, slight_max)) << vs_previous;
    EXPECT_EQ(a.at("class_vs_baseline"), expected_class(vs_baseline, stable_max, slight_max)) << vs_baseline;
  }
}

}  // namespace zw::e2e::series
