// Sentinel-2 MTD_MSIL1C.xml / MTD_MSIL2A.xml (inputs/metadata_sentinel2.cpp): the fuzz input
// is the MTD file of a product folder in GDAL's in-memory file system. The product holds an
// (empty) image file for each of the first IMAGE_FILE entries, as real products do, so that
// their names reach the band and resolution parsing.
#include "fuzz_support.hpp"
#include "zonewatch/pipeline/inputs/metadata.hpp"

namespace {

constexpr const char* kProduct = "/vsimem/fuzz/S2B_MSIL2A_20240701T032541.SAFE";

/// The texts of the first `limit` <IMAGE_FILE> elements, found without an XML parser.
std::vector<std::string> image_files(const std::string& xml, std::size_t limit) {
  std::vector<std::string> names;
  const std::string open = "<IMAGE_FILE>", close = "</IMAGE_FILE>";
  for (auto at = xml.find(open); at != std::string::npos && names.size() < limit; at = xml.find(open, at)) {
    at += open.size();
    const auto end = xml.find(close, at);
    if (end == std::string::npos) break;
    names.push_back(xml.substr(at, end - at));
  }
  return names;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  zw::fuzz::init();
  const std::string xml = zw::fuzz::bytes(data, size);
  VSIRmdirRecursive(kProduct);
  const std::string path = std::string(kProduct) + "/MTD_MSIL2A.xml";
  zw::fuzz::write_vsimem(path, xml);
  for (const std::string& name : image_files(xml, 16)) {
    if (name.empty() || name.find("..") != std::string::npos || name.find('\0') != std::string::npos) continue;
    const std::string file = std::string(kProduct) + "/" + name + ".jp2";
    // Folders first (/vsimem/ has them implicitly only for listing, not for stat).
    for (auto slash = file.find('/', std::string(kProduct).size() + 1); slash != std::string::npos;
         slash = file.find('/', slash + 1)) {
      VSIMkdir(file.substr(0, slash).c_str(), 0755);
    }
    (void)zw::fuzz::try_write_vsimem(file, "");
  }
  zw::fuzz::expect_clean([&] {
    const zw::Sentinel2Metadata m = zw::read_sentinel2_mtd(path);
    (void)m.profile_name();
    for (const auto& [band, file] : m.band_files) (void)m.calibration(band);
  });
  return 0;
}
