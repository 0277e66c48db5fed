#include "zonewatch/pipeline/gdal/gdal_env.hpp"

#include <algorithm>
#include <filesystem>
#include <mutex>

#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include "zonewatch/pipeline/core/concurrency.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

thread_local std::string last_gdal_error;

void CPL_STDCALL capture_gdal_error(CPLErr severity, CPLErrorNum /*code*/, const char* message) {
  // Warnings and debug output are not errors; CE_Failure and CE_Fatal become the message
  // of the exception the failing call raises.
  if (severity >= CE_Failure && message != nullptr) last_gdal_error = message;
}

}  // namespace

void init_gdal() {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    CPLSetErrorHandler(capture_gdal_error);
    // Let GDAL decode compressed blocks with more than one thread.
    if (CPLGetConfigOption("GDAL_NUM_THREADS", nullptr) == nullptr) {
      CPLSetConfigOption("GDAL_NUM_THREADS", "ALL_CPUS");
    }
  });
}

void limit_gdal_threads() { CPLSetConfigOption("GDAL_NUM_THREADS", gdal_thread_count().c_str()); }

std::string take_gdal_error() {
  std::string message;
  message.swap(last_gdal_error);
  return message;
}

std::string gdal_error_suffix() {
  std::string message = take_gdal_error();
  return message.empty() ? std::string() : " (GDAL: " + message + ")";
}

std::string gdal_type_name(GDALDataType type) {
  const char* name = GDALGetDataTypeName(type);
  return name != nullptr ? name : "Unknown";
}

namespace {

/// Opens `path` read-only with `kind` (GDAL_OF_RASTER or GDAL_OF_VECTOR); InputError naming
/// the file when it is missing or GDAL cannot read it as `what`.
GDALDataset* open_readonly(const std::string& path, unsigned kind, const char* what) {
  init_gdal();
  std::error_code ec;
  if (!path.starts_with("/vsi") && !std::filesystem::exists(path, ec)) {
    throw InputError(path + ": file not found");
  }
  take_gdal_error();
  auto* ds = GDALDataset::FromHandle(GDALOpenEx(path.c_str(), kind | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (ds == nullptr) throw InputError(path + ": not " + what + " GDAL can read" + gdal_error_suffix());
  return ds;
}

}  // namespace

DatasetPtr open_raster(const std::string& path) {
  GDALDataset* ds = open_readonly(path, GDAL_OF_RASTER, "a raster");
  if (ds->GetRasterCount() == 0) {
    GDALClose(ds);
    throw InputError(path + ": has no raster bands");
  }
  return DatasetPtr(ds);
}

DatasetPtr open_vector(const std::string& path) {
  return DatasetPtr(open_readonly(path, GDAL_OF_VECTOR, "a vector source"));
}

OGRSpatialReference spatial_reference_from_user_input(const std::string& text, const std::string& what) {
  init_gdal();
  OGRSpatialReference srs;
  take_gdal_error();
  if (srs.SetFromUserInput(text.c_str()) != OGRERR_NONE) {
    throw ConfigError(what + ": '" + text + "' is not a coordinate reference system" + gdal_error_suffix());
  }
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

VsiPathStat vsi_stat(const std::string& path) {
  VSIStatBufL stat{};
  if (VSIStatL(path.c_str(), &stat) != 0) return {};
  return {true, VSI_ISDIR(stat.st_mode)};
}

std::vector<std::string> vsi_list_dir(const std::string& dir) {
  const CPLStringList names(VSIReadDir(dir.c_str()));
  std::vector<std::string> result;
  for (int i = 0; i < names.size(); ++i) {
    const std::string n = names[i];
    if (n != "." && n != "..") result.push_back(n);
  }
  std::sort(result.begin(), result.end());
  return result;
}

}  // namespace zw
