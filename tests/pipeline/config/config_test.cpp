// Scan configuration: the sample config, defaults, command-line overrides, path resolution
// and every kind of config error (exit 2 in the CLI), with the key named in the message.
#include "zonewatch/pipeline/config/config.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_paths.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;
using kernels::ChangeType;
using kernels::ThresholdMethod;

const fs::path kSourceDir = ZONEWATCH_SOURCE_DIR;

constexpr const char* kMinimal = R"(
before: {path: scenes/2020, date: 2020-05-01, sensor: sentinel2-l2a}
after: {path: scenes/2021, date: 2021-05-03, sensor: sentinel2-l2a}
units: {path: units.gpkg}
output: {dir: results}
)";

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device device;
    root_ = fs::temp_directory_path() /
            ("zonewatch-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    fs::create_directories(root_ / "configs");
    cwd_ = fs::current_path();
  }
  void TearDown() override {
    fs::current_path(cwd_);
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  fs::path write(const std::string& text, const std::string& name = "scan.yaml") {
    const fs::path path = root_ / "configs" / name;
    std::ofstream(path) << text;
    return path;
  }

  ScanConfig load(const std::string& text, const std::vector<std::string>& overrides = {}) {
    return load_scan_config(write(text), overrides);
  }

  /// Expects `E` whose message holds every one of `parts`.
  template <class E = ConfigError>
  void expect_error(const std::string& text, const std::vector<std::string>& overrides,
                    const std::vector<std::string>& parts) {
    try {
      (void)load(text, overrides);
      ADD_FAILURE() << "no error for:\n" << text << ::testing::PrintToString(overrides);
    } catch (const E& e) {
      for (const auto& part : parts) {
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << "'" << part << "' not in: " << e.what();
      }
    }
  }

  fs::path root_, cwd_;
};

// ---------------------------------------------------------------------------------------
// The sample

TEST_F(ConfigTest, SampleConfigResolvesPathsAgainstItsOwnFolder) {
  const ScanConfig c = load_scan_config(kSourceDir / "configs" / "sample.yaml", {});
  const fs::path samples = (kSourceDir / "samples" / "chongqing").lexically_normal();
  EXPECT_EQ(c.name, "chongqing-sample");
  EXPECT_EQ(c.before.path, (samples / "before").string());
  EXPECT_EQ(c.after.path, (samples / "after").string());
  EXPECT_EQ(c.units.path, (samples / "units.gpkg").string());
  EXPECT_EQ(c.output.dir, (kSourceDir / "out" / "sample").lexically_normal().string());
  EXPECT_EQ(c.config_dir, fs::absolute(kSourceDir / "configs"));
  EXPECT_EQ(c.before.date, "2017-04-14");
  EXPECT_EQ(c.after.date, "2018-04-02");
  EXPECT_EQ(c.before.sensor, "sentinel2-l1c");
  EXPECT_EQ(c.after.sensor, "sentinel2-l1c");
}

TEST_F(ConfigTest, SampleConfigValues) {
  const ScanConfig c = load_scan_config(kSourceDir / "configs" / "sample.yaml", {});
  EXPECT_EQ(c.units.layer, "units");
  EXPECT_EQ(c.units.code_field, "unit_code");
  EXPECT_EQ(c.units.type_field, "unit_type");
  EXPECT_FALSE(c.units.default_type.has_value());
  EXPECT_EQ(c.grid.crs, "EPSG:32648");
  EXPECT_EQ(c.grid.resolution, 10.0);
  EXPECT_EQ(c.detection.threshold.method, ThresholdMethod::otsu);
  EXPECT_EQ(c.detection.threshold.min, 2.0);
  EXPECT_EQ(c.detection.opening_radius, 1);
  EXPECT_EQ(c.detection.min_mapping_unit_m2, 400.0);
  EXPECT_FLOAT_EQ(c.detection.typing.vegetation_min_greenness_drop, 0.15f);
  EXPECT_EQ(c.detection.typing.order,
            (std::vector<ChangeType>{ChangeType::water_loss, ChangeType::water_gain, ChangeType::blue_roof,
                                     ChangeType::mining, ChangeType::construction, ChangeType::vegetation_loss}));
  EXPECT_FLOAT_EQ(c.detection.typing.mining_min_slope_deg, 8.0f);
  EXPECT_FLOAT_EQ(c.detection.typing.dumping_min_texture, 0.15f);
  EXPECT_FLOAT_EQ(c.detection.typing.blue_roof.min_blue_share, 0.40f);
  EXPECT_EQ(c.detection.typing.texture_radius, 2);
  EXPECT_TRUE(c.detection.terrain_dem.empty()) << "the sample has no DEM: mining does not fire";

  const UnitRule& priority = c.rules.by_type[static_cast<int>(UnitType::priority)];
  EXPECT_EQ(priority.flag_changed_area_m2, 1000.0);
  EXPECT_EQ(priority.flag_changed_share, 0.005);
  EXPECT_EQ(priority.severity_high_m2, 2000.0);
  EXPECT_EQ(priority.change_types.size(), 9u);
  EXPECT_TRUE(priority.alerts_on(ChangeType::other));
  EXPECT_TRUE(priority.alerts_on(ChangeType::mining));
  EXPECT_EQ(priority.severity_high_types, std::vector<ChangeType>{ChangeType::mining});
  const UnitRule& key = c.rules.by_type[static_cast<int>(UnitType::key)];
  EXPECT_EQ(key.flag_changed_area_m2, 10000.0);
  EXPECT_FALSE(key.alerts_on(ChangeType::other));
  EXPECT_TRUE(key.alerts_on(ChangeType::construction));
  EXPECT_TRUE(key.alerts_on(ChangeType::dumping));
  EXPECT_TRUE(key.severity_high_types.empty());
  EXPECT_FALSE(c.rules.by_type[static_cast<int>(UnitType::general)].alerts_on(ChangeType::dumping));
  EXPECT_EQ(c.rules.by_type[static_cast<int>(UnitType::general)].severity_medium_m2, 2000.0);

  EXPECT_EQ(c.processing.memory_mb, 1024u);
  EXPECT_EQ(c.processing.tile_size, 0);
  EXPECT_EQ(c.processing.threads, 0);
}

TEST_F(ConfigTest, UnitOverrideStartsFromTheRuleOfTheUnitsType) {
  const ScanConfig c = load_scan_config(kSourceDir / "configs" / "sample.yaml", {});
  const std::string code = "ZH50010710002";
  ASSERT_EQ(c.rules.overrides.count(code), 1u);
  for (UnitType type : {UnitType::priority, UnitType::key, UnitType::general}) {
    const UnitRule& rule = c.rules.for_unit(code, type);
    const UnitRule& base = c.rules.by_type[static_cast<int>(type)];
    EXPECT_EQ(rule.flag_changed_area_m2, 300.0) << to_string(type);
    EXPECT_EQ(rule.flag_greenness_decline, 0.02) << to_string(type);
    EXPECT_EQ(rule.flag_changed_share, base.flag_changed_share) << to_string(type);
    EXPECT_EQ(rule.severity_high_m2, base.severity_high_m2) << to_string(type);
    EXPECT_EQ(rule.change_types, base.change_types) << to_string(type);
  }
  EXPECT_EQ(&c.rules.for_unit("ZH50011630001", UnitType::general),
            &c.rules.by_type[static_cast<int>(UnitType::general)]);
}

TEST_F(ConfigTest, ResolvedJsonHoldsTheEffectiveConfiguration) {
  const ScanConfig c = load_scan_config(kSourceDir / "configs" / "sample.yaml", {"detection.threshold.method=fixed"});
  EXPECT_EQ(c.resolved.at("name"), "chongqing-sample");
  EXPECT_EQ(c.resolved.at("before").at("path"), c.before.path);
  EXPECT_EQ(c.resolved.at("detection").at("threshold").at("method"), "fixed");
  EXPECT_EQ(c.resolved.at("rules").at("key").at("flag_changed_area_m2"), 10000.0);
  EXPECT_EQ(c.resolved.at("rules").at("overrides").at("ZH50010710002").at("general").at("flag_changed_area_m2"), 300.0);
  EXPECT_EQ(c.resolved.at("output").at("dir"), c.output.dir);
  EXPECT_TRUE(c.resolved.at("units").at("default_type").is_null());
  // It is the typed config as JSON: a scene's date filled in later shows when rebuilt.
  EXPECT_EQ(to_json(c).dump(), c.resolved.dump());
  ScanConfig filled = c;
  filled.before.date = "2017-04-14";
  EXPECT_EQ(to_json(filled).at("before").at("date"), "2017-04-14");
}

// ---------------------------------------------------------------------------------------
// Defaults, overrides and paths

TEST_F(ConfigTest, OmittedSectionsTakeDefaults) {
  const ScanConfig c = load(kMinimal);
  EXPECT_EQ(c.name, "scan") << "the config file's stem";
  EXPECT_EQ(c.units.layer, "");
  EXPECT_EQ(c.units.region_field, "region");
  EXPECT_EQ(c.grid.crs, "");
  EXPECT_EQ(c.grid.resolution, 0.0);
  EXPECT_EQ(c.detection.threshold.method, ThresholdMethod::otsu);
  EXPECT_EQ(c.detection.opening_radius, 1);
  EXPECT_EQ(c.rules.by_type[static_cast<int>(UnitType::priority)].flag_changed_area_m2, 1000.0);
  EXPECT_EQ(c.rules.by_type[static_cast<int>(UnitType::general)].flag_changed_area_m2, 10000.0);
  EXPECT_TRUE(c.rules.overrides.empty());
  EXPECT_EQ(c.processing.memory_mb, 1024u);
  // Relative paths: against the config file's folder.
  EXPECT_EQ(c.before.path, (root_ / "configs" / "scenes" / "2020").string());
  EXPECT_EQ(c.units.path, (root_ / "configs" / "units.gpkg").string());
  EXPECT_EQ(c.output.dir, (root_ / "configs" / "results").string());
}

TEST_F(ConfigTest, CommandLineOverridesWinOverTheFile) {
  const ScanConfig c =
      load(kMinimal, {"detection.threshold.method=k_sigma", "detection.threshold.k=2.5",
                      "rules.key.change_types=[construction, water_gain]", "rules.overrides.ZH1.severity.high_m2=99999",
                      "processing.tile_size=256", "name=override test", "after.date=2021-06-01"});
  EXPECT_EQ(c.detection.threshold.method, ThresholdMethod::k_sigma);
  EXPECT_EQ(c.detection.threshold.k, 2.5);
  EXPECT_EQ(load(kMinimal, {"detection.threshold.method=min_error"}).detection.threshold.method,
            ThresholdMethod::min_error);
  EXPECT_EQ(c.rules.by_type[static_cast<int>(UnitType::key)].change_types,
            (std::vector<ChangeType>{ChangeType::construction, ChangeType::water_gain}));
  EXPECT_EQ(c.rules.for_unit("ZH1", UnitType::general).severity_high_m2, 99999.0);
  EXPECT_EQ(c.processing.tile_size, 256);
  EXPECT_EQ(c.name, "override test");
  EXPECT_EQ(c.after.date, "2021-06-01");
}

TEST_F(ConfigTest, WithoutAConfigFileEverythingComesFromTheCommandLine) {
  fs::current_path(root_);
  const ScanConfig c = load_scan_config(
      "", {"before.path=b.tif", "before.date=2019-01-01", "before.sensor=rgb", "after.path=/data/a.tif",
           "after.date=2019-02-01", "after.sensor=rgb", "units.path=u.shp", "output.dir=out"});
  EXPECT_EQ(c.name, "scan");
  EXPECT_EQ(c.before.path, (root_ / "b.tif").string());
  EXPECT_EQ(c.after.path, "/data/a.tif");
  EXPECT_EQ(c.units.path, (root_ / "u.shp").string());
  EXPECT_EQ(c.output.dir, (root_ / "out").string());
}

TEST_F(ConfigTest, RelativePathsOnTheCommandLineAreRelativeToTheWorkingFolder) {
  // `zonewatch scan -c configs/scan.yaml --out results` writes to ./results, as any shell
  // user expects; only paths written in the file are relative to the file's folder.
  fs::create_directories(root_ / "work");
  const fs::path config = write(kMinimal);
  fs::current_path(root_ / "work");
  const ScanConfig c = load_scan_config(config, {"output.dir=results/2021", "before.path=../data/b",
                                                 "units.path=u.gpkg", "before.sensor=profiles/mine.yaml"});
  EXPECT_EQ(c.output.dir, (root_ / "work" / "results" / "2021").string());
  EXPECT_EQ(c.before.path, (root_ / "data" / "b").string());
  EXPECT_EQ(c.units.path, (root_ / "work" / "u.gpkg").string());
  EXPECT_EQ(c.before.sensor, (root_ / "work" / "profiles" / "mine.yaml").string());
  // Untouched keys keep the file's folder.
  EXPECT_EQ(c.after.path, (root_ / "configs" / "scenes" / "2021").string());
  EXPECT_EQ(c.after.sensor, "sentinel2-l2a") << "a profile name is not a path";
}

TEST_F(ConfigTest, SensorProfilePathsAreResolvedNamesAreNot) {
  const ScanConfig c = load(R"(
before: {path: b, date: 2020-05-01, sensor: sensors/custom.yaml}
after: {path: a, date: 2021-05-03, sensor: landsat8-oli}
units: {path: u.gpkg}
output: {dir: out}
)");
  EXPECT_EQ(c.before.sensor, (root_ / "configs" / "sensors" / "custom.yaml").string());
  EXPECT_EQ(c.after.sensor, "landsat8-oli");
}

TEST_F(ConfigTest, VsiAndAbsolutePathsAreKeptAsGiven) {
  const ScanConfig c = load(R"(
before: {path: /vsizip/scenes.zip/before.tif, date: 2020-05-01, sensor: rgb}
after: {path: /data/after.tif, date: 2021-05-03, sensor: rgb}
units: {path: /vsicurl/https://example.org/units.gpkg}
output: {dir: /tmp/x/../out}
)");
  EXPECT_EQ(c.before.path, "/vsizip/scenes.zip/before.tif");
  EXPECT_EQ(c.after.path, "/data/after.tif");
  EXPECT_EQ(c.units.path, "/vsicurl/https://example.org/units.gpkg");
  EXPECT_EQ(c.output.dir, "/tmp/out");
}

TEST_F(ConfigTest, DefaultTypeAcceptsEnglishAndChineseNames) {
  const std::string base = kMinimal;
  EXPECT_EQ(load(base, {"units.default_type=general"}).units.default_type, UnitType::general);
  EXPECT_EQ(load(base, {"units.default_type=优先保护单元"}).units.default_type, UnitType::priority);
  EXPECT_EQ(load(base, {"units.default_type=Key"}).units.default_type, UnitType::key);
  expect_error(base, {"units.default_type=protected"}, {"units.default_type", "'protected'"});
}

TEST_F(ConfigTest, DetectionOptionsAloneForEval) {
  const DetectionOptions defaults = load_detection_options("", {});
  EXPECT_EQ(defaults.threshold.method, ThresholdMethod::otsu);
  EXPECT_EQ(defaults.min_mapping_unit_m2, 400.0);
  const DetectionOptions sample =
      load_detection_options(kSourceDir / "configs" / "sample.yaml", {"detection.threshold.min=3"});
  EXPECT_EQ(sample.threshold.min, 3.0);
  EXPECT_EQ(to_json(sample).at("typing"),
            to_json(load_scan_config(kSourceDir / "configs" / "sample.yaml", {}).detection).at("typing"));
  // Keys that eval would not read are refused, not ignored.
  EXPECT_THROW((void)load_detection_options("", {"normalize=irmad"}), UsageError);
  EXPECT_THROW((void)load_detection_options("", {"rules.priority.flag_changed_area_m2=5"}), UsageError);
  const fs::path stray = fs::temp_directory_path() / ("zonewatch-eval-stray-" + std::to_string(::getpid()) + ".yaml");
  { std::ofstream(stray) << "normalize: irmad\n"; }
  try {
    (void)load_detection_options(stray, {});
    ADD_FAILURE() << "top-level key no scan knows accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("normalize"), std::string::npos) << e.what();
  }
  fs::remove(stray);
  try {
    (void)load_detection_options("", {"detection.treshold.min=3"});
    ADD_FAILURE() << "misspelled detection key accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'detection.threshold'"), std::string::npos) << e.what();
  }
}

// ---------------------------------------------------------------------------------------
// Errors

TEST_F(ConfigTest, MisspelledKeysNameTheKeyAndSuggestTheClosest) {
  const std::string base = kMinimal;
  expect_error(base + "outptu: {dir: x}\n", {}, {"scan.yaml", "unknown key 'outptu'", "did you mean 'output'"});
  expect_error(base + "detection: {threshold: {metod: otsu}}\n", {},
               {"'detection.threshold.metod'", "did you mean 'detection.threshold.method'"});
  expect_error(base + "rules: {priority: {flag_changed_are_m2: 5}}\n", {},
               {"'rules.priority.flag_changed_are_m2'", "did you mean 'rules.priority.flag_changed_area_m2'"});
  expect_error(base + "rules: {overrides: {ZH1: {severity: {hihg_m2: 5}}}}\n", {},
               {"'rules.overrides.ZH1.severity.hihg_m2'", "did you mean 'rules.overrides.ZH1.severity.high_m2'"});
  expect_error(base, {"units.fields.cod=unit_code"}, {"'units.fields.cod'", "did you mean 'units.fields.code'"});
  expect_error(base, {"processing.tile=64"}, {"'processing.tile'"});
  // Nothing close: the known keys are listed.
  expect_error(base, {"processing.zzzzzzzzzzzz=1"}, {"'processing.zzzzzzzzzzzz'", "expected one of", "memory_mb"});
}

TEST_F(ConfigTest, WrongValueTypesNameTheKey) {
  const std::string base = kMinimal;
  expect_error(base, {"detection.opening_radius=two"}, {"'detection.opening_radius'", "an integer", "two"});
  expect_error(base, {"detection.threshold.value=[1, 2]"}, {"'detection.threshold.value'", "a number"});
  expect_error(base, {"detection.typing.report_other=maybe"}, {"'detection.typing.report_other'", "true or false"});
  expect_error(base, {"before.path=[a, b]"}, {"'before.path'", "a text value"});
  expect_error(base + "grid: EPSG:4326\n", {}, {"'grid'", "mapping"});
}

TEST_F(ConfigTest, OutOfRangeValuesNameTheKeyAndRange) {
  const std::string base = kMinimal;
  expect_error(base, {"detection.opening_radius=11"}, {"'detection.opening_radius'", "between"});
  expect_error(base, {"detection.closing_radius=11"}, {"'detection.closing_radius'", "between"});
  expect_error(base, {"detection.min_mapping_unit_m2=-1"}, {"'detection.min_mapping_unit_m2'"});
  expect_error(base, {"detection.typing.water_threshold=2"}, {"'detection.typing.water_threshold'"});
  expect_error(base, {"rules.general.flag_changed_share=1.5"}, {"'rules.general.flag_changed_share'"});
  expect_error(base, {"rules.key.severity.medium_m2=9000", "rules.key.severity.high_m2=100"},
               {"'rules.key.severity'", "medium_m2 must not exceed high_m2"});
  expect_error(base, {"processing.memory_mb=10"}, {"'processing.memory_mb'"});
  expect_error(base, {"processing.tile_size=-1"}, {"'processing.tile_size'"});
  expect_error(base, {"processing.threads=5000"}, {"'processing.threads'"});
  expect_error(base, {"grid.resolution=-10"}, {"'grid.resolution'"});
  expect_error(base, {"detection.typing.mining_min_slope_deg=95"}, {"'detection.typing.mining_min_slope_deg'"});
  expect_error(base, {"detection.typing.texture_radius=0"}, {"'detection.typing.texture_radius'"});
  expect_error(base, {"detection.typing.blue_roof_min_blue_share=1.5"},
               {"'detection.typing.blue_roof_min_blue_share'"});
  expect_error(base, {"detection.typing.dumping_min_texture=-0.1"}, {"'detection.typing.dumping_min_texture'"});
}

TEST_F(ConfigTest, NewChangeTypesPerUnitTypeAndTheTerrainDem) {
  const ScanConfig c =
      load(std::string(kMinimal) + "terrain: {dem: dem/srtm.tif}\n",
           {"rules.key.change_types=[dumping, construction]", "rules.general.severity.high_types=[mining]",
            "detection.typing.mining_min_slope_deg=12", "detection.typing.order=[blue_roof, mining]"});
  EXPECT_EQ(c.detection.terrain_dem, (root_ / "configs" / "dem" / "srtm.tif").string());
  EXPECT_EQ(c.resolved.at("terrain").at("dem"), c.detection.terrain_dem);
  EXPECT_FLOAT_EQ(c.detection.typing.mining_min_slope_deg, 12.0f);
  EXPECT_EQ(c.detection.typing.order, (std::vector<ChangeType>{ChangeType::blue_roof, ChangeType::mining}));
  const UnitRule& key = c.rules.by_type[static_cast<int>(UnitType::key)];
  EXPECT_TRUE(key.alerts_on(ChangeType::dumping));
  EXPECT_FALSE(key.alerts_on(ChangeType::mining));
  EXPECT_EQ(c.rules.by_type[static_cast<int>(UnitType::general)].severity_high_types,
            std::vector<ChangeType>{ChangeType::mining});
  // Defaults: every type alerts; a mine in a priority unit is high at any area.
  const ScanConfig d = load(kMinimal);
  const UnitRule& priority = d.rules.by_type[static_cast<int>(UnitType::priority)];
  EXPECT_EQ(priority.change_types.size(), static_cast<std::size_t>(kernels::kChangeTypeCount - 1));
  EXPECT_EQ(priority.severity_high_types, std::vector<ChangeType>{ChangeType::mining});
  EXPECT_TRUE(d.rules.by_type[static_cast<int>(UnitType::key)].severity_high_types.empty());
  EXPECT_TRUE(d.detection.terrain_dem.empty());
  EXPECT_FALSE(d.resolved.contains("terrain")) << "scans without a DEM keep their identity";
  EXPECT_EQ(d.resolved.at("rules").at("priority").at("severity").at("high_types"), nlohmann::json::array({"mining"}));
}

TEST_F(ConfigTest, BadNamesOfMethodsTypesAndRuleOrder) {
  const std::string base = kMinimal;
  expect_error(base, {"detection.threshold.method=mean"}, {"'detection.threshold.method'", "'mean'", "otsu"});
  expect_error(base, {"rules.priority.change_types=[deforestation]"},
               {"'rules.priority.change_types'", "'deforestation'"});
  expect_error(base, {"detection.typing.order=[construction, other]"}, {"'detection.typing.order'", "report_other"});
  expect_error(base, {"rules.key.change_types=[none]"}, {"'rules.key.change_types'", "'none'"});
  expect_error(base, {"detection.typing.order=[water_quality]"}, {"'detection.typing.order'", "water-quality stage"});
  expect_error(base, {"rules.priority.severity.high_types=[quarry]"},
               {"'rules.priority.severity.high_types'", "'quarry'", "mining"});
  expect_error(base, {"terrain.slope=5"}, {"'terrain.slope'"});
}

TEST_F(ConfigTest, DatesMustBeIsoAndInOrder) {
  const std::string base = kMinimal;
  expect_error(base, {"before.date=2020-13-01"}, {"'before.date'", "YYYY-MM-DD", "2020-13-01"});
  expect_error(base, {"after.date=03.05.2021"}, {"'after.date'", "03.05.2021"});
  expect_error(base, {"before.date=2022-01-01"}, {"'after.date'", "earlier than", "'before.date'"});
  EXPECT_NO_THROW((void)load(base, {"after.date=2020-05-01"})) << "same day is allowed";
}

TEST_F(ConfigTest, RequiredKeysAreNamed) {
  expect_error("output: {dir: x}\n", {}, {"'before' is required"});
  expect_error(R"(
before: {date: 2020-05-01, sensor: rgb}
after: {path: a, date: 2021-05-03, sensor: rgb}
units: {path: u}
output: {dir: o}
)",
               {}, {"'before.path' is required"});
  expect_error(R"(
before: {path: b, date: 2020-05-01, sensor: rgb}
after: {path: a, date: 2021-05-03, sensor: rgb}
output: {dir: o}
)",
               {}, {"'units.path' is required"});
  expect_error(R"(
before: {path: b, date: 2020-05-01, sensor: rgb}
after: {path: a, date: 2021-05-03, sensor: rgb}
units: {path: u}
)",
               {}, {"'output.dir' is required"});
}

TEST_F(ConfigTest, DateAndSensorMayComeFromTheProduct) {
  // A Sentinel-2 SAFE folder or a Landsat MTL gives them; the scan fills them in
  // (inspect_scene, complete_scan_config in scan_inputs.hpp), so the config leaves them empty.
  const ScanConfig c = load(R"(
before: {path: LE07_L1TP_195025_20010730_20170204_01_T1_MTL.txt}
after: {path: S2B_MSIL2A_20240701T032541_N0510_R018_T48RXT_20240701T070000.SAFE, date: 2024-07-01}
units: {path: u}
output: {dir: o}
)");
  EXPECT_EQ(c.before.date, "");
  EXPECT_EQ(c.before.sensor, "");
  EXPECT_EQ(c.after.date, "2024-07-01");
  EXPECT_EQ(c.after.sensor, "");
  expect_error("before: {path: b, date: 2020-13-01}\nafter: {path: a}\nunits: {path: u}\noutput: {dir: o}\n", {},
               {"'before.date' must be a date"});
}

// Found by tests/fuzz/scan_config: yaml-cpp threw its own exception for keys that are lists
// or mappings (`? [a, b]: 1`), which left the CLI with an unexplained crash.
TEST_F(ConfigTest, KeysThatAreNotNamesAreConfigErrors) {
  expect_error(std::string(kMinimal) + "? [a, b]\n: 1\n", {}, {"scan.yaml: the top level", "not a name", "[a, b]"});
  expect_error(std::string(kMinimal) + "detection:\n  ? {x: 1}\n  : 2\n", {},
               {"scan.yaml: key 'detection'", "not a name"});
  expect_error(std::string(kMinimal) + "rules:\n  overrides:\n    ? [ZH1]\n    : {general: {}}\n", {},
               {"key 'rules.overrides'", "not a name"});
}

TEST_F(ConfigTest, MalformedOverridesAreUsageErrors) {
  const std::string base = kMinimal;
  expect_error<UsageError>(base, {"detection.opening_radius"}, {"expected KEY=VALUE"});
  expect_error<UsageError>(base, {"detection..opening_radius=1"}, {"malformed key"});
  expect_error<UsageError>(base, {"=1"}, {"empty key"});
  expect_error<UsageError>(base, {"output.dir.first=x"}, {"'dir' is not a section"});
  expect_error<UsageError>(base, {"detection.threshold.method=[otsu"}, {"not valid YAML"});
}

TEST_F(ConfigTest, MissingOrInvalidFileIsAConfigError) {
  try {
    (void)load_scan_config(root_ / "configs" / "absent.yaml", {});
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.yaml: config file not found"), std::string::npos) << e.what();
  }
  expect_error("before: [unclosed\n", {}, {"scan.yaml", "not valid YAML"});
  // YAML::LoadFile on a folder threw std::ios_base::failure ("internal error", exit 1).
  try {
    (void)load_scan_config(root_ / "configs", {});
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("configs: is a folder, not a config file"), std::string::npos) << e.what();
  }
}

TEST_F(ConfigTest, ConfigErrorsMapToExitCodeTwo) {
  EXPECT_EQ(ConfigError("x").exit_code(), 2);
  EXPECT_EQ(UsageError("x").exit_code(), 2);
  EXPECT_EQ(InputError("x").exit_code(), 3);
  EXPECT_EQ(OutputError("x").exit_code(), 1);
  EXPECT_EQ(InternalError("x").exit_code(), 1);
}

}  // namespace
}  // namespace zw
