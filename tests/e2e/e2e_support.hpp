#pragma once
// Helpers shared by the end-to-end tests: a temp folder per test, running the zonewatch
// binary, sample configs with absolute paths, and readers for the outputs (CSV, GeoPackage,
// GeoTIFF, run.json) that do not go through zonewatch's own code.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <gdal_utils.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>
#include "test_paths.hpp"

namespace zw::e2e {

namespace fs = std::filesystem;

inline const fs::path kSourceDir = ZONEWATCH_SOURCE_DIR;
inline const fs::path kBinary = ZONEWATCH_BINARY;
inline const fs::path kSampleDir = kSourceDir / "samples" / "chongqing";
inline const fs::path kSampleConfig = kSourceDir / "configs" / "sample.yaml";

/// The five outputs of a successful scan.
inline const std::vector<std::string> kOutputs{"alerts.gpkg", "hotspots.csv", "hotspots.geojson", "change.tif",
                                               "run.json"};

class GdalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
  }
};

inline std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

inline nlohmann::json read_json(const fs::path& path) { return nlohmann::json::parse(read_bytes(path)); }

/// Names in a folder, sorted (empty when the folder does not exist).
inline std::vector<std::string> entry_names(const fs::path& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// Entries left by zonewatch's staging and work folders.
inline std::vector<std::string> leftover_folders(const fs::path& folder) {
  std::vector<std::string> left;
  for (const auto& name : entry_names(folder)) {
    if (name.starts_with(".zonewatch-")) left.push_back(name);
  }
  return left;
}

/// A fresh folder per test, removed afterwards (kept when ZONEWATCH_KEEP_TEST_DIRS is set).
class TempFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device device;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() / ("zonewatch-e2e-" + std::string(info->name()) + "-" +
                                         std::to_string(::getpid()) + "-" + std::to_string(device()));
    fs::create_directories(root_);
  }
  void TearDown() override {
    if (std::getenv("ZONEWATCH_KEEP_TEST_DIRS") != nullptr) return;
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  fs::path root_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

inline std::ostream& operator<<(std::ostream& os, const RunResult& r) {
  return os << "exit " << r.exit_code << "\n--- stdout\n" << r.out << "\n--- stderr\n" << r.err;
}

/// Runs the program `argv[0]` with `argv` (no shell), capturing stdout and stderr.
inline RunResult run_program(const std::vector<std::string>& args, const fs::path& scratch) {
  static int counter = 0;
  const fs::path out_file = scratch / ("stdout-" + std::to_string(++counter) + ".txt");
  const fs::path err_file = scratch / ("stderr-" + std::to_string(counter) + ".txt");
  std::vector<std::string> argv_strings = args;
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out_fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out_fd < 0 || err_fd < 0) ::_exit(126);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  RunResult result;
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_bytes(out_file);
  result.err = read_bytes(err_file);
  std::error_code ignored;
  fs::remove(out_file, ignored);
  fs::remove(err_file, ignored);
  return result;
}

/// Runs the zonewatch binary with `args` (no shell), capturing stdout and stderr.
inline RunResult run_zonewatch(const std::vector<std::string>& args, const fs::path& scratch) {
  std::vector<std::string> argv{kBinary.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult result = run_program(argv, scratch);
  if (std::getenv("ZONEWATCH_E2E_ECHO") != nullptr)
    std::fprintf(stderr, "[zonewatch exit %d]\n%s", result.exit_code, result.err.c_str());
  return result;
}

/// Starts the zonewatch binary with `args` without waiting (stdout and stderr discarded).
inline pid_t spawn_zonewatch(const std::vector<std::string>& args) {
  std::vector<std::string> argv_strings{kBinary.string()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_WRONLY);
    ::dup2(null_fd, STDOUT_FILENO);
    ::dup2(null_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

/// configs/sample.yaml with every path made absolute and the output folder set to `out`.
inline YAML::Node sample_config(const fs::path& out) {
  YAML::Node config = YAML::LoadFile(kSampleConfig.string());
  config["before"]["path"] = (kSampleDir / "before").string();
  config["after"]["path"] = (kSampleDir / "after").string();
  config["units"]["path"] = (kSampleDir / "units.gpkg").string();
  config["output"]["dir"] = out.string();
  return config;
}

inline fs::path write_config(const YAML::Node& config, const fs::path& path) {
  YAML::Emitter emitter;
  emitter << config;
  write_bytes(path, std::string(emitter.c_str()) + "\n");
  return path;
}

/// Runs `zonewatch scan --config <config> --no-progress` plus `extra`.
inline RunResult scan(const fs::path& config, const fs::path& scratch, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"scan", "--no-progress", "--config", config.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_zonewatch(args, scratch);
}

// ---------------------------------------------------------------------------------------
// CSV

/// RFC 4180 parser (quoted fields, doubled quotes, CRLF or LF line ends); the BOM, if any,
/// must have been stripped.
inline std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

/// A CSV table as header + rows of name -> value.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
};

inline CsvTable read_csv_table(const fs::path& path) {
  std::string text = read_bytes(path);
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
  const auto rows = parse_csv(text);
  CsvTable table;
  if (rows.empty()) return table;
  table.header = rows.front();
  for (std::size_t r = 1; r < rows.size(); ++r) {
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < table.header.size() && i < rows[r].size(); ++i) row[table.header[i]] = rows[r][i];
    table.rows.push_back(std::move(row));
  }
  return table;
}

// ---------------------------------------------------------------------------------------
// GDAL / OGR

struct DatasetCloser {
  void operator()(GDALDataset* ds) const {
    if (ds != nullptr) GDALClose(GDALDataset::ToHandle(ds));
  }
};
using Dataset = std::unique_ptr<GDALDataset, DatasetCloser>;

inline Dataset open_dataset(const fs::path& path, unsigned flags = GDAL_OF_READONLY) {
  return Dataset(GDALDataset::FromHandle(GDALOpenEx(path.c_str(), flags, nullptr, nullptr, nullptr)));
}

/// A single-band raster's pixels as double, row-major.
struct Raster {
  int width = 0, height = 0;
  std::array<double, 6> geotransform{};
  std::string epsg;  // authority code, "" when none
  std::vector<double> values;
};

inline Raster read_raster(const fs::path& path, int band = 1) {
  Raster r;
  Dataset ds = open_dataset(path, GDAL_OF_RASTER | GDAL_OF_READONLY);
  if (!ds) {
    ADD_FAILURE() << path << ": cannot be opened";
    return r;
  }
  r.width = ds->GetRasterXSize();
  r.height = ds->GetRasterYSize();
  ds->GetGeoTransform(r.geotransform.data());
  if (const OGRSpatialReference* srs = ds->GetSpatialRef(); srs != nullptr) {
    OGRSpatialReference copy(*srs);
    copy.AutoIdentifyEPSG();
    const char* code = copy.GetAuthorityCode(nullptr);
    if (code != nullptr) r.epsg = code;
  }
  r.values.resize(static_cast<std::size_t>(r.width) * static_cast<std::size_t>(r.height));
  if (ds->GetRasterBand(band)->RasterIO(GF_Read, 0, 0, r.width, r.height, r.values.data(), r.width, r.height,
                                        GDT_Float64, 0, 0, nullptr) != CE_None) {
    ADD_FAILURE() << path << ": read failed";
  }
  return r;
}

/// Every attribute of every feature of a layer, as text, in layer order; geometry as ISO WKT
/// under the key "@geometry" when `with_geometry`.
/// SQLite's PRAGMA integrity_check through GDAL ("ok" when the file is sound).
inline std::string integrity_check(const fs::path& gpkg) {
  Dataset ds = open_dataset(gpkg, GDAL_OF_VECTOR | GDAL_OF_READONLY);
  if (!ds) return "cannot open";
  OGRLayer* result = ds->ExecuteSQL("PRAGMA integrity_check", nullptr, nullptr);
  if (result == nullptr) return "no result";
  std::string text;
  for (auto& feature : *result) text += feature->GetFieldAsString(0);
  ds->ReleaseResultSet(result);
  return text;
}

/// gdal_translate through the C API (`args` as on its command line); fails the test on error.
inline void translate(const fs::path& src, const fs::path& dst, std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  GDALTranslateOptions* options = GDALTranslateOptionsNew(argv.data(), nullptr);
  Dataset in = open_dataset(src, GDAL_OF_RASTER | GDAL_OF_READONLY);
  ASSERT_TRUE(in) << src;
  int usage_error = 0;
  GDALDatasetH out = GDALTranslate(dst.c_str(), GDALDataset::ToHandle(in.get()), options, &usage_error);
  GDALTranslateOptionsFree(options);
  ASSERT_NE(out, nullptr) << dst;
  GDALClose(out);
}

/// Expects two change maps (or any one-band rasters) to be equal pixel for pixel, naming the
/// first differing pixel.
inline void expect_same_raster(const fs::path& reference, const fs::path& other) {
  const Raster a = read_raster(reference), b = read_raster(other);
  ASSERT_EQ(a.width, b.width) << other;
  ASSERT_EQ(a.height, b.height) << other;
  EXPECT_EQ(a.geotransform, b.geotransform) << other;
  std::size_t differing = 0, first = 0;
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    if (a.values[i] != b.values[i] && differing++ == 0) first = i;
  }
  EXPECT_EQ(differing, 0u) << other << " differs, first at column " << first % static_cast<std::size_t>(a.width)
                           << " row " << first / static_cast<std::size_t>(a.width);
}

inline std::vector<std::map<std::string, std::string>> read_layer(const fs::path& path, const std::string& layer_name,
                                                                  bool with_geometry = false) {
  std::vector<std::map<std::string, std::string>> features;
  Dataset ds = open_dataset(path, GDAL_OF_VECTOR | GDAL_OF_READONLY);
  if (!ds) {
    ADD_FAILURE() << path << ": cannot be opened";
    return features;
  }
  OGRLayer* layer = ds->GetLayerByName(layer_name.c_str());
  if (layer == nullptr) {
    ADD_FAILURE() << path << ": no layer " << layer_name;
    return features;
  }
  OGRFeatureDefn* definition = layer->GetLayerDefn();
  layer->ResetReading();
  for (auto& feature : *layer) {
    std::map<std::string, std::string> row;
    for (int i = 0; i < definition->GetFieldCount(); ++i) {
      row[definition->GetFieldDefn(i)->GetNameRef()] =
          feature->IsFieldSetAndNotNull(i) ? feature->GetFieldAsString(i) : "<null>";
    }
    if (with_geometry && feature->GetGeometryRef() != nullptr) {
      char* wkt = nullptr;
      feature->GetGeometryRef()->exportToWkt(&wkt, wkbVariantIso);
      row["@geometry"] = wkt != nullptr ? wkt : "";
      CPLFree(wkt);
    }
    features.push_back(std::move(row));
  }
  return features;
}

/// An axis-aligned rectangle, in the units of a layer's CRS.
struct Rect {
  double min_x = 0, min_y = 0, max_x = 0, max_y = 0;
  [[nodiscard]] double area() const { return (max_x - min_x) * (max_y - min_y); }
};

inline OGRPolygon rect_polygon(const Rect& r) {
  OGRLinearRing ring;
  ring.addPoint(r.min_x, r.min_y);
  ring.addPoint(r.max_x, r.min_y);
  ring.addPoint(r.max_x, r.max_y);
  ring.addPoint(r.min_x, r.max_y);
  ring.closeRings();
  OGRPolygon polygon;
  polygon.addRing(&ring);
  return polygon;
}

/// A control unit drawn as a rectangle.
struct RectUnit {
  std::string code, name, type, region;
  Rect rect;
};

/// A GeoPackage with layer "units" (unit_code, unit_name, unit_type, region) in `srs`.
inline void write_rect_units(const fs::path& gpkg, const OGRSpatialReference& srs, const std::vector<RectUnit>& units) {
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
  Dataset ds(driver->Create(gpkg.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  ASSERT_TRUE(ds) << gpkg;
  OGRSpatialReference layer_srs(srs);  // CreateLayer takes a non-const SRS in GDAL 3.6
  OGRLayer* layer = ds->CreateLayer("units", &layer_srs, wkbPolygon, nullptr);
  ASSERT_NE(layer, nullptr) << gpkg;
  for (const char* name : {"unit_code", "unit_name", "unit_type", "region"}) {
    OGRFieldDefn field(name, OFTString);
    layer->CreateField(&field);
  }
  for (const RectUnit& u : units) {
    OGRFeature feature(layer->GetLayerDefn());
    feature.SetField("unit_code", u.code.c_str());
    feature.SetField("unit_name", u.name.c_str());
    feature.SetField("unit_type", u.type.c_str());
    feature.SetField("region", u.region.c_str());
    OGRPolygon polygon = rect_polygon(u.rect);
    feature.SetGeometry(&polygon);
    ASSERT_EQ(layer->CreateFeature(&feature), OGRERR_NONE) << u.code;
  }
}

inline long long feature_count(const fs::path& path, const std::string& layer_name) {
  Dataset ds = open_dataset(path, GDAL_OF_VECTOR | GDAL_OF_READONLY);
  if (!ds) return -1;
  OGRLayer* layer = ds->GetLayerByName(layer_name.c_str());
  return layer == nullptr ? -1 : static_cast<long long>(layer->GetFeatureCount(TRUE));
}

/// `sha256sum FILE` through the shell, independent of zonewatch's own SHA-256.
inline std::string sha256sum(const fs::path& path) {
  const std::string command = "sha256sum '" + path.string() + "'";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  char buffer[256]{};
  std::string output;
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  ::pclose(pipe);
  return output.substr(0, output.find(' '));
}

}  // namespace zw::e2e
