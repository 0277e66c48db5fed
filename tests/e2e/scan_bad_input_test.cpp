// End to end: bad inputs give their documented exit code (2 config, 3 input data, 1 other),
// a message on stderr naming the culprit, no output files in a fresh output folder and no
// change at all to an output folder holding an earlier good run. Fixtures are made with the
// GDAL/OGR API from the bundled sample.
#include <functional>
#include <string>
#include <vector>

#include "e2e_support.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

constexpr int kExitOther = 1, kExitConfig = 2, kExitInput = 3;

const fs::path kBefore = kSampleDir / "before";
const fs::path kAfter = kSampleDir / "after";

/// Band files of a sample scene folder, by name.
std::vector<fs::path> band_files(const fs::path& scene) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(scene)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

fs::path band_file(const fs::path& scene, const std::string& token) {
  for (const auto& f : band_files(scene)) {
    if (f.stem().string().ends_with("_" + token)) return f;
  }
  ADD_FAILURE() << "no band " << token << " in " << scene;
  return {};
}

/// Outputs of a good sample scan made once per test process, copied where a test needs an
/// output folder that already holds an earlier run.
const fs::path& earlier_good_outputs() {
  static const fs::path folder = [] {
    std::random_device device;
    const fs::path root = fs::temp_directory_path() /
                          ("zonewatch-e2e-good-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    fs::create_directories(root);
    const fs::path config = write_config(sample_config(root / "out"), root / "good.yaml");
    const RunResult result = scan(config, root);
    EXPECT_EQ(result.exit_code, 0) << result;
    return root / "out";
  }();
  return folder;
}

struct EarlierGoodOutputsCleanup : ::testing::Environment {
  void TearDown() override {
    // Only remove the folder when some test made it.
    const fs::path tmp = fs::temp_directory_path();
    const std::string prefix = "zonewatch-e2e-good-" + std::to_string(::getpid()) + "-";
    std::error_code ec;
    for (fs::directory_iterator it(tmp, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().filename().string().starts_with(prefix)) fs::remove_all(it->path(), ec);
    }
  }
};
[[maybe_unused]] ::testing::Environment* const kCleanup =
    ::testing::AddGlobalTestEnvironment(new EarlierGoodOutputsCleanup);

std::map<std::string, std::string> folder_contents(const fs::path& folder) {
  std::map<std::string, std::string> contents;
  for (const auto& name : entry_names(folder)) {
    contents[name] = fs::is_regular_file(folder / name) ? read_bytes(folder / name) : "<not a file>";
  }
  return contents;
}

using ConfigEdit = std::function<void(YAML::Node&)>;

class BadInputTest : public TempFolderTest {
 protected:
  /// Runs the sample config changed by `edit` twice: into a fresh output folder, which must
  /// stay without files, and into a folder holding an earlier good run, which must be left
  /// exactly as it was. Both runs must exit with `exit_code` and name every `culprits` on
  /// stderr. Returns the first run's stderr.
  std::string expect_failure(const ConfigEdit& edit, int exit_code, const std::vector<std::string>& culprits,
                             const std::vector<std::string>& extra_args = {}) {
    std::string first_err;
    for (const bool earlier_run : {false, true}) {
      SCOPED_TRACE(earlier_run ? "output folder holding an earlier run" : "fresh output folder");
      const fs::path out = root_ / (earlier_run ? "out-earlier" : "out-fresh");
      if (earlier_run) {
        fs::create_directories(out);
        for (const auto& name : entry_names(earlier_good_outputs())) {
          fs::copy_file(earlier_good_outputs() / name, out / name);
        }
        EXPECT_GE(entry_names(out).size(), kOutputs.size());
      }
      const auto before = folder_contents(out);
      YAML::Node config = sample_config(out);
      edit(config);
      const fs::path config_path = write_config(config, root_ / (earlier_run ? "earlier.yaml" : "fresh.yaml"));
      const RunResult result = scan(config_path, root_, extra_args);
      EXPECT_EQ(result.exit_code, exit_code) << result;
      for (const auto& culprit : culprits) {
        EXPECT_NE(result.err.find(culprit), std::string::npos) << "stderr does not name '" << culprit << "'\n"
                                                               << result;
      }
      if (earlier_run) {
        EXPECT_TRUE(folder_contents(out) == before)
            << "earlier outputs changed: " << ::testing::PrintToString(entry_names(out));
      } else {
        EXPECT_TRUE(entry_names(out).empty()) << ::testing::PrintToString(entry_names(out));
        first_err = result.err;
      }
    }
    return first_err;
  }

  /// A copy of a sample scene folder in root_/name, with `edit` applied to each band file.
  fs::path copy_scene(const fs::path& scene, const std::string& name) {
    const fs::path folder = root_ / name;
    fs::create_directories(folder);
    for (const auto& f : band_files(scene)) fs::copy_file(f, folder / f.filename());
    return folder;
  }

  /// A copy of the sample units with `skip_field` left out and `edit` applied to every
  /// feature (by code) before it is written.
  fs::path copy_units(const std::string& name, const std::string& skip_field,
                      const std::function<void(OGRFeature&)>& edit) {
    const fs::path path = root_ / name;
    Dataset source = open_dataset(kSampleDir / "units.gpkg", GDAL_OF_VECTOR | GDAL_OF_READONLY);
    OGRLayer* from = source->GetLayerByName("units");
    GDALDriver* gpkg = GetGDALDriverManager()->GetDriverByName("GPKG");
    Dataset target(gpkg->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    EXPECT_TRUE(target);
    OGRLayer* to = target->CreateLayer("units", from->GetSpatialRef(), wkbPolygon, nullptr);
    OGRFeatureDefn* definition = from->GetLayerDefn();
    for (int i = 0; i < definition->GetFieldCount(); ++i) {
      if (skip_field == definition->GetFieldDefn(i)->GetNameRef()) continue;
      EXPECT_EQ(to->CreateField(definition->GetFieldDefn(i)), OGRERR_NONE);
    }
    for (auto& feature : *from) {
      OGRFeatureUniquePtr copy(OGRFeature::CreateFeature(to->GetLayerDefn()));
      copy->SetFrom(feature.get(), TRUE);
      edit(*copy);
      EXPECT_EQ(to->CreateFeature(copy.get()), OGRERR_NONE);
    }
    return path;
  }

  /// A 4-band stack B02 B03 B04 B08 of the before scene (profile sentinel2-stack-4band).
  fs::path make_four_band_stack(const fs::path& scene, const std::string& name) {
    const fs::path path = root_ / name;
    Dataset first = open_dataset(band_file(scene, "B02"), GDAL_OF_RASTER | GDAL_OF_READONLY);
    const int w = first->GetRasterXSize(), h = first->GetRasterYSize();
    GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
    const char* options[] = {"COMPRESS=DEFLATE", nullptr};
    Dataset stack(gtiff->Create(path.c_str(), w, h, 4, GDT_UInt16, const_cast<char**>(options)));
    double gt[6];
    first->GetGeoTransform(gt);
    stack->SetGeoTransform(gt);
    stack->SetSpatialRef(first->GetSpatialRef());
    std::vector<std::uint16_t> pixels(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
    int band = 0;
    for (const char* token : {"B02", "B03", "B04", "B08"}) {
      Dataset source = open_dataset(band_file(scene, token), GDAL_OF_RASTER | GDAL_OF_READONLY);
      EXPECT_EQ(source->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, w, h, pixels.data(), w, h, GDT_UInt16, 0, 0, nullptr),
                CE_None);
      EXPECT_EQ(
          stack->GetRasterBand(++band)->RasterIO(GF_Write, 0, 0, w, h, pixels.data(), w, h, GDT_UInt16, 0, 0, nullptr),
          CE_None);
    }
    return path;
  }
};

// ---------------------------------------------------------------------------------------
// Scenes

TEST_F(BadInputTest, MissingSceneFolder) {
  const fs::path missing = root_ / "no-such-scene";
  expect_failure([&](YAML::Node& c) { c["before"]["path"] = missing.string(); }, kExitInput,
                 {missing.string(), "before"});
}

TEST_F(BadInputTest, MissingSceneFile) {
  const fs::path missing = root_ / "after.tif";
  expect_failure([&](YAML::Node& c) { c["after"]["path"] = missing.string(); }, kExitInput,
                 {missing.string(), "after"});
}

TEST_F(BadInputTest, SceneFolderMissingABandFile) {
  const fs::path after = copy_scene(kAfter, "after");
  fs::remove(band_file(after, "B08"));
  expect_failure([&](YAML::Node& c) { c["after"]["path"] = after.string(); }, kExitInput,
                 {after.string(), "nir", "B08"});
}

TEST_F(BadInputTest, TextFileNamedTifAsMultiBandScene) {
  const fs::path before = make_four_band_stack(kBefore, "before-stack.tif");
  const fs::path after = root_ / "after-stack.tif";
  write_bytes(after, "This is not a GeoTIFF, only a text file with a .tif name.\n");
  expect_failure(
      [&](YAML::Node& c) {
        c["before"]["path"] = before.string();
        c["before"]["sensor"] = "sentinel2-stack-4band";
        c["after"]["path"] = after.string();
        c["after"]["sensor"] = "sentinel2-stack-4band";
      },
      kExitInput, {after.string()});
}

TEST_F(BadInputTest, StackWithTooFewBandsNamesTheMissingBand) {
  // A 3-band stack (B02 B03 B04) under the 4-band profile: NIR (band 4) is missing.
  const fs::path before = make_four_band_stack(kBefore, "before-stack.tif");
  const fs::path after = root_ / "after-3band.tif";
  {
    Dataset four = open_dataset(make_four_band_stack(kAfter, "after-stack.tif"), GDAL_OF_RASTER | GDAL_OF_READONLY);
    GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
    Dataset three(gtiff->Create(after.c_str(), four->GetRasterXSize(), four->GetRasterYSize(), 3, GDT_UInt16, nullptr));
    double gt[6];
    four->GetGeoTransform(gt);
    three->SetGeoTransform(gt);
    three->SetSpatialRef(four->GetSpatialRef());
    std::vector<std::uint16_t> pixels(static_cast<std::size_t>(four->GetRasterXSize()) *
                                      static_cast<std::size_t>(four->GetRasterYSize()));
    for (int b = 1; b <= 3; ++b) {
      ASSERT_EQ(
          four->GetRasterBand(b)->RasterIO(GF_Read, 0, 0, four->GetRasterXSize(), four->GetRasterYSize(), pixels.data(),
                                           four->GetRasterXSize(), four->GetRasterYSize(), GDT_UInt16, 0, 0, nullptr),
          CE_None);
      ASSERT_EQ(three->GetRasterBand(b)->RasterIO(GF_Write, 0, 0, four->GetRasterXSize(), four->GetRasterYSize(),
                                                  pixels.data(), four->GetRasterXSize(), four->GetRasterYSize(),
                                                  GDT_UInt16, 0, 0, nullptr),
                CE_None);
    }
  }
  expect_failure(
      [&](YAML::Node& c) {
        c["before"]["path"] = before.string();
        c["before"]["sensor"] = "sentinel2-stack-4band";
        c["after"]["path"] = after.string();
        c["after"]["sensor"] = "sentinel2-stack-4band";
      },
      kExitInput, {after.string(), "nir", "band 4", "3 band(s)"});
}

TEST_F(BadInputTest, SceneWithoutGeoreferencing) {
  // The after bands stripped of CRS and geotransform cannot be placed on the UTM grid.
  const fs::path after = root_ / "after-plain";
  fs::create_directories(after);
  GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
  for (const auto& f : band_files(kAfter)) {
    Dataset source = open_dataset(f, GDAL_OF_RASTER | GDAL_OF_READONLY);
    const int w = source->GetRasterXSize(), h = source->GetRasterYSize();
    Dataset plain(gtiff->Create((after / f.filename()).c_str(), w, h, 1, GDT_UInt16, nullptr));
    ASSERT_TRUE(plain);
    std::vector<std::uint16_t> pixels(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
    ASSERT_EQ(source->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, w, h, pixels.data(), w, h, GDT_UInt16, 0, 0, nullptr),
              CE_None);
    ASSERT_EQ(plain->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, w, h, pixels.data(), w, h, GDT_UInt16, 0, 0, nullptr),
              CE_None);
  }
  expect_failure([&](YAML::Node& c) { c["after"]["path"] = after.string(); }, kExitInput,
                 {after.string(), "coordinate reference system"});
}

TEST_F(BadInputTest, UnknownSensorProfileIsAConfigError) {
  expect_failure([](YAML::Node& c) { c["after"]["sensor"] = "sentinel2-l1d"; }, kExitConfig,
                 {"'sentinel2-l1d'", "not found", "sentinel2-l1c"});
}

TEST_F(BadInputTest, TruncatedGeoTiffInFolderScene) {
  const fs::path after = copy_scene(kAfter, "after");
  const fs::path red = band_file(after, "B04");
  fs::resize_file(red, fs::file_size(red) / 2);
  expect_failure([&](YAML::Node& c) { c["after"]["path"] = after.string(); }, kExitInput, {red.string()});
}

TEST_F(BadInputTest, ScenesThatDoNotOverlap) {
  // The after bands 20 degrees further east: same pixels, somewhere else entirely.
  const fs::path after = root_ / "after-shifted";
  fs::create_directories(after);
  GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
  for (const auto& f : band_files(kAfter)) {
    Dataset source = open_dataset(f, GDAL_OF_RASTER | GDAL_OF_READONLY);
    Dataset copy(gtiff->CreateCopy((after / f.filename()).c_str(), source.get(), FALSE, nullptr, nullptr, nullptr));
    ASSERT_TRUE(copy);
    double gt[6];
    source->GetGeoTransform(gt);
    gt[0] += 20.0;
    copy->SetGeoTransform(gt);
  }
  expect_failure([&](YAML::Node& c) { c["after"]["path"] = after.string(); }, kExitInput,
                 {after.string(), "does not overlap"});
}

TEST_F(BadInputTest, AllNodataAfterScene) {
  const fs::path after = root_ / "after-nodata";
  fs::create_directories(after);
  GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
  const char* options[] = {"COMPRESS=DEFLATE", nullptr};
  for (const auto& f : band_files(kAfter)) {
    Dataset source = open_dataset(f, GDAL_OF_RASTER | GDAL_OF_READONLY);
    Dataset zeros(gtiff->Create((after / f.filename()).c_str(), source->GetRasterXSize(), source->GetRasterYSize(), 1,
                                GDT_UInt16, const_cast<char**>(options)));
    ASSERT_TRUE(zeros);
    double gt[6];
    source->GetGeoTransform(gt);
    zeros->SetGeoTransform(gt);
    zeros->SetSpatialRef(source->GetSpatialRef());
    ASSERT_EQ(zeros->GetRasterBand(1)->Fill(0.0), CE_None);
  }
  expect_failure([&](YAML::Node& c) { c["after"]["path"] = after.string(); }, kExitInput,
                 {after.string(), "no pixel is valid"});
}

// ---------------------------------------------------------------------------------------
// Control units

TEST_F(BadInputTest, UnitsLayerWithoutTypeAttribute) {
  const fs::path units = copy_units("units-no-type.gpkg", "unit_type", [](OGRFeature&) {});
  expect_failure([&](YAML::Node& c) { c["units"]["path"] = units.string(); }, kExitInput,
                 {units.string(), "'unit_type'", "units.fields.type"});
}

TEST_F(BadInputTest, UnitsLayerWithoutTypeAttributeScansWithDefaultType) {
  const fs::path units = copy_units("units-no-type.gpkg", "unit_type", [](OGRFeature&) {});
  YAML::Node config = sample_config(root_ / "out");
  config["units"]["path"] = units.string();
  config["units"]["default_type"] = "一般管控单元";
  const RunResult result = scan(write_config(config, root_ / "default-type.yaml"), root_);
  ASSERT_EQ(result.exit_code, 0) << result;
  const auto layer = read_layer(root_ / "out" / "alerts.gpkg", "units");
  ASSERT_EQ(layer.size(), 13u);
  for (const auto& unit : layer) EXPECT_EQ(unit.at("type"), "general") << unit.at("code");
  EXPECT_EQ(read_json(root_ / "out" / "run.json").at("config").at("units").at("default_type"), "general");
}

TEST_F(BadInputTest, UnknownUnitType) {
  const std::string code = "ZH50011620002";
  const fs::path units = copy_units("units-bad-type.gpkg", "", [&](OGRFeature& f) {
    if (code == f.GetFieldAsString("unit_code")) f.SetField("unit_type", "protected-area");
  });
  expect_failure([&](YAML::Node& c) { c["units"]["path"] = units.string(); }, kExitInput,
                 {units.string(), code, "feature", "'protected-area'", "unit_type"});
}

TEST_F(BadInputTest, SelfIntersectingUnitIsRepairedAndReported) {
  const std::string code = "ZH50011630002";
  const fs::path units = copy_units("units-bow-tie.gpkg", "", [&](OGRFeature& f) {
    if (code != f.GetFieldAsString("unit_code")) return;
    // A bow-tie over the unit's envelope: the ring crosses itself in the middle.
    OGREnvelope e;
    f.GetGeometryRef()->getEnvelope(&e);
    OGRLinearRing ring;
    ring.addPoint(e.MinX, e.MinY);
    ring.addPoint(e.MaxX, e.MaxY);
    ring.addPoint(e.MaxX, e.MinY);
    ring.addPoint(e.MinX, e.MaxY);
    ring.closeRings();
    OGRPolygon bow_tie;
    bow_tie.addRing(&ring);
    ASSERT_FALSE(bow_tie.IsValid());
    f.SetGeometry(&bow_tie);
  });
  const fs::path out = root_ / "out";
  YAML::Node config = sample_config(out);
  config["units"]["path"] = units.string();
  const RunResult result = scan(write_config(config, root_ / "bow-tie.yaml"), root_);
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_NE(result.err.find(code), std::string::npos) << result;
  EXPECT_NE(result.err.find("repaired"), std::string::npos) << result;
  for (const auto& name : kOutputs) EXPECT_TRUE(fs::exists(out / name)) << name;
  const nlohmann::json counts = read_json(out / "run.json").at("counts");
  EXPECT_EQ(counts.at("units_repaired"), 1);
  EXPECT_EQ(counts.at("units"), 13);
  // The repaired unit is written as a valid (multi)polygon.
  Dataset ds = open_dataset(out / "alerts.gpkg", GDAL_OF_VECTOR | GDAL_OF_READONLY);
  ASSERT_TRUE(ds);
  OGRLayer* layer = ds->GetLayerByName("units");
  ASSERT_NE(layer, nullptr);
  int found = 0;
  for (auto& feature : *layer) {
    if (code != feature->GetFieldAsString("code")) continue;
    ++found;
    ASSERT_NE(feature->GetGeometryRef(), nullptr);
    EXPECT_TRUE(feature->GetGeometryRef()->IsValid());
    EXPECT_GT(std::stod(feature->GetFieldAsString("area_m2")), 0.0);
  }
  EXPECT_EQ(found, 1);
}

// ---------------------------------------------------------------------------------------
// Configuration and output folder

TEST_F(BadInputTest, MisspelledConfigKeySuggestsTheRightOne) {
  expect_failure(
      [](YAML::Node& c) {
        c["detection"]["openning_radius"] = c["detection"]["opening_radius"];
        c["detection"].remove("opening_radius");
      },
      kExitConfig, {"'detection.openning_radius'", "did you mean 'detection.opening_radius'"});
}

TEST_F(BadInputTest, MisspelledKeyOnTheCommandLineSuggestsTheRightOne) {
  expect_failure([](YAML::Node&) {}, kExitConfig,
                 {"'detection.threshold.metod'", "did you mean 'detection.threshold.method'"},
                 {"--set", "detection.threshold.metod=fixed"});
}

TEST_F(BadInputTest, UnwritableOutputFolder) {
  const fs::path blocker = root_ / "blocker";
  write_bytes(blocker, "a regular file where the output folder's parent should be\n");
  const fs::path out = blocker / "out";
  YAML::Node config = sample_config(out);
  const RunResult result = scan(write_config(config, root_ / "unwritable.yaml"), root_);
  EXPECT_EQ(result.exit_code, kExitOther) << result;
  EXPECT_NE(result.err.find(out.string()), std::string::npos) << result;
  EXPECT_EQ(read_bytes(blocker), "a regular file where the output folder's parent should be\n");

  // The output path is itself a regular file.
  YAML::Node file_config = sample_config(blocker);
  const RunResult file_result = scan(write_config(file_config, root_ / "file.yaml"), root_);
  EXPECT_EQ(file_result.exit_code, kExitOther) << file_result;
  EXPECT_NE(file_result.err.find(blocker.string()), std::string::npos) << file_result;
  EXPECT_EQ(read_bytes(blocker), "a regular file where the output folder's parent should be\n");
  EXPECT_EQ(entry_names(root_).size(), 3u) << ::testing::PrintToString(entry_names(root_));
}

}  // namespace
}  // namespace zw::e2e
