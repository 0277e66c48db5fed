// The assessment archive: contents and rasters round-trip, years append in any order and are
// replaced only on commit, mismatched grids/units and foreign files are input errors, and
// h5dump and h5py read what was written. Kill tests: archive_crash_test.cpp.
#include "zonewatch/pipeline/archive/archive_file.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "archive_fixture.hpp"
#include "support/temp_folder.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;
using test::archive_header;
using test::archive_indicators;
using test::archive_year_info;
using test::expect_throw_starting_with;
using test::write_archive_year;

constexpr int kWidth = 37, kHeight = 23;  // odd sizes: partial chunks and edge tiles

class ArchiveFileTest : public test::TempFolderTest {
 protected:
  void SetUp() override {
    TempFolderTest::SetUp();
    archive_ = root_ / "渝北区.h5";
    header_ = archive_header(kWidth, kHeight);
  }

  [[nodiscard]] bool has_working_copy() const {
    for (const std::string& name : entry_names(root_)) {
      if (name.find(AtomicFile::kTemporaryInfix) != std::string::npos) return true;
    }
    return false;
  }

  fs::path archive_;
  ArchiveContents header_;
};

/// Runs a shell command, returning its exit status and standard output.
std::pair<int, std::string> run_capture(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, output};
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  return {::pclose(pipe), output};
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

/// h5dump 1.10 prints the bytes of non-ASCII text as octal escapes of sign-extended chars
/// ("\37777777751" for 0xE9); this turns them back into the bytes.
std::string unescape_h5dump(const std::string& text) {
  std::string bytes;
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::size_t end = i + 1;
    while (end < text.size() && end - i <= 11 && text[end] >= '0' && text[end] <= '7') ++end;
    if (text[i] == '\\' && end - i == 12) {
      bytes.push_back(static_cast<char>(std::stoul(text.substr(i + 1, 11), nullptr, 8) & 0xFFu));
      i = end - 1;
    } else {
      bytes.push_back(text[i]);
    }
  }
  return bytes;
}

TEST_F(ArchiveFileTest, ContentsRoundTripWithChineseNamesNanIndicatorsAndMissingCounts) {
  write_archive_year(archive_, header_, 2021, 16, 16);
  const ArchiveContents read = read_archive(archive_);

  EXPECT_EQ(read.programme, header_.programme);
  EXPECT_EQ(read.grid.crs_wkt, header_.grid.crs_wkt);
  EXPECT_EQ(read.grid.geotransform, header_.grid.geotransform);
  EXPECT_EQ(read.grid.width, kWidth);
  EXPECT_EQ(read.grid.height, kHeight);
  ASSERT_EQ(read.units.size(), header_.units.size());
  for (std::size_t i = 0; i < read.units.size(); ++i) {
    EXPECT_EQ(read.units[i].code, header_.units[i].code);
    EXPECT_EQ(read.units[i].name, header_.units[i].name);
    EXPECT_EQ(read.units[i].region, header_.units[i].region);
    EXPECT_EQ(read.units[i].type, header_.units[i].type);
    EXPECT_EQ(read.units[i].geometry_wkt, header_.units[i].geometry_wkt);
  }
  const RseiCalibration &a = read.calibration, &b = header_.calibration;
  EXPECT_EQ(a.reference_year, 2019);
  EXPECT_EQ(a.model.present, b.model.present);
  EXPECT_EQ(a.model.low, b.model.low);
  EXPECT_EQ(a.model.high, b.model.high);
  EXPECT_EQ(a.model.loadings, b.model.loadings);
  EXPECT_EQ(a.model.pc1_low, b.model.pc1_low);
  EXPECT_EQ(a.model.pc1_high, b.model.pc1_high);
  EXPECT_EQ(a.model.explained_variance, b.model.explained_variance);
  EXPECT_EQ(a.soil_ndvi, b.soil_ndvi);
  EXPECT_EQ(a.vegetation_ndvi, b.vegetation_ndvi);

  ASSERT_EQ(read.years.size(), 1u);
  const ArchiveYearInfo& info = read.years.at(2021);
  const ArchiveYearInfo expected = archive_year_info(2021);
  EXPECT_EQ(info.year, 2021);
  EXPECT_EQ(info.first_date, expected.first_date);
  EXPECT_EQ(info.last_date, expected.last_date);
  EXPECT_EQ(info.scene_paths, expected.scene_paths);
  EXPECT_EQ(info.sensor, expected.sensor);
  EXPECT_EQ(info.created_utc, expected.created_utc);
  const auto written = archive_indicators(header_, 2021);
  ASSERT_TRUE(std::isnan(written[1].rsei_mean) && written[1].hotspots_found == -1) << "the fixture lost its gaps";
  test::expect_same_indicators(read.indicators.at(2021), written);
  EXPECT_EQ(archived_rasters(archive_, 2021),
            (std::vector<std::string>{"fvc", "land_class", "ndvi", "rsei", "rsei_dryness", "rsei_greenness",
                                      "rsei_heat", "rsei_wetness"}));
  EXPECT_FALSE(has_working_copy());
}

TEST_F(ArchiveFileTest, RastersWrittenInAnyTilingReadBackBitIdentical) {
  // Larger than a 256-px chunk, so odd tiles cross chunk edges (written backwards).
  const ArchiveContents big = archive_header(300, 270);
  const fs::path whole = root_ / "whole.h5";
  write_archive_year(archive_, big, 2021, 97, 61);
  write_archive_year(whole, big, 2021, 300, 270);
  for (int r = 0; r < static_cast<int>(test::archive_index_names().size()); ++r) {
    EXPECT_EQ(test::archive_raster_mismatch(archive_, big, 2021, r), "");
    EXPECT_EQ(test::archive_raster_mismatch(whole, big, 2021, r), "");
  }
  EXPECT_EQ(test::archive_class_mismatch(archive_, big, 2021), "");

  // A window inside the grid reads what the whole grid has there; NaN where nothing was valid.
  const kernels::Window window{240, 190, 33, 71};
  const auto part = read_raster_window(archive_, 2021, "rsei", window);
  const auto all = read_raster_window(whole, 2021, "rsei", {0, 0, 300, 270});
  int nans = 0;
  for (int y = 0; y < window.height; ++y) {
    for (int x = 0; x < window.width; ++x) {
      const float expected = all(window.x0 + x, window.y0 + y);
      nans += std::isnan(expected) ? 1 : 0;
      EXPECT_EQ(std::bit_cast<std::uint32_t>(part(x, y)), std::bit_cast<std::uint32_t>(expected)) << x << ", " << y;
    }
  }
  EXPECT_GT(nans, 0) << "the window should hold no-data pixels";
  // Class rasters decode to their class values, 255 to NaN.
  const auto classes = read_raster_window(archive_, 2021, "land_class", {0, 0, 300, 270});
  const auto stored = read_class_window(archive_, 2021, "land_class", {0, 0, 300, 270});
  for (int y = 0; y < 270; ++y) {
    for (int x = 0; x < 300; ++x) {
      if (stored(x, y) == kArchiveClassFill) {
        EXPECT_TRUE(std::isnan(classes(x, y)));
      } else {
        EXPECT_EQ(classes(x, y), static_cast<float>(stored(x, y)));
      }
    }
  }
  expect_throw_starting_with<InputError>(
      [&] {
        (void)read_raster_window(archive_, 2021, "ndvi", {295, 0, 8, 1});
      },
      archive_.string() + ": window 8 x 1 at (295, 0) leaves");
  expect_throw_starting_with<InputError>(
      [&] {
        (void)read_raster_window(archive_, 2021, "lst", {0, 0, 1, 1});
      },
      archive_.string() + ": year 2021 has no raster lst");
  expect_throw_starting_with<InputError>(
      [&] {
        (void)read_raster_window(archive_, 2020, "ndvi", {0, 0, 1, 1});
      },
      archive_.string() + ": year 2020 is not archived (archived: 2021)");
}

TEST_F(ArchiveFileTest, YearsAppendInAnyOrderAndOldYearsStayAsWritten) {
  write_archive_year(archive_, header_, 2022, 16, 16);
  write_archive_year(archive_, header_, 2019, 11, 9);
  write_archive_year(archive_, header_, 2020, 37, 1);
  EXPECT_EQ(archived_years(archive_), (std::vector<int>{2019, 2020, 2022}));
  const ArchiveContents read = read_archive(archive_);
  for (int year : {2019, 2020, 2022}) {
    test::expect_same_indicators(read.indicators.at(year), archive_indicators(header_, year));
    EXPECT_EQ(read.years.at(year).first_date, std::to_string(year) + "-06-01");
    EXPECT_EQ(test::archive_raster_mismatch(archive_, header_, year, 0), "");
    EXPECT_EQ(test::archive_class_mismatch(archive_, header_, year), "");
  }
  EXPECT_FALSE(has_working_copy());
}

TEST_F(ArchiveFileTest, AYearIsReplacedOnlyWhenTheNewOneIsCommitted) {
  write_archive_year(archive_, header_, 2020, 16, 16);
  write_archive_year(archive_, header_, 2021, 16, 16);
  {
    // Abandoned half-way: the archive keeps the old 2021 and no working copy stays behind.
    ArchiveYearWriter writer(archive_, header_, archive_year_info(2021), standard_archive_rasters());
    kernels::Tile<float> tile(8, 8, 0.5F);
    writer.write_tile("ndvi", {0, 0, 8, 8}, tile.view());
    writer.set_indicators(archive_indicators(header_, 2021, 0.5));
    EXPECT_TRUE(has_working_copy());
    EXPECT_EQ(test::archive_raster_mismatch(archive_, header_, 2021, 0), "") << "changed before commit";
  }
  EXPECT_FALSE(has_working_copy());
  EXPECT_EQ(test::archive_raster_mismatch(archive_, header_, 2021, 0), "");
  test::expect_same_indicators(read_archive(archive_).indicators.at(2021), archive_indicators(header_, 2021));

  const auto size_before = fs::file_size(archive_);
  for (int variant = 1; variant <= 3; ++variant) write_archive_year(archive_, header_, 2021, 16, 16, variant);
  EXPECT_EQ(archived_years(archive_), (std::vector<int>{2020, 2021}));
  for (int r = 0; r < 3; ++r) EXPECT_EQ(test::archive_raster_mismatch(archive_, header_, 2021, r, 3), "");
  EXPECT_EQ(test::archive_class_mismatch(archive_, header_, 2021, 3), "");
  test::expect_same_indicators(read_archive(archive_).indicators.at(2021), archive_indicators(header_, 2021, 0.003));
  EXPECT_EQ(test::archive_raster_mismatch(archive_, header_, 2020, 0), "") << "another year changed";
  // The replaced years' space is reused (free space is tracked in the file), not appended.
  EXPECT_LT(fs::file_size(archive_), size_before * 3 / 2) << size_before;
}

TEST_F(ArchiveFileTest, AMismatchedGridOrUnitsIsAnInputErrorAndChangesNothing) {
  write_archive_year(archive_, header_, 2020, 16, 16);
  const std::string bytes = test::read_bytes(archive_);
  const std::string prefix = archive_.string() + ": cannot add year 2021: ";
  const auto append = [&](const ArchiveContents& header) {
    ArchiveYearWriter writer(archive_, header, archive_year_info(2021), standard_archive_rasters());
  };

  ArchiveContents other = archive_header(kWidth + 1, kHeight);
  expect_throw_starting_with<InputError>([&] { append(other); },
                                         prefix + "grid is 37 x 23 px in the archive, 38 x 23 now");
  other = header_;
  other.grid.geotransform[0] += 10.0;
  expect_throw_starting_with<InputError>([&] { append(other); }, prefix + "grid geotransform differs");
  other = header_;
  other.units[2].name = "一般管控单元（兴隆镇）";
  expect_throw_starting_with<InputError>(
      [&] { append(other); }, prefix + "unit 3 (ZH50011230003): name is \"一般管控单元（统景镇）\" in the archive");
  other = header_;
  other.units.pop_back();
  expect_throw_starting_with<InputError>([&] { append(other); },
                                         prefix + "the archive has 3 control units, the new year 2");
  other = header_;
  other.calibration.model.loadings[0] = 0.6;
  expect_throw_starting_with<InputError>([&] { append(other); }, prefix + "RSEI/FVC calibration differs");
  EXPECT_EQ(test::read_bytes(archive_), bytes);
  EXPECT_FALSE(has_working_copy());

  // An archive without a calibration takes the first one it is given.
  const fs::path uncalibrated = root_ / "uncalibrated.h5";
  ArchiveContents first = header_;
  first.calibration = {};
  write_archive_year(uncalibrated, first, 2020, 16, 16);
  EXPECT_EQ(read_archive(uncalibrated).calibration.reference_year, 0);
  write_archive_year(uncalibrated, header_, 2021, 16, 16);
  EXPECT_EQ(read_archive(uncalibrated).calibration.model.loadings, header_.calibration.model.loadings);
}

TEST_F(ArchiveFileTest, FilesThatAreNotArchivesAreInputErrorsNamingTheFile) {
  expect_throw_starting_with<InputError>([&] { (void)read_archive(root_ / "missing.h5"); },
                                         (root_ / "missing.h5").string() + ": no such file; expected a zonewatch");
  test::write_text(archive_, "year,ndvi\n2021,0.5\n");
  expect_throw_starting_with<InputError>(
      [&] { (void)archived_years(archive_); },
      archive_.string() + ": not an HDF5 file; expected a zonewatch assessment archive");
  expect_throw_starting_with<InputError>(
      [&] { ArchiveYearWriter writer(archive_, header_, archive_year_info(2021), standard_archive_rasters()); },
      archive_.string() + ": not an HDF5 file");
  EXPECT_EQ(test::read_bytes(archive_), "year,ndvi\n2021,0.5\n");

  // HDF5 files that are something else, or a newer archive: made with h5py where it exists.
  fs::remove(archive_);
  write_archive_year(archive_, header_, 2021, 16, 16);
  const fs::path foreign = root_ / "foreign.h5", newer = root_ / "newer.h5";
  fs::copy_file(archive_, foreign);
  fs::copy_file(archive_, newer);
  const auto [status, output] = run_capture(
      "/usr/bin/python3 -c 'import sys, h5py\nh5py.File(sys.argv[1], \"r+\").attrs[\"format\"] = \"netcdf\"\n"
      "h5py.File(sys.argv[2], \"r+\").attrs[\"format_version\"] = 2' " +
      quoted(foreign) + " " + quoted(newer) + " 2>&1");
  if (status != 0) GTEST_SKIP() << "h5py (python3-h5py) is not available to edit an archive: " << output;
  expect_throw_starting_with<InputError>(
      [&] { (void)read_archive(foreign); },
      foreign.string() + ": not a zonewatch assessment archive: format is \"netcdf\"");
  expect_throw_starting_with<InputError>(
      [&] { (void)read_archive(newer); },
      newer.string() + ": archive format_version 2 is newer than this zonewatch reads (1)");
}

TEST_F(ArchiveFileTest, WriterMisuseIsAnInternalError) {
  ArchiveYearWriter writer(archive_, header_, archive_year_info(2021), {standard_archive_raster("ndvi")});
  kernels::Tile<float> tile(4, 4, 0.25F);
  EXPECT_THROW(writer.write_tile("fvc", {0, 0, 4, 4}, tile.view()), InternalError);
  EXPECT_THROW(writer.write_tile("ndvi", {35, 0, 4, 4}, tile.view()), InternalError);
  EXPECT_THROW(writer.write_tile("ndvi", {0, 0, 4, 3}, tile.view()), InternalError);
  EXPECT_THROW(writer.commit(), InternalError) << "commit without indicators";
  auto rows = archive_indicators(header_, 2021);
  std::swap(rows[0], rows[1]);
  EXPECT_THROW(writer.set_indicators(rows), InternalError);
  EXPECT_THROW((void)standard_archive_raster("lst"), InternalError);
  EXPECT_FALSE(fs::exists(archive_));
}

TEST_F(ArchiveFileTest, AYearMayHaveNoScenesAndNoRastersAndGetsItsCreationTime) {
  ArchiveYearInfo info = archive_year_info(2023);
  info.scene_paths.clear();
  info.created_utc.clear();
  ArchiveYearWriter writer(archive_, header_, info, {});
  writer.set_indicators(archive_indicators(header_, 2023));
  writer.commit();
  const ArchiveContents read = read_archive(archive_);
  EXPECT_TRUE(read.years.at(2023).scene_paths.empty());
  EXPECT_EQ(read.years.at(2023).created_utc.size(), std::string("2026-01-01T00:00:00Z").size())
      << read.years.at(2023).created_utc;
  EXPECT_TRUE(archived_rasters(archive_, 2023).empty());
  test::expect_same_indicators(read.indicators.at(2023), archive_indicators(header_, 2023));
}

TEST_F(ArchiveFileTest, StaleWorkingCopiesOfKilledWritersAreRemovedByTheNextAppend) {
  write_archive_year(archive_, header_, 2020, 16, 16);
  // pid 0 is never a live process: a working copy a killed writer left behind.
  const fs::path stale =
      root_ / ("." + archive_.filename().string() + std::string(AtomicFile::kTemporaryInfix) + "0-1a2b");
  test::write_text(stale, "half an archive");
  write_archive_year(archive_, header_, 2021, 16, 16);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_EQ(archived_years(archive_), (std::vector<int>{2020, 2021}));
}

TEST_F(ArchiveFileTest, H5dumpShowsTheSelfDescribingAttributes) {
  if (run_capture("command -v h5dump >/dev/null 2>&1").first != 0) {
    GTEST_SKIP() << "h5dump (Debian package hdf5-tools) is not installed";
  }
  write_archive_year(archive_, header_, 2021, 16, 16);
  const auto [status, dumped] = run_capture("h5dump -A " + quoted(archive_) + " 2>&1");
  ASSERT_EQ(status, 0) << dumped;
  const std::string output = unescape_h5dump(dumped);
  for (const std::string& expected :
       {std::string("ATTRIBUTE \"format\""), std::string("\"zonewatch-assessment-archive\""),
        std::string("ATTRIBUTE \"format_version\""), std::string("CSET H5T_CSET_UTF8"),
        std::string("GROUP \"calibration\""), std::string("ATTRIBUTE \"rsei_pc1_loadings\""),
        std::string("GROUP \"2021\""), std::string("ATTRIBUTE \"scale_factor\""),
        std::string("ATTRIBUTE \"_FillValue\""), std::string("ATTRIBUTE \"flag_meanings\""),
        std::string("\"water built_bare vegetation other\""), std::string("DATASET \"rsei_wetness\""),
        std::string("DATASET \"hotspots_found\""), header_.programme}) {
    EXPECT_NE(output.find(expected), std::string::npos) << expected << " missing from h5dump -A";
  }
  // Indicator columns say what they measure (their CF units were once left unwritten).
  const auto [column_status, column] =
      run_capture("h5dump -A -d /years/2021/units/area_m2 " + quoted(archive_) + " 2>&1");
  ASSERT_EQ(column_status, 0) << column;
  EXPECT_NE(column.find("ATTRIBUTE \"units\""), std::string::npos) << column;
  EXPECT_NE(column.find("\"m2\""), std::string::npos) << column;
  const auto [name_status, names] = run_capture("h5dump -d /units/name " + quoted(archive_) + " 2>&1");
  ASSERT_EQ(name_status, 0) << names;
  for (const ArchivedUnit& unit : header_.units) {
    EXPECT_NE(unescape_h5dump(names).find("\"" + unit.name + "\""), std::string::npos) << names;
  }
}

TEST_F(ArchiveFileTest, H5pyReadsValuesScaleFactorsAndUtf8Names) {
  if (run_capture("/usr/bin/python3 -c 'import h5py' 2>/dev/null").first != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with h5py (Debian package python3-h5py) is not available";
  }
  write_archive_year(archive_, header_, 2021, 16, 16);
  const fs::path script = root_ / "read.py";
  test::write_text(script, R"(import h5py, json, math, sys
f = h5py.File(sys.argv[1], "r")
ndvi = f["years/2021/rasters/ndvi"]
def clean(values): return [None if math.isnan(v) else v for v in values]
print(json.dumps({
  "format": f.attrs["format"], "format_version": int(f.attrs["format_version"]),
  "programme": f.attrs["programme"], "width": int(f.attrs["width"]),
  "names": list(f["units/name"].asstr()[()]), "types": list(f["units/type"].asstr()[()]),
  "years": sorted(f["years"].keys()), "sensor": f["years/2021"].attrs["sensor"],
  "scene_paths": [str(p) for p in f["years/2021"].attrs["scene_paths"]],
  "scale_factor": float(ndvi.attrs["scale_factor"]), "add_offset": float(ndvi.attrs["add_offset"]),
  "fill": int(ndvi.attrs["_FillValue"]), "dtype": str(ndvi.dtype), "chunks": list(ndvi.chunks),
  "compression": ndvi.compression, "shuffle": bool(ndvi.shuffle),
  "row": ndvi[5, :].tolist(),
  "flag_values": f["years/2021/rasters/land_class"].attrs["flag_values"].tolist(),
  "rsei_mean": clean(f["years/2021/units/rsei_mean"][()].tolist()),
  "hotspots_found": f["years/2021/units/hotspots_found"][()].tolist(),
  "loadings": f["calibration"].attrs["rsei_pc1_loadings"].tolist(),
}, ensure_ascii=False))
)");
  const auto [status, output] = run_capture("/usr/bin/python3 " + quoted(script) + " " + quoted(archive_) + " 2>&1");
  ASSERT_EQ(status, 0) << output;
  const nlohmann::json read = nlohmann::json::parse(output);
  EXPECT_EQ(read["format"], "zonewatch-assessment-archive");
  EXPECT_EQ(read["format_version"], 1);
  EXPECT_EQ(read["programme"], header_.programme);
  EXPECT_EQ(read["width"], kWidth);
  EXPECT_EQ(read["names"],
            (std::vector<std::string>{header_.units[0].name, header_.units[1].name, header_.units[2].name}));
  EXPECT_EQ(read["types"], (std::vector<std::string>{"priority", "key", "general"}));
  EXPECT_EQ(read["years"], std::vector<std::string>{"2021"});
  EXPECT_EQ(read["sensor"], "sentinel2-l2a");
  EXPECT_EQ(read["scene_paths"], archive_year_info(2021).scene_paths);
  EXPECT_EQ(read["scale_factor"], 1e-4);
  EXPECT_EQ(read["add_offset"], 0.0);
  EXPECT_EQ(read["fill"], -32768);
  EXPECT_EQ(read["dtype"], "int16");
  EXPECT_EQ(read["chunks"], (std::vector<int>{kHeight, kWidth}));  // a chunk is cut to a grid smaller than 256
  EXPECT_EQ(read["compression"], "gzip");
  EXPECT_EQ(read["shuffle"], true);
  ASSERT_EQ(read["row"].size(), static_cast<std::size_t>(kWidth));
  for (int x = 0; x < kWidth; ++x) {
    const float value = test::archive_index_value(0, 2021, x, 5);
    const int raw = read["row"][static_cast<std::size_t>(x)];
    if (std::isnan(value)) {
      EXPECT_EQ(raw, -32768) << x;
    } else {
      EXPECT_EQ(raw, static_cast<int>(std::lround(value * 10000.0))) << x;
      EXPECT_NEAR(raw * 1e-4, value, 0.5e-4) << x;
    }
  }
  EXPECT_EQ(read["flag_values"], (std::vector<int>{1, 2, 3, 4}));
  const auto rows = archive_indicators(header_, 2021);
  EXPECT_EQ(read["rsei_mean"][0], rows[0].rsei_mean);
  EXPECT_TRUE(read["rsei_mean"][1].is_null()) << "NaN = not assessed";
  EXPECT_EQ(read["hotspots_found"], (std::vector<int>{-1, -1, -1}));
  EXPECT_EQ(read["loadings"][3], header_.calibration.model.loadings[3]);
}

}  // namespace
}  // namespace zw
