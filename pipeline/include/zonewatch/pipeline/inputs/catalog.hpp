#pragma once
// The scene catalog: real products as they arrive. Finds the scenes of a period in folders
// (searched recursively) or catalog files, reads date, sensor and calibration from each
// product's own metadata, attaches its quality (cloud) band, and says what it took and what
// it skipped and why (logger "catalog").
//
// Products it understands:
//   Sentinel-2 L1C / L2A   .SAFE folders or flat folders with MTD_MSIL1C.xml / MTD_MSIL2A.xml:
//                          date, processing baseline, RADIO_/BOA_ADD_OFFSET and
//                          QUANTIFICATION_VALUE per band, NODATA; L2A's SCL as quality band
//   Landsat 4-9 C1 / C2    band-per-file GeoTIFFs with *_MTL.txt (several scenes may share a
//                          folder; files are grouped by product ID): date, mission, level,
//                          REFLECTANCE_MULT/ADD (and SUN_ELEVATION for Level-1 TOA), BQA /
//                          QA_PIXEL as quality band
//   GF-1/GF-6 WFV, GF-2 PMS, CBERS-4 AWFI/MUX
//                          multi-band or per-band GeoTIFFs (CBERS-4_AWFI_022024_B13_2018-02-02.tif,
//                          CBERS_4_AWFI_20180202_157_135_L4_BAND13.tif, GF1_WFV3_..._20130614_...tiff)
//                          with the XML beside them or a date in the file name; CMASK as
//                          quality band where provided
//   generic stacks         any other raster (GeoTIFF, ENVI, ...) with a date in its name and
//                          the profile given as CatalogOptions::sensor
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/config/sensor_profile.hpp"
#include "zonewatch/pipeline/inputs/scene.hpp"

namespace zw {

/// An inclusive range of acquisition dates.
struct DateRange {
  std::string first, last;  // YYYY-MM-DD

  [[nodiscard]] bool contains(const std::string& yyyy_mm_dd) const;
  /// "2024-06-01..2024-09-30". Throws ConfigError starting with `where` (the config key)
  /// when the text is not two valid dates joined by "..", or the first is after the last.
  static DateRange parse(const std::string& text, const std::string& where);
  [[nodiscard]] std::string to_string() const { return first + ".." + last; }
};

struct CatalogOptions {
  /// Folders (searched recursively) or catalog files (.csv, or .yaml/.yml: entries of
  /// path, date, sensor; date and sensor may be empty to read them from the product).
  std::vector<std::string> sources;
  /// Profile for generic stacks (and for products whose metadata names no sensor zonewatch
  /// has a profile for); empty = from the metadata.
  std::string sensor;
};

struct SkippedScene {
  std::string path, reason;
};

struct Discovery {
  std::vector<Scene> scenes;  // sorted by date then path; each fully resolved
  std::vector<SkippedScene> skipped;
};

/// Finds the scenes acquired within `period`. Each comes out resolved: bands by role,
/// options.date (YYYY-MM-DD), options.sensor and profile with the product's own scale,
/// offset and nodata, and its quality band. Scenes found in folders that cannot be used
/// (no date, unknown sensor, missing or mismatched bands, broken metadata, outside the
/// period) are skipped with the reason; catalog-file entries are explicit, so a broken one
/// is an error (InputError naming the catalog file and line). Throws InputError for a
/// source that does not exist and ConfigError for a profile that does not.
Discovery discover_scenes(const CatalogOptions& options, const DateRange& period,
                          const std::vector<std::filesystem::path>& sensor_dirs);

}  // namespace zw
