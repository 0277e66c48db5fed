// Metadata of Chinese sensors (GF-1/GF-6 WFV, GF-2 PMS, CBERS-4 AWFI/MUX): their XML and the
// sensor a file name gives.
#include <algorithm>

#include <cpl_minixml.h>

#include "metadata_parsing.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/inputs/metadata.hpp"

namespace zw {

namespace {

using inputs_detail::date_prefix;
using inputs_detail::elements;
using inputs_detail::first_text;
using inputs_detail::parse_xml;
using inputs_detail::XmlPtr;
using text::upper;

}  // namespace

std::string ChineseSensorMetadata::profile_name() const {
  const std::string sat = upper(satellite), sen = upper(sensor);
  if ((sat == "GF1" || sat == "GF6") && sen.starts_with("WFV")) return sat == "GF1" ? "gf1-wfv" : "gf6-wfv";
  if (sat == "GF2" && (sen.starts_with("PMS") || sen == "MSS")) return "gf2-pms";
  if (sat == "CBERS4" || sat == "CBERS-4") {
    if (sen.find("AWFI") != std::string::npos || sen == "WFI") return "cbers4-awfi";
    if (sen.find("MUX") != std::string::npos) return "cbers4-mux";
  }
  return {};
}

ChineseSensorMetadata read_chinese_sensor_xml(const std::string& xml_path) {
  const XmlPtr root = parse_xml(xml_path);
  ChineseSensorMetadata m;
  m.satellite = upper(first_text(root.get(), "SatelliteID"));
  m.sensor = upper(first_text(root.get(), "SensorID"));
  if (m.satellite.empty()) {
    // CBERS (INPE): <satellite><name>CBERS</name><number>4</number><instrument>AWFI</instrument>
    for (const CPLXMLNode* s : elements(root.get(), "satellite")) {
      const std::string name = upper(first_text(s, "name"));
      if (name.empty()) continue;
      m.satellite = name + upper(first_text(s, "number"));
      m.sensor = upper(first_text(s, "instrument"));
      break;
    }
  }
  for (const char* key : {"CenterTime", "StartTime", "ImagingTime", "ReceiveTime"}) {
    const std::string t = first_text(root.get(), key);
    if (!t.empty() && !(m.date = date_prefix(t)).empty()) break;
  }
  if (m.date.empty()) {
    for (const CPLXMLNode* v : elements(root.get(), "viewing")) {
      for (const char* key : {"center", "begin"}) {
        const std::string t = first_text(v, key);
        if (!t.empty() && !(m.date = date_prefix(t)).empty()) break;
      }
      if (!m.date.empty()) break;
    }
  }
  return m;
}

std::string profile_from_chinese_name(std::string_view file_name) {
  std::string name = upper(std::string(file_name));
  std::replace(name.begin(), name.end(), '-', '_');
  if (name.starts_with("GF1_WFV")) return "gf1-wfv";
  if (name.starts_with("GF6_WFV")) return "gf6-wfv";
  if (name.starts_with("GF2_PMS")) return "gf2-pms";
  if (name.starts_with("CBERS_4_AWFI") || name.starts_with("CBERS4_AWFI") || name.starts_with("CBERS_4_WFI")) {
    return "cbers4-awfi";
  }
  if (name.starts_with("CBERS_4_MUX") || name.starts_with("CBERS4_MUX")) return "cbers4-mux";
  return {};
}

}  // namespace zw
