// MODIS bfast yearly-maximum NDVI trends (see archive_series_support.hpp for the shared checks).
#include "archive_series_support.hpp"

namespace zw::e2e {
namespace {

using namespace series;

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

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

}  // namespace
}  // namespace zw::e2e
