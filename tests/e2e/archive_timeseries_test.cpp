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

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const fs::path kData = ZONEWATCH_SHARED_DATA;
const fs::path kModis = kData / "timeseries" / "modis-bfast" / "modisraster.tif";
const fs::path kBeihai = kData / "oscd" / "beihai";
const std::string kPython = "/usr/bin/python3";

// ---------------------------------------------------------------------------------------
// Helpers

/// A double as text that reads back to the same value.
std::string text_of(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

bool python_has(const std::string& modules) {
  return std::system(("'" + kPython + "' -c 'import " + modules + "' >/dev/null 2>&1").c_str()) == 0;
}

/// Runs a Python script (written to `scratch`) with `args`; its stdout parsed as JSON.
nlohmann::json run_python(const fs::path& scratch, const std::string& name, const std::string& script,
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

GridOf grid_of(const fs::path& raster) {
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

void write_pixel_units(const fs::path& gpkg, const GridOf& g, const std::vector<PixelUnit>& units) {
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
double coverage(const PixelUnit& u, int col, int row) {
  const double wx = std::min(u.c1, col + 1.0) - std::max(u.c0, double(col));
  const double wy = std::min(u.r1, row + 1.0) - std::max(u.r0, double(row));
  return wx > 0 && wy > 0 ? wx * wy : 0.0;
}

/// Coverage-weighted mean of `values` (NaN skipped) over a unit; equal-area pixels.
double unit_mean(const PixelUnit& u, const std::vector<double>& values, int width, int height) {
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
std::string expected_class(double points, double stable_max = 1.0, double slight_max = 3.0) {
  if (std::isnan(points)) return "not_assessed";
  const double a = std::abs(points);
  if (a <= stable_max) return "stable";
  if (a <= slight_max) return points > 0 ? "slightly_better" : "slightly_worse";
  return points > 0 ? "significantly_better" : "significantly_worse";
}

/// Value at quantile q (nearest rank) of the non-NaN values.
double quantile(std::vector<double> values, double q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }), values.end());
  std::sort(values.begin(), values.end());
  if (values.empty()) return std::nan("");
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::vector<double> archived_raster(const fs::path& archive, int year, const std::string& name, int w, int h) {
  const kernels::Tile<float> tile = read_raster_window(archive, year, name, {0, 0, w, h});
  return {tile.values().begin(), tile.values().end()};
}

RunResult assess(const fs::path& archive, int year, const fs::path& out, const fs::path& scratch,
                 const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"assess", "--archive",  archive.string(), "--year", std::to_string(year),
                                "--out",  out.string(), "--no-progress"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_zonewatch(args, scratch);
}

/// The assessment's units by code (assessment.json).
std::map<std::string, nlohmann::json> assessed_units(const fs::path& out) {
  std::map<std::string, nlohmann::json> units;
  const nlohmann::json assessment = read_json(out / "assessment.json");
  for (const auto& u : assessment.at("units")) units[u.at("unit_code").get<std::string>()] = u;
  return units;
}

double number(const nlohmann::json& value) { return value.is_null() ? std::nan("") : value.get<double>(); }

/// Expects each unit's classes and Δ points in `out` to follow from the archived values.
void expect_classes_follow(const ArchiveContents& archive, const fs::path& out, int year, int previous, int baseline,
                           const std::string& indicator, double stable_max = 1.0, double slight_max = 3.0) {
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

// ---------------------------------------------------------------------------------------
// 1. CBERS-4 AWFI: three season composites of 2018 archived as three years

struct Season {
  int label;                       // the "year" it is archived as
  std::string period;              // FIRST..LAST
  std::vector<std::string> dates;  // the stack's dates inside it
};

const std::vector<Season> kSeasons{
    {2016, "2018-02-01..2018-03-31", {"2018-02-02", "2018-02-18", "2018-03-06", "2018-03-22"}},
    {2017, "2018-04-01..2018-05-31", {"2018-04-07", "2018-04-23", "2018-05-09", "2018-05-25"}},
    {2018,
     "2018-06-01..2018-08-31",
     {"2018-06-10", "2018-06-26", "2018-07-12", "2018-07-28", "2018-08-13", "2018-08-29"}},
};

// Aligned quadrants, one unit over them all with half and quarter pixels at its edges.
const std::vector<PixelUnit> kCbersUnits{
    {"CB-NW", "西北", "priority", "north", 0, 0, 25, 25},
    {"CB-NE", "东北", "key", "north", 25, 0, 50, 25},
    {"CB-S", "南部", "general", "south", 3.5, 25.5, 46.25, 49.75},
    {"CB-C", "中部", "priority", "south", 12.5, 12.5, 37.5, 37.5},
};

/// NDVI per pixel of a season's median composite of the clear observations (CMASK 0 clear
/// land, 1 clear water, 127 clear in the later collection), in the composite's arithmetic:
/// reflectance float(DN) x 1e-4f, the median of an even count the float mean of the middle
/// two, stored as round(reflectance x 10000) in Int16, NDVI in float from the stored values.
/// (With four or six dates half the medians fall between two DNs, and float decides which
/// way they round: computing in double would differ by one DN there.)
std::vector<double> season_ndvi(const Season& season) {
  std::vector<Raster> red, nir, mask;
  for (const auto& date : season.dates) {
    red.push_back(read_raster(cbers_file("B15", date)));
    nir.push_back(read_raster(cbers_file("B16", date)));
    mask.push_back(read_raster(cbers_file("CMASK", date)));
  }
  constexpr float kScale = 1e-4f;
  const auto stored_median = [&](std::vector<float> v) {
    if (v.empty()) return std::nanf("");
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    const float median = v.size() % 2 == 1 ? v[m] : 0.5f * (v[m - 1] + v[m]);
    return static_cast<float>(std::round(static_cast<double>(median) * 10000.0)) * kScale;
  };
  std::vector<double> ndvi(red.front().values.size());
  for (std::size_t i = 0; i < ndvi.size(); ++i) {
    std::vector<float> r, n;
    for (std::size_t d = 0; d < red.size(); ++d) {
      const double m = mask[d].values[i];
      const bool clear = m == 0 || m == 1 || m == 127;
      if (clear && red[d].values[i] != -9999 && nir[d].values[i] != -9999) {
        r.push_back(static_cast<float>(red[d].values[i]) * kScale);
        n.push_back(static_cast<float>(nir[d].values[i]) * kScale);
      }
    }
    const float a = stored_median(r), b = stored_median(n);
    ndvi[i] = (b - a) / (b + a);
  }
  return ndvi;
}

class CbersSeasonArchiveTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!cbers_present()) GTEST_SKIP() << kCbers << " is absent: the CBERS-4 AWFI time series is needed";
    TempFolderTest::SetUp();
  }
};

TEST_F(CbersSeasonArchiveTest, SeasonsArchivedAsYearsMatchTheBandsAndClassesFollowTheThresholds) {
  const GridOf scene = grid_of(cbers_file("B13", "2018-02-02"));
  ASSERT_EQ(scene.width, 50);
  write_pixel_units(root_ / "units.gpkg", scene, kCbersUnits);
  const fs::path archive = root_ / "cbers.h5";
  for (const Season& season : kSeasons) {
    std::vector<std::string> args{
        "archive",  "--archive",   archive.string(), "--year",        std::to_string(season.label),
        "--period", season.period, "--source",       kCbers.string(), "--no-progress"};
    if (season.label == kSeasons.front().label) {  // later years take the archive's own units
      for (const std::string& a :
           std::vector<std::string>{"--units", (root_ / "units.gpkg").string(), "--programme", "CBERS-4 AWFI 2018"}) {
        args.push_back(a);
      }
    }
    const RunResult run = run_zonewatch(args, root_);
    ASSERT_EQ(run.exit_code, 0) << run;
    EXPECT_NE(run.out.find(std::to_string(season.dates.size()) + " scenes"), std::string::npos) << run;
  }
  const ArchiveContents contents = read_archive(archive);
  ASSERT_EQ(archived_years(archive), (std::vector<int>{2016, 2017, 2018}));
  ASSERT_EQ(contents.units.size(), kCbersUnits.size());
  // The archive's grid is the scene's own: no resampling between the bands and the rasters.
  EXPECT_EQ(contents.grid.width, 50);
  EXPECT_EQ(contents.grid.height, 50);
  for (int i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(contents.grid.geotransform[i], scene.gt[i]) << i;
  // Four bands, no SWIR and no thermal: RSEI from greenness alone.
  const kernels::RseiModel& model = contents.calibration.model;
  EXPECT_EQ(contents.calibration.reference_year, 2016);
  EXPECT_TRUE(model.present[0]);
  EXPECT_FALSE(model.present[1] || model.present[2] || model.present[3]);
  const double soil = contents.calibration.soil_ndvi, vegetation = contents.calibration.vegetation_ndvi;

  // 64 m nominal: 63.997 x 64.002 m in the files' Albers equal-area CRS.
  const double pixel_area = std::abs(scene.gt[1] * scene.gt[5]);
  for (const Season& season : kSeasons) {
    SCOPED_TRACE(season.period);
    const std::vector<double> ndvi = season_ndvi(season);
    // Pixel by pixel: the archived NDVI is the composite's, to its int16 x 1e-4 storage.
    const std::vector<double> stored = archived_raster(archive, season.label, "ndvi", 50, 50);
    for (std::size_t i = 0; i < ndvi.size(); ++i) ASSERT_NEAR(stored[i], ndvi[i], 5.01e-5) << "pixel " << i;
    std::vector<double> fvc(ndvi.size());
    for (std::size_t i = 0; i < ndvi.size(); ++i) fvc[i] = std::clamp((ndvi[i] - soil) / (vegetation - soil), 0.0, 1.0);

    if (season.label == 2016) {
      // FVC endmembers: the 5 % and 95 % NDVI of the reference year's land (not water, not
      // no data), to the histogram's 0.001 bins.
      const std::vector<double> land = archived_raster(archive, 2016, "land_class", 50, 50);
      std::vector<double> land_ndvi;
      for (std::size_t i = 0; i < ndvi.size(); ++i) {
        if (!std::isnan(land[i]) && land[i] != 1.0) land_ndvi.push_back(ndvi[i]);
      }
      ASSERT_GT(land_ndvi.size(), 2000u);
      EXPECT_NEAR(soil, quantile(land_ndvi, 0.05), 0.003);
      EXPECT_NEAR(vegetation, quantile(land_ndvi, 0.95), 0.003);
    }
    const auto& rows = contents.indicators.at(season.label);
    for (std::size_t u = 0; u < kCbersUnits.size(); ++u) {
      const PixelUnit& unit = kCbersUnits[u];
      SCOPED_TRACE(unit.code);
      ASSERT_EQ(rows[u].unit_code, unit.code);
      const double area = (unit.c1 - unit.c0) * (unit.r1 - unit.r0) * pixel_area;
      EXPECT_NEAR(rows[u].area_m2, area, 1e-8 * area);
      EXPECT_NEAR(rows[u].valid_area_m2, area, 1e-8 * area) << "clear everywhere after compositing";
      // Sums of float pixel values quantized to 2^-16: equal to ~1e-6.
      EXPECT_NEAR(rows[u].ndvi_mean, unit_mean(unit, ndvi, 50, 50), 2e-6);
      EXPECT_NEAR(rows[u].fvc_mean, unit_mean(unit, fvc, 50, 50), 2e-6);
    }
  }
  // Wet season (Feb-Mar) to dry season (Jun-Aug): the cerrado browns.
  for (std::size_t u = 0; u < kCbersUnits.size(); ++u) {
    EXPECT_LT(contents.indicators.at(2018)[u].ndvi_mean, contents.indicators.at(2016)[u].ndvi_mean - 0.1);
  }

  // The last "year" assessed against the first (RSEI, classes against the previous year by
  // default), then by FVC against the baseline.
  const RunResult rsei_run = assess(archive, 2018, root_ / "rsei", root_, {"--baseline", "2016"});
  ASSERT_EQ(rsei_run.exit_code, 0) << rsei_run;
  expect_classes_follow(contents, root_ / "rsei", 2018, 2017, 2016, "rsei");
  const auto rsei_units = assessed_units(root_ / "rsei");
  for (std::size_t u = 0; u < kCbersUnits.size(); ++u) {
    const std::string& code = kCbersUnits[u].code;
    EXPECT_EQ(rsei_units.at(code).at("class"), rsei_units.at(code).at("class_vs_previous")) << code;
    // Three years: the trend is the median of the three pairwise slopes, and Mann-Kendall's
    // S is +-1 or +-3 with variance 3*2*11/18.
    std::array<double, 3> y{};
    for (int i = 0; i < 3; ++i) y[i] = contents.indicators.at(2016 + i)[u].rsei_mean;
    std::array<double, 3> slopes{y[1] - y[0], y[2] - y[1], (y[2] - y[0]) / 2.0};
    std::sort(slopes.begin(), slopes.end());
    EXPECT_NEAR(number(rsei_units.at(code).at("trend_slope_points_per_year")), slopes[1] * 100.0, 1e-9) << code;
    const auto sign = [](double d) { return double((d > 0) - (d < 0)); };
    const double s = sign(y[1] - y[0]) + sign(y[2] - y[0]) + sign(y[2] - y[1]);
    const double z = s == 0 ? 0.0 : (s - sign(s)) / std::sqrt(3.0 * 2.0 * 11.0 / 18.0);
    EXPECT_NEAR(number(rsei_units.at(code).at("trend_p_value")), std::erfc(std::abs(z) / std::sqrt(2.0)), 1e-12)
        << code;
  }
  write_bytes(root_ / "fvc.yaml", "indicator: fvc\nclasses:\n  against: baseline\n");
  const RunResult fvc_run = assess(archive, 2018, root_ / "fvc", root_, {"--config", (root_ / "fvc.yaml").string()});
  ASSERT_EQ(fvc_run.exit_code, 0) << fvc_run;
  expect_classes_follow(contents, root_ / "fvc", 2018, 2017, 2016, "fvc");
  for (const auto& [code, unit] : assessed_units(root_ / "fvc")) {
    EXPECT_EQ(unit.at("class"), unit.at("class_vs_baseline")) << code;
    EXPECT_EQ(unit.at("class"), "significantly_worse") << code << ": wet to dry season";
  }

  // Wet to dry season is a marked decline everywhere by the HJ 192-2015 thresholds; wider
  // classes (a config's) spread the same changes over all three grades of decline.
  write_bytes(root_ / "wide.yaml", "classes:\n  stable_max: 15\n  slight_max: 45\n");
  const RunResult wide_run = assess(archive, 2018, root_ / "wide", root_, {"--config", (root_ / "wide.yaml").string()});
  ASSERT_EQ(wide_run.exit_code, 0) << wide_run;
  expect_classes_follow(contents, root_ / "wide", 2018, 2017, 2016, "rsei", 15.0, 45.0);
  std::set<std::string> wide_classes;
  for (const auto& [code, unit] : assessed_units(root_ / "wide")) wide_classes.insert(unit.at("class"));
  EXPECT_EQ(wide_classes, (std::set<std::string>{"stable", "slightly_worse", "significantly_worse"}));

  // The file read back by h5py.
  if (!python_has("h5py, numpy")) GTEST_SKIP() << kPython << " has no h5py: the HDF5 read-back is skipped";
  const nlohmann::json h5 = run_python(root_, "h5dump", kH5Dump, {archive.string()});
  const nlohmann::json& root = h5.at("/").at("attrs");
  EXPECT_EQ(root.at("format"), "zonewatch-assessment-archive");
  EXPECT_EQ(root.at("format_version"), 1);
  EXPECT_EQ(root.at("programme"), "CBERS-4 AWFI 2018");
  EXPECT_EQ(root.at("width"), 50);
  EXPECT_EQ(root.at("height"), 50);
  EXPECT_EQ(root.at("rsei_reference_year"), 2016);
  for (int i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(root.at("geotransform").at(i).get<double>(), scene.gt[i]) << i;
  OGRSpatialReference archived_srs;
  ASSERT_EQ(archived_srs.importFromWkt(root.at("crs_wkt").get<std::string>().c_str()), OGRERR_NONE);
  EXPECT_TRUE(archived_srs.IsSame(&scene.srs)) << root.at("crs_wkt");  // the scene's Albers equal-area CRS
  const nlohmann::json& calibration = h5.at("/calibration").at("attrs");
  EXPECT_EQ(calibration.at("rsei_component_names"), (nlohmann::json{"greenness", "wetness", "heat", "dryness"}));
  EXPECT_EQ(calibration.at("rsei_component_present"), (nlohmann::json{1, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(calibration.at("fvc_soil_ndvi").get<double>(), soil);
  std::vector<std::string> codes, types;
  for (const PixelUnit& u : kCbersUnits) {
    codes.push_back(u.code);
    types.push_back(u.type);
  }
  EXPECT_EQ(h5.at("/units/code").at("values"), nlohmann::json(codes));
  EXPECT_EQ(h5.at("/units/type").at("values"), nlohmann::json(types));
  EXPECT_EQ(h5.at("/units/name").at("values").at(0), "西北");
  for (const Season& season : kSeasons) {
    const std::string year = "/years/" + std::to_string(season.label);
    SCOPED_TRACE(year);
    const nlohmann::json& info = h5.at(year).at("attrs");
    EXPECT_EQ(info.at("first_date"), season.dates.front());
    EXPECT_EQ(info.at("last_date"), season.dates.back());
    EXPECT_NE(info.at("sensor").get<std::string>().find("cbers4-awfi"), std::string::npos) << info.at("sensor");
    EXPECT_NE(info.at("sensor").get<std::string>().find(std::to_string(season.dates.size()) + " scenes"),
              std::string::npos)
        << info.at("sensor");
    // The rasters a four-band year has: NDVI, FVC, RSEI, its one component and the classes.
    std::vector<std::string> rasters;
    for (const auto& [name, entry] : h5.items()) {
      if (name.starts_with(year + "/rasters/")) rasters.push_back(name.substr(year.size() + 9));
    }
    EXPECT_EQ(rasters, (std::vector<std::string>{"fvc", "land_class", "ndvi", "rsei", "rsei_greenness"}));
    const nlohmann::json& ndvi = h5.at(year + "/rasters/ndvi");
    EXPECT_EQ(ndvi.at("dtype"), "int16");
    EXPECT_EQ(ndvi.at("shape"), (nlohmann::json{50, 50}));
    EXPECT_EQ(ndvi.at("compression"), "gzip");
    EXPECT_TRUE(ndvi.at("shuffle").get<bool>());
    EXPECT_DOUBLE_EQ(ndvi.at("attrs").at("scale_factor").get<double>(), 1e-4);
    EXPECT_EQ(ndvi.at("attrs").at("_FillValue"), -32768);
    EXPECT_FALSE(ndvi.at("attrs").at("long_name").get<std::string>().empty());
    const nlohmann::json& classes = h5.at(year + "/rasters/land_class");
    EXPECT_EQ(classes.at("dtype"), "uint8");
    EXPECT_EQ(classes.at("attrs").at("flag_values"), (nlohmann::json{1, 2, 3, 4}));
    EXPECT_NE(classes.at("attrs").at("flag_meanings").get<std::string>().find("water"), std::string::npos);
    // The unit columns h5py reads are the values zonewatch reads.
    const nlohmann::json& means = h5.at(year + "/units/ndvi_mean").at("values");
    for (std::size_t u = 0; u < kCbersUnits.size(); ++u) {
      EXPECT_EQ(means.at(u).get<double>(), contents.indicators.at(season.label)[u].ndvi_mean);
    }
    EXPECT_EQ(h5.at(year + "/units/hotspots_found").at("values").at(0), -1) << "no monitoring store given";
  }
}

// ---------------------------------------------------------------------------------------
// 2. MODIS bfast: yearly maximum NDVI, Theil-Sen and Mann-Kendall against scipy

struct ModisSeries {
  std::vector<int> years;                  // complete years, ascending
  std::vector<std::vector<double>> pixel;  // per pixel, the yearly maximum NDVI per year
  int width = 0, height = 0;
  std::array<double, 6> gt{};
  std::string crs_wkt;
};

/// Reads the 275 bands, dates from their descriptions (X2000.02.18), NDVI = value x 1e-4.
/// 2000 (from 18 February) and 2012 (January only) are partial: left out.
ModisSeries modis_yearly_maximum() {
  ModisSeries s;
  Dataset ds = open_dataset(kModis, GDAL_OF_RASTER | GDAL_OF_READONLY);
  if (!ds) {
    ADD_FAILURE() << kModis << ": cannot be opened";
    return s;
  }
  s.width = ds->GetRasterXSize();
  s.height = ds->GetRasterYSize();
  ds->GetGeoTransform(s.gt.data());
  char* wkt = nullptr;
  ds->GetSpatialRef()->exportToWkt(&wkt);
  s.crs_wkt = wkt;
  CPLFree(wkt);
  const std::size_t pixels = static_cast<std::size_t>(s.width) * static_cast<std::size_t>(s.height);
  std::map<int, std::vector<double>> maxima;
  std::map<int, int> dates_per_year;
  EXPECT_EQ(ds->GetRasterCount(), 275);
  for (int b = 1; b <= ds->GetRasterCount(); ++b) {
    GDALRasterBand* band = ds->GetRasterBand(b);
    const std::string description = band->GetDescription();
    EXPECT_EQ(description.size(), 11u) << "band " << b << ": " << description;
    const int year = std::atoi(description.substr(1, 4).c_str());
    std::vector<double> values(pixels);
    EXPECT_EQ(
        band->RasterIO(GF_Read, 0, 0, s.width, s.height, values.data(), s.width, s.height, GDT_Float64, 0, 0, nullptr),
        CE_None);
    auto& best = maxima.try_emplace(year, pixels, std::nan("")).first->second;
    ++dates_per_year[year];
    for (std::size_t i = 0; i < pixels; ++i) {
      if (!std::isnan(values[i]) && !(values[i] * 1e-4 <= best[i])) best[i] = values[i] * 1e-4;
    }
  }
  EXPECT_EQ(dates_per_year.begin()->first, 2000);
  EXPECT_EQ(dates_per_year.rbegin()->first, 2012);
  s.pixel.assign(pixels, {});
  for (const auto& [year, best] : maxima) {
    if (dates_per_year[year] < 23) continue;  // a complete year of 16-day composites has 23
    s.years.push_back(year);
    for (std::size_t i = 0; i < pixels; ++i) s.pixel[i].push_back(best[i]);
  }
  return s;
}

const char* const kScipyTrend = R"PY(
import json, math, sys
import numpy as np
from scipy import stats

lines = [l for l in open(sys.argv[1]).read().split('\n') if l]
x = [float(v) for v in lines[0].split(',')]
out = []
for line in lines[1:]:
    y = [float(v) for v in line.split(',')]
    n = len(y)
    slope, intercept, _, _ = stats.theilslopes(y, x)
    tau, _ = stats.kendalltau(x, y)
    s = float(sum(np.sign(y[j] - y[i]) for i in range(n) for j in range(i + 1, n)))
    _, counts = np.unique(y, return_counts=True)
    variance = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in counts)) / 18.0
    z = 0.0 if s == 0 else (s - math.copysign(1.0, s)) / math.sqrt(variance)
    out.append(dict(slope=float(slope), intercept=float(intercept), tau=float(tau), s=s, variance=variance,
                    z=z, p=float(2.0 * stats.norm.sf(abs(z))), tied=int(n - len(counts))))
print(json.dumps(out))
)PY";

class ModisBfastTrendTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!fs::exists(kModis)) GTEST_SKIP() << kModis << " is absent: the MODIS bfast NDVI series is needed";
    TempFolderTest::SetUp();
  }
};

TEST_F(ModisBfastTrendTest, YearlyMaximumTrendsMatchScipy) {
  const ModisSeries series = modis_yearly_maximum();
  ASSERT_EQ(series.years, (std::vector<int>{2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009, 2010, 2011}));
  ASSERT_EQ(series.pixel.size(), 25u);
  const std::vector<double> x(series.years.begin(), series.years.end());
  std::vector<kernels::TheilSen> fits;
  std::vector<kernels::MannKendall> tests;
  std::string csv;
  for (std::size_t i = 0; i < x.size(); ++i) csv += (i ? "," : "") + std::to_string(series.years[i]);
  csv += "\n";
  for (const auto& y : series.pixel) {
    ASSERT_EQ(y.size(), x.size());
    for (double v : y) {
      ASSERT_FALSE(std::isnan(v));
      EXPECT_GT(v, 0.3);  // a vegetated scene: the yearly peak is well above bare soil
      EXPECT_LT(v, 1.0);
    }
    fits.push_back(kernels::theil_sen(x, y));
    tests.push_back(kernels::mann_kendall(y));
    for (std::size_t i = 0; i < y.size(); ++i) csv += (i ? "," : "") + text_of(y[i]);
    csv += "\n";
  }
  // Without scipy, at least the kernels' own consistency: slope and S agree in sign.
  for (std::size_t p = 0; p < fits.size(); ++p) {
    EXPECT_EQ(fits[p].n, 11);
    EXPECT_EQ(tests[p].n, 11);
    if (tests[p].s > 0) {
      EXPECT_GE(fits[p].slope, 0.0) << p;
    }
    if (tests[p].s < 0) {
      EXPECT_LE(fits[p].slope, 0.0) << p;
    }
  }
  if (!python_has("numpy, scipy.stats")) GTEST_SKIP() << kPython << " has no scipy: the comparison is skipped";
  write_bytes(root_ / "series.csv", csv);
  const nlohmann::json scipy = run_python(root_, "trend", kScipyTrend, {(root_ / "series.csv").string()});
  ASSERT_EQ(scipy.size(), fits.size());
  int significant = 0;
  for (std::size_t p = 0; p < fits.size(); ++p) {
    SCOPED_TRACE("pixel " + std::to_string(p));
    const nlohmann::json& py = scipy.at(p);
    EXPECT_NEAR(fits[p].slope, py.at("slope").get<double>(), 1e-12);
    EXPECT_NEAR(fits[p].intercept, py.at("intercept").get<double>(), 1e-8);
    EXPECT_EQ(tests[p].s, py.at("s").get<double>());
    EXPECT_NEAR(tests[p].variance, py.at("variance").get<double>(), 1e-9);
    EXPECT_NEAR(tests[p].z, py.at("z").get<double>(), 1e-12);
    EXPECT_NEAR(tests[p].p_value, py.at("p").get<double>(), 1e-12);
    if (py.at("tied") == 0) {
      EXPECT_NEAR(py.at("tau").get<double>(), tests[p].s / 55.0, 1e-12) << "tau = S / C(11,2)";
    }
    significant += kernels::trend_significant(tests[p]);
  }
  std::printf("MODIS bfast: %d of 25 pixels with a significant (p < 0.05) trend of the yearly maximum NDVI\n",
              significant);

  // The same series through `zonewatch assess`: one unit per pixel, the yearly maximum NDVI
  // archived as the unit's RSEI column (`zonewatch archive` cannot ingest single-band NDVI, so
  // the archive is written with the archive API), the trend read from assessment.json.
  ArchiveContents header;
  header.programme = "MODIS bfast yearly maximum NDVI";
  header.grid = {series.crs_wkt, series.gt, series.width, series.height};
  header.calibration.reference_year = series.years.front();
  header.calibration.model.present = {true, false, false, false};
  header.calibration.model.loadings = {1.0, 0.0, 0.0, 0.0};
  header.calibration.model.explained_variance = 1.0;
  header.calibration.soil_ndvi = 0.1;
  header.calibration.vegetation_ndvi = 0.9;
  const auto corner = [&](double col, double row) {
    return text_of(series.gt[0] + col * series.gt[1]) + " " + text_of(series.gt[3] + row * series.gt[5]);
  };
  for (int row = 0; row < series.height; ++row) {
    for (int col = 0; col < series.width; ++col) {
      ArchivedUnit unit;
      unit.code = "PX" + std::to_string(row) + std::to_string(col);
      unit.name = unit.code;
      unit.region = "bfast";
      unit.type = UnitType::priority;
      unit.geometry_wkt = "POLYGON ((" + corner(col, row) + ", " + corner(col + 1, row) + ", " +
                          corner(col + 1, row + 1) + ", " + corner(col, row + 1) + ", " + corner(col, row) + "))";
      header.units.push_back(unit);
    }
  }
  const fs::path archive = root_ / "bfast.h5";
  for (std::size_t t = 0; t < series.years.size(); ++t) {
    ArchiveYearInfo info;
    info.year = series.years[t];
    info.first_date = std::to_string(info.year) + "-01-01";
    info.last_date = std::to_string(info.year) + "-12-19";
    info.sensor = "MODIS 16-day NDVI, yearly maximum";
    ArchiveYearWriter writer(archive, header, info, {standard_archive_raster("ndvi")});
    kernels::Tile<float> ndvi(series.width, series.height);
    std::vector<UnitYearIndicators> rows;
    for (std::size_t p = 0; p < series.pixel.size(); ++p) {
      ndvi.values()[p] = static_cast<float>(series.pixel[p][t]);
      UnitYearIndicators r;
      r.unit_code = header.units[p].code;
      r.area_m2 = r.valid_area_m2 = 3.0e7;
      r.ndvi_mean = r.rsei_mean = series.pixel[p][t];
      rows.push_back(r);
    }
    writer.write_tile("ndvi", {0, 0, series.width, series.height}, ndvi.view());
    writer.set_indicators(rows);
    writer.commit();
  }
  const RunResult run = assess(archive, 2011, root_ / "out", root_);
  ASSERT_EQ(run.exit_code, 0) << run;
  const auto units = assessed_units(root_ / "out");
  for (std::size_t p = 0; p < fits.size(); ++p) {
    const nlohmann::json& u = units.at(header.units[p].code);
    EXPECT_NEAR(number(u.at("trend_slope_points_per_year")), scipy.at(p).at("slope").get<double>() * 100.0, 1e-9);
    EXPECT_NEAR(number(u.at("trend_p_value")), scipy.at(p).at("p").get<double>(), 1e-12);
    EXPECT_EQ(u.at("trend_significant").get<bool>(), scipy.at(p).at("p").get<double>() < 0.05);
  }
}

// ---------------------------------------------------------------------------------------
// 3. OSCD Beihai: two Sentinel-2 dates as two years

/// Tasseled-cap wetness coefficients (blue, green, red, nir, swir1, swir2). Sentinel-2's are a
/// documented stand-in: Landsat 8 OLI's (Baig, Zhang, Shuai & Tong 2014, Table 2).
constexpr std::array<double, 6> kOliWetness{0.1511, 0.1973, 0.3283, 0.3407, -0.7117, -0.4559};
/// Landsat TM's (Crist 1985), for contrast.
constexpr std::array<double, 6> kTmWetness{0.0315, 0.2021, 0.3102, 0.1594, -0.6806, -0.6109};

/// A band file of OSCD date 1 warped bilinearly onto date 1's B02 grid (the 20 m bands), as
/// reflectance (DN x 1e-4, 0 = no data -> NaN).
std::vector<double> beihai_band(const std::string& band, const GridOf& grid) {
  const fs::path path = kBeihai / "imgs_1" / ("T49QCD_20161209T031122_" + band + ".tif");
  Dataset source = open_dataset(path, GDAL_OF_RASTER | GDAL_OF_READONLY);
  if (!source) {
    ADD_FAILURE() << path;
    return {};
  }
  const double x1 = grid.gt[0] + grid.width * grid.gt[1], y1 = grid.gt[3] + grid.height * grid.gt[5];
  std::vector<std::string> args{"-of",
                                "MEM",
                                "-r",
                                "bilinear",
                                "-ot",
                                "Float64",
                                "-srcnodata",
                                "0",
                                "-dstnodata",
                                "nan",
                                "-te",
                                text_of(grid.gt[0]),
                                text_of(y1),
                                text_of(x1),
                                text_of(grid.gt[3]),
                                "-ts",
                                std::to_string(grid.width),
                                std::to_string(grid.height)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  GDALWarpAppOptions* options = GDALWarpAppOptionsNew(argv.data(), nullptr);
  GDALDatasetH handle = GDALDataset::ToHandle(source.get());
  Dataset warped(GDALDataset::FromHandle(GDALWarp("", nullptr, 1, &handle, options, nullptr)));
  GDALWarpAppOptionsFree(options);
  std::vector<double> values(static_cast<std::size_t>(grid.width) * static_cast<std::size_t>(grid.height));
  if (!warped || warped->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, grid.width, grid.height, values.data(), grid.width,
                                                    grid.height, GDT_Float64, 0, 0, nullptr) != CE_None) {
    ADD_FAILURE() << path << ": cannot be warped";
    return {};
  }
  for (double& v : values) v = v == 0.0 ? std::nan("") : v * 1e-4;
  return values;
}

class OscdArchiveTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!fs::exists(kBeihai / "imgs_2")) GTEST_SKIP() << kBeihai << " is absent: the OSCD Beihai pair is needed";
    TempFolderTest::SetUp();
  }
};

TEST_F(OscdArchiveTest, TwoDatesAsTwoYearsSelfDescribingWithTheSentinel2Wetness) {
  const GridOf b02 = grid_of(kBeihai / "imgs_1" / "T49QCD_20161209T031122_B02.tif");
  const double half = b02.width / 2.0;
  write_pixel_units(root_ / "units.gpkg", b02,
                    {{"BH-W", "北海西", "priority", "北海", 0, 0, half, double(b02.height)},
                     {"BH-E", "北海东", "key", "北海", half, 0, double(b02.width), double(b02.height)}});
  const fs::path archive = root_ / "beihai.h5";
  const auto archive_year = [&](int year, const std::string& folder, const std::string& date) {
    return run_zonewatch({"archive", "--archive", archive.string(), "--year", std::to_string(year), "--scene",
                          (kBeihai / folder).string(), "--date", date, "--sensor", "sentinel2-l1c", "--units",
                          (root_ / "units.gpkg").string(), "--programme", "北海 OSCD", "--no-progress"},
                         root_);
  };
  RunResult run = archive_year(2016, "imgs_1", "2016-12-09");
  ASSERT_EQ(run.exit_code, 0) << run;
  run = archive_year(2018, "imgs_2", "2018-03-09");
  ASSERT_EQ(run.exit_code, 0) << run;
  const ArchiveContents contents = read_archive(archive);
  const kernels::RseiModel& model = contents.calibration.model;
  // Sentinel-2 L1C without a thermal band: greenness, wetness, dryness.
  EXPECT_TRUE(model.present[0] && model.present[1] && model.present[3]);
  EXPECT_FALSE(model.present[2]);
  EXPECT_EQ(contents.grid.width, b02.width);
  EXPECT_EQ(contents.grid.height, b02.height);
  for (int year : {2016, 2018}) {
    for (const UnitYearIndicators& row : contents.indicators.at(year)) {
      EXPECT_GT(row.valid_area_m2, 0.9 * row.area_m2) << row.unit_code << " " << year;
      EXPECT_FALSE(std::isnan(row.rsei_mean)) << row.unit_code << " " << year;
      EXPECT_FALSE(std::isnan(row.component_means[1])) << row.unit_code << " " << year;
    }
  }

  // Wetness of 2016 (the reference year) recomputed from the bands: the OLI coefficients
  // applied to the reflectances (the 20 m SWIR bands interpolated bilinearly onto the 10 m
  // grid), normalized by the archived 1 %/99 % range. The scene reader's interpolation is its
  // own, so a few pixels may differ; the coefficients show in the bulk.
  std::array<std::vector<double>, 6> bands;
  const std::array<const char*, 6> names{"B02", "B03", "B04", "B08", "B11", "B12"};
  for (std::size_t b = 0; b < 6; ++b) bands[b] = beihai_band(names[b], b02);
  const std::vector<double> stored =
      archived_raster(archive, 2016, "rsei_wetness", contents.grid.width, contents.grid.height);
  const auto raw_wetness = [&](const std::array<double, 6>& c) {
    std::vector<double> w(stored.size(), std::nan(""));
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (std::isnan(stored[i])) continue;  // water and no data carry no RSEI component
      double sum = 0.0;
      for (std::size_t b = 0; b < 6; ++b) sum += c[b] * bands[b][i];
      w[i] = sum;
    }
    return w;
  };
  const auto share_matching = [&](const std::vector<double>& w, double low, double high) {
    std::size_t valid = 0, close = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (std::isnan(w[i])) continue;
      ++valid;
      close += std::abs(std::clamp((w[i] - low) / (high - low), 0.0, 1.0) - stored[i]) <= 2e-3;
    }
    return valid == 0 ? 0.0 : double(close) / double(valid);
  };
  const std::vector<double> oli = raw_wetness(kOliWetness), tm = raw_wetness(kTmWetness);
  // The calibration's range is the 1 %/99 % of this wetness over the land pixels (0.0005 bins).
  EXPECT_NEAR(model.low[1], quantile(oli, 0.01), 2e-3);
  EXPECT_NEAR(model.high[1], quantile(oli, 0.99), 2e-3);
  const double oli_share = share_matching(oli, model.low[1], model.high[1]);
  const double tm_share = share_matching(tm, quantile(tm, 0.01), quantile(tm, 0.99));
  std::printf("OSCD Beihai 2016 wetness: %.4f of land pixels within 0.002 with the OLI stand-in, %.4f with TM\n",
              oli_share, tm_share);
  EXPECT_GT(oli_share, 0.99);
  EXPECT_LT(tm_share, 0.5) << "the check tells coefficient sets apart";

  // Assessed: classes from the archived values and the thresholds.
  const RunResult assessed = assess(archive, 2018, root_ / "out", root_);
  ASSERT_EQ(assessed.exit_code, 0) << assessed;
  expect_classes_follow(contents, root_ / "out", 2018, 2016, 2016, "rsei");
  EXPECT_EQ(feature_count(root_ / "out" / "assessment.gpkg", "assessment"), 2);

  // Self-describing: what h5py sees without zonewatch.
  if (!python_has("h5py, numpy")) GTEST_SKIP() << kPython << " has no h5py: the HDF5 read-back is skipped";
  const nlohmann::json h5 = run_python(root_, "h5dump", kH5Dump, {archive.string()});
  const nlohmann::json& root = h5.at("/").at("attrs");
  EXPECT_EQ(root.at("format"), "zonewatch-assessment-archive");
  EXPECT_EQ(root.at("programme"), "北海 OSCD");
  EXPECT_EQ(root.at("width"), b02.width);
  for (int i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(root.at("geotransform").at(i).get<double>(), b02.gt[i]) << i;
  OGRSpatialReference archived_srs;
  ASSERT_EQ(archived_srs.importFromWkt(root.at("crs_wkt").get<std::string>().c_str()), OGRERR_NONE);
  const char* const kIgnoreAxes[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES", nullptr};
  EXPECT_TRUE(archived_srs.IsSame(&b02.srs, kIgnoreAxes)) << root.at("crs_wkt");
  const nlohmann::json& calibration = h5.at("/calibration").at("attrs");
  EXPECT_EQ(calibration.at("rsei_component_present"), (nlohmann::json{1, 1, 0, 1}));
  EXPECT_DOUBLE_EQ(calibration.at("rsei_component_low").at(1).get<double>(), model.low[1]);
  EXPECT_EQ(h5.at("/units/code").at("values"), (nlohmann::json{"BH-W", "BH-E"}));
  EXPECT_EQ(h5.at("/units/name").at("values"), (nlohmann::json{"北海西", "北海东"}));
  EXPECT_NE(h5.at("/units/geometry_wkt").at("values").at(0).get<std::string>().find("POLYGON"), std::string::npos);
  for (const auto& [year, date, folder] : {std::tuple{2016, "2016-12-09", "imgs_1"}, {2018, "2018-03-09", "imgs_2"}}) {
    const std::string group = "/years/" + std::to_string(year);
    SCOPED_TRACE(group);
    const nlohmann::json& info = h5.at(group).at("attrs");
    EXPECT_EQ(info.at("first_date"), date);
    EXPECT_EQ(info.at("last_date"), date);
    EXPECT_EQ(info.at("sensor"), "sentinel2-l1c");
    EXPECT_NE(info.at("scene_paths").dump().find(folder), std::string::npos) << info.at("scene_paths");
    EXPECT_FALSE(info.at("zonewatch_version").get<std::string>().empty());
    EXPECT_FALSE(info.at("created_utc").get<std::string>().empty());
    for (const char* raster : {"ndvi", "fvc", "rsei", "rsei_greenness", "rsei_wetness", "rsei_dryness"}) {
      const nlohmann::json& entry = h5.at(group + "/rasters/" + raster);
      EXPECT_EQ(entry.at("dtype"), "int16") << raster;
      EXPECT_EQ(entry.at("shape"), (nlohmann::json{b02.height, b02.width})) << raster;
      EXPECT_EQ(entry.at("chunks"), (nlohmann::json{256, 256})) << raster;
      EXPECT_DOUBLE_EQ(entry.at("attrs").at("scale_factor").get<double>(), 1e-4) << raster;
      EXPECT_EQ(entry.at("attrs").at("add_offset"), 0) << raster;
      EXPECT_EQ(entry.at("attrs").at("_FillValue"), -32768) << raster;
      EXPECT_FALSE(entry.at("attrs").at("long_name").get<std::string>().empty()) << raster;
      EXPECT_TRUE(entry.at("attrs").contains("units")) << raster;
    }
    EXPECT_FALSE(h5.contains(group + "/rasters/rsei_heat")) << "no thermal band, no heat raster";
    for (const char* column : {"area_m2", "ndvi_mean", "fvc_mean", "rsei_mean", "rsei_wetness_mean"}) {
      const nlohmann::json& entry = h5.at(group + "/units/" + column);
      EXPECT_EQ(entry.at("dtype"), "float64") << column;
      EXPECT_EQ(entry.at("values").size(), 2u) << column;
      EXPECT_TRUE(entry.at("attrs").contains("units")) << column;
    }
  }
}

// ---------------------------------------------------------------------------------------
// 4. Landsat 7 and 8 with their thermal bands: RSEI heat from the brightness temperature

const fs::path kGermany = kData / "landsat-l1-germany";

/// `KEY = value` of a Landsat MTL file, read here without zonewatch's parser.
double mtl_number(const fs::path& mtl, const std::string& key) {
  std::istringstream lines(read_bytes(mtl));
  for (std::string line; std::getline(lines, line);) {
    const auto start = line.find_first_not_of(' ');
    if (start == std::string::npos || line.compare(start, key.size() + 3, key + " = ") != 0) continue;
    return std::stod(line.substr(start + key.size() + 3));
  }
  ADD_FAILURE() << mtl << ": no " << key;
  return std::nan("");
}

/// Brightness temperature (K) per pixel of a thermal band: L = mult x DN + add from the MTL,
/// T = K2 / ln(K1 / L + 1); NaN for no data.
std::vector<double> brightness_temperature(const std::string& product, const std::string& band) {
  const fs::path mtl = kGermany / (product + "_MTL.txt");
  const double mult = mtl_number(mtl, "RADIANCE_MULT_BAND_" + band), add = mtl_number(mtl, "RADIANCE_ADD_BAND_" + band);
  const double k1 = mtl_number(mtl, "K1_CONSTANT_BAND_" + band), k2 = mtl_number(mtl, "K2_CONSTANT_BAND_" + band);
  const Raster dn = read_raster(kGermany / (product + "_B" + band + ".TIF"));
  std::vector<double> kelvin(dn.values.size(), std::nan(""));
  for (std::size_t i = 0; i < kelvin.size(); ++i) {
    const double radiance = mult * dn.values[i] + add;
    if (dn.values[i] != -32768 && dn.values[i] != 0 && radiance > 0) kelvin[i] = k2 / std::log(k1 / radiance + 1.0);
  }
  return kelvin;
}

class LandsatThermalArchiveTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!fs::exists(kGermany)) GTEST_SKIP() << kGermany << " is absent: the Landsat 7/8 L1 products are needed";
    TempFolderTest::SetUp();
  }
};

TEST_F(LandsatThermalArchiveTest, HeatIsTheBrightnessTemperatureFromTheMtlConstants) {
  const std::string l7 = "LE07_L1TP_195025_20010730_20170204_01_T1", l8 = "LC08_L1TP_195025_20130707_20170503_01_T1";
  const GridOf scene = grid_of(kGermany / (l7 + "_B3.TIF"));
  ASSERT_EQ(scene.width, 41);
  const std::vector<PixelUnit> units{{"GE-W", "西", "priority", "DE", 0, 0, 20, 41},
                                     {"GE-E", "东", "key", "DE", 20.5, 0.5, 41, 40.5}};
  write_pixel_units(root_ / "units.gpkg", scene, units);
  const fs::path archive = root_ / "germany.h5";
  for (const auto& [year, product] : {std::pair{2001, l7}, std::pair{2013, l8}}) {
    const RunResult run = run_zonewatch(
        {"archive", "--archive", archive.string(), "--year", std::to_string(year), "--scene",
         (kGermany / (product + "_MTL.txt")).string(), "--units", (root_ / "units.gpkg").string(), "--no-progress"},
        root_);
    ASSERT_EQ(run.exit_code, 0) << run;
  }
  const ArchiveContents contents = read_archive(archive);
  const kernels::RseiModel& model = contents.calibration.model;
  ASSERT_TRUE(model.present[2]) << "heat";
  const std::map<int, std::vector<double>> kelvin{{2001, brightness_temperature(l7, "6_VCID_1")},
                                                  {2013, brightness_temperature(l8, "10")}};
  // The calibration's range: 1 % and 99 % of the reference year's land brightness
  // temperatures (0.0375 K bins).
  const std::vector<double> heat_2001 = archived_raster(archive, 2001, "rsei_heat", 41, 41);
  std::vector<double> land_kelvin;
  for (std::size_t i = 0; i < heat_2001.size(); ++i) {
    if (!std::isnan(heat_2001[i])) land_kelvin.push_back(kelvin.at(2001)[i]);
  }
  ASSERT_GT(land_kelvin.size(), 1500u);
  EXPECT_NEAR(model.low[2], quantile(land_kelvin, 0.01), 0.1);
  EXPECT_NEAR(model.high[2], quantile(land_kelvin, 0.99), 0.1);
  for (const auto& [year, t] : kelvin) {
    SCOPED_TRACE(year);
    // Both years normalized by the reference year's range, pixel for pixel (int16 x 1e-4).
    const std::vector<double> stored = archived_raster(archive, year, "rsei_heat", 41, 41);
    std::vector<double> expected(stored.size(), std::nan(""));
    std::size_t valid = 0;
    for (std::size_t i = 0; i < stored.size(); ++i) {
      if (std::isnan(stored[i])) continue;  // water or no data
      ++valid;
      expected[i] = std::clamp((t[i] - model.low[2]) / (model.high[2] - model.low[2]), 0.0, 1.0);
      ASSERT_NEAR(stored[i], expected[i], 5.1e-5) << "pixel " << i << ": " << t[i] << " K";
    }
    EXPECT_GT(valid, stored.size() * 9 / 10);
    for (std::size_t u = 0; u < units.size(); ++u) {
      EXPECT_NEAR(contents.indicators.at(year)[u].component_means[2], unit_mean(units[u], expected, 41, 41), 1e-5)
          << units[u].code;
    }
  }
  // Assessed: 2013 against 2001, classes from the archived RSEI.
  const RunResult run = assess(archive, 2013, root_ / "out", root_);
  ASSERT_EQ(run.exit_code, 0) << run;
  expect_classes_follow(contents, root_ / "out", 2013, 2001, 2001, "rsei");
}

}  // namespace
}  // namespace zw::e2e
