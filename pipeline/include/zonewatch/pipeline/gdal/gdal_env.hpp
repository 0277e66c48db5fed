#pragma once
// GDAL set-up and the route of GDAL's errors into zw exceptions.
#include <memory>
#include <string>
#include <vector>

#include <cpl_minixml.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

namespace zw {

/// Registers GDAL drivers once and installs an error handler that keeps the last GDAL
/// error message per thread (GDAL itself would print to stderr).
void init_gdal();

/// Sets GDAL_NUM_THREADS (GDAL's decoding threads) to the run's thread limit
/// (core/concurrency.hpp); main calls it once the limit of `--threads` is in force.
void limit_gdal_threads();

/// The last GDAL error message of this thread ("" when none), cleared by the call.
std::string take_gdal_error();

/// " (GDAL: <message>)" when GDAL said something, else "".
std::string gdal_error_suffix();

/// GDAL's name of a pixel type ("Byte", "UInt16", "Float32", ...) for messages.
std::string gdal_type_name(GDALDataType type);

struct GdalDatasetCloser {
  void operator()(GDALDataset* ds) const { GDALClose(GDALDataset::ToHandle(ds)); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, GdalDatasetCloser>;

/// A parsed XML tree (CPLParseXMLString, CPLParseXMLFile), freed with it.
struct XmlDeleter {
  void operator()(CPLXMLNode* node) const { CPLDestroyXMLNode(node); }
};
using XmlPtr = std::unique_ptr<CPLXMLNode, XmlDeleter>;

/// Opens a raster read-only; throws InputError naming the file when it is missing or not
/// a raster GDAL can read.
DatasetPtr open_raster(const std::string& path);

/// Opens a vector source read-only; throws InputError naming the file.
DatasetPtr open_vector(const std::string& path);

/// What GDAL's virtual file layer says of a path (plain files, /vsizip/, /vsicurl/ ...).
struct VsiPathStat {
  bool exists = false, is_dir = false;
};
VsiPathStat vsi_stat(const std::string& path);
/// The names in a folder of GDAL's virtual file layer, sorted, without "." and "..".
std::vector<std::string> vsi_list_dir(const std::string& dir);

/// Spatial reference from any user text GDAL understands ("EPSG:32648", WKT, PROJ);
/// traditional GIS axis order (x = easting/longitude). Throws ConfigError naming `what`.
OGRSpatialReference spatial_reference_from_user_input(const std::string& text, const std::string& what);

}  // namespace zw
