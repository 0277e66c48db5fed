#pragma once
// Product metadata: the Landsat MTL text file, the Sentinel-2 MTD_MSIL1C/MTD_MSIL2A XML, the
// XML of Chinese sensors (GF-1/GF-6 WFV, GF-2 PMS, CBERS-4) and dates in file names.
// Readers throw InputError whose message starts with the metadata file and names the key.
// Paths may be local or GDAL virtual (/vsizip/...).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zonewatch/kernels/quality.hpp"

namespace zw {

/// A whole text file through GDAL's virtual file layer. InputError when unreadable.
std::string read_text_file(const std::string& path);

/// Parsed MTL: "GROUP = NAME" ... "END_GROUP = NAME" blocks of "KEY = VALUE" lines (values
/// unquoted). Keys are looked up in named groups because Collection 2 Level-2 files repeat
/// key names (REFLECTANCE_MULT_BAND_n) in their Level-1 and Level-2 groups.
class MtlFile {
 public:
  /// Throws InputError naming the file and line for a line that is not KEY = VALUE, an
  /// unbalanced END_GROUP or a file without any group.
  static MtlFile parse(const std::string& text, const std::string& path);
  static MtlFile read(const std::string& path);

  /// The value of `key` in the first of `groups` (innermost group name) that has it; with no
  /// groups, the first occurrence anywhere.
  [[nodiscard]] std::optional<std::string> find(const std::string& key,
                                                const std::vector<std::string>& groups = {}) const;
  /// As find(); InputError "<file>: key '<GROUP>.<KEY>' missing" when absent.
  [[nodiscard]] std::string require(const std::string& key, const std::vector<std::string>& groups = {}) const;
  /// As require(), parsed as a number (InputError naming the key when it is not one).
  [[nodiscard]] double require_number(const std::string& key, const std::vector<std::string>& groups = {}) const;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  struct Entry {
    std::string group, key, value;
  };
  std::string path_;
  std::vector<Entry> entries_;
};

/// What zonewatch takes from a Landsat Collection 1 or 2 MTL file.
struct LandsatMetadata {
  std::string mtl_path;
  std::string product_id;          // LANDSAT_PRODUCT_ID
  int mission = 0;                 // 4, 5, 7, 8, 9 (SPACECRAFT_ID LANDSAT_n)
  std::string sensor_id;           // TM, ETM, OLI_TIRS, OLI
  int collection = 0;              // COLLECTION_NUMBER: 1 or 2
  std::string level;               // DATA_TYPE (C1) / PROCESSING_LEVEL (C2): L1TP, L1GT, L1GS, L2SP, L2SR
  std::string date;                // DATE_ACQUIRED, YYYY-MM-DD
  double sun_elevation_deg = 0.0;  // SUN_ELEVATION
  /// FILE_NAME_BAND_<n> by band name ("1", "6_VCID_1", ...), as paths beside the MTL file.
  std::map<std::string, std::string> band_files;
  std::string quality_file;  // FILE_NAME_BAND_QUALITY (C1) / FILE_NAME_QUALITY_L1_PIXEL (C2); "" if none
  kernels::QualityEncoding quality_encoding = kernels::QualityEncoding::landsat_qa_pixel;

  [[nodiscard]] bool surface_reflectance() const { return level.starts_with("L2"); }
  /// The sensor profile this product needs (configs/sensors): landsat-tm-etm-l1 /
  /// landsat-oli-l1 for Level-1 DNs, landsat5-tm ... landsat9-oli for Level-2 SR.
  [[nodiscard]] std::string profile_name() const;
  /// Reflectance = DN * scale + offset of band `band` ("4"): Level-1 REFLECTANCE_MULT/ADD
  /// divided by sin(SUN_ELEVATION) (USGS Landsat 8 Data Users Handbook, sec. 5.2; the MTL
  /// values are TOA reflectance without the sun-angle correction); Level-2 the SR
  /// REFLECTANCE_MULT/ADD as they are. InputError naming the key when it is missing.
  [[nodiscard]] std::pair<double, double> calibration(const std::string& band) const;

  MtlFile mtl;
};

/// Reads an MTL file. InputError naming the file and key for a missing or malformed key
/// (SPACECRAFT_ID, DATE_ACQUIRED, COLLECTION_NUMBER, the level, SUN_ELEVATION for Level-1),
/// an unsupported mission or collection, and a Collection 1 Level-2 (ESPA) product.
LandsatMetadata read_landsat_mtl(const std::string& mtl_path);

/// The Landsat band number of a profile file token: "B4" -> "4", "SR_B4" -> "4", "B10" -> "10".
/// Empty when the token is not a Landsat band name.
std::string landsat_band_number(const std::string& token);

/// What zonewatch takes from a Sentinel-2 product's MTD_MSIL1C.xml / MTD_MSIL2A.xml.
struct Sentinel2Metadata {
  std::string mtd_path;
  std::string product_dir;          // folder of the MTD file (the .SAFE folder, or a flat folder)
  std::string level;                // "L1C" or "L2A"
  std::string spacecraft;           // SPACECRAFT_NAME, e.g. Sentinel-2A
  std::string date;                 // PRODUCT_START_TIME (or DATATAKE_SENSING_START), YYYY-MM-DD (UTC)
  std::string baseline;             // PROCESSING_BASELINE "NN.NN"
  int baseline_hundredths = 0;      // 0400 for "04.00"
  double quantification = 10000.0;  // QUANTIFICATION_VALUE / BOA_QUANTIFICATION_VALUE
  /// RADIO_ADD_OFFSET / BOA_ADD_OFFSET in DN by band name ("B02"); empty before 04.00.
  std::map<std::string, double> add_offset;
  std::optional<double> nodata;  // Special_Values NODATA
  /// Image files by band name ("B02", "B8A", "SCL", ...), the finest resolution of each:
  /// from the MTD's IMAGE_FILE list, else found under GRANULE/*/IMG_DATA or beside the MTD.
  std::map<std::string, std::string> band_files;

  [[nodiscard]] std::string profile_name() const;
  /// Reflectance = DN * scale + offset of band `band` ("B04"):
  /// scale = 1 / quantification, offset = add_offset / quantification.
  [[nodiscard]] std::pair<double, double> calibration(const std::string& band) const;
};

/// Reads an MTD_MSIL1C.xml / MTD_MSIL2A.xml. InputError naming the file and key when the XML
/// is malformed, PROCESSING_BASELINE or the sensing time is missing, the baseline is not
/// a known one (NN.NN from 02.00 to 05.99), or a 04.00+ product lacks its add offsets.
Sentinel2Metadata read_sentinel2_mtd(const std::string& mtd_path);

/// Satellite, sensor and date from the XML metadata of Chinese sensors: GF-1/GF-2/GF-6
/// (ProductMetaData: SatelliteID, SensorID, CenterTime / StartTime / ReceiveTime) and
/// CBERS-4 (satellite name + number, instrument, viewing center / begin). Fields that are
/// absent stay empty. InputError when the file is not XML.
struct ChineseSensorMetadata {
  std::string satellite;  // GF1, GF2, GF6, CBERS4
  std::string sensor;     // WFV1, PMS2, AWFI, MUX, ...
  std::string date;       // YYYY-MM-DD
  /// The profile for the satellite and sensor (gf1-wfv, gf6-wfv, gf2-pms, cbers4-awfi,
  /// cbers4-mux), or "" when zonewatch has none.
  [[nodiscard]] std::string profile_name() const;
};
ChineseSensorMetadata read_chinese_sensor_xml(const std::string& xml_path);

/// A profile for a file name of a Chinese sensor ("GF1_WFV3_...", "CBERS-4_AWFI_...",
/// "CBERS_4_MUX_..."), or "" when the name does not say.
std::string profile_from_chinese_name(std::string_view file_name);

/// The acquisition date in a file name: YYYY-MM-DD, YYYY_MM_DD or YYYYMMDD (also as the
/// start of YYYYMMDDTHHMMSS), a valid calendar date between 1972 and 2099, delimited by
/// non-digits; the first one when there are several. "" when there is none.
std::string date_from_name(std::string_view name);

}  // namespace zw
