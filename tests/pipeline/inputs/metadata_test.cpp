// Product metadata: the real Landsat MTL files of ../shared/data/landsat-l1-germany, and
// hand-written MTL, MTD and Chinese-sensor XML files, good and malformed (missing keys,
// unknown processing baseline): errors are InputError naming the file and the key.
#include "zonewatch/pipeline/inputs/metadata.hpp"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "support/product_fixtures.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

using namespace fixtures;
constexpr double kPi = 3.14159265358979323846;

/// Runs `f`, expecting an InputError whose message contains every one of `parts`.
template <class F>
void expect_input_error(F&& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    const std::string message = e.what();
    for (const auto& p : parts) EXPECT_NE(message.find(p), std::string::npos) << "'" << p << "' not in: " << message;
  }
}

// --- Dates in names ------------------------------------------------------------------------

TEST(DateFromName, ProductNamingSchemes) {
  EXPECT_EQ(date_from_name("CBERS-4_AWFI_022024_B13_2018-02-02.tif"), "2018-02-02");
  EXPECT_EQ(date_from_name("T48RXT_20170414T032541_B02.jp2"), "2017-04-14");
  EXPECT_EQ(date_from_name("GF1_WFV3_E115.6_N27.9_20130614_L1A0000042321.tiff"), "2013-06-14");
  EXPECT_EQ(date_from_name("CBERS_4_AWFI_20180202_157_135_L4_BAND13.tif"), "2018-02-02");
  EXPECT_EQ(date_from_name("stack_2024_07_01.tif"), "2024-07-01");
  // Landsat product IDs carry the acquisition date first, the processing date second.
  EXPECT_EQ(date_from_name("LC08_L1TP_195025_20130707_20170503_01_T1_B4.TIF"), "2013-07-07");
}

TEST(DateFromName, NoDateInTheseNames) {
  EXPECT_EQ(date_from_name("DEM.TIF"), "");
  EXPECT_EQ(date_from_name("2000TM"), "");
  EXPECT_EQ(date_from_name("L1A0000042321"), "");         // a long number is not a date
  EXPECT_EQ(date_from_name("scene_20181345.tif"), "");    // month 13
  EXPECT_EQ(date_from_name("scene_2019-02-29.tif"), "");  // not a leap year
  EXPECT_EQ(date_from_name("scene_18500101.tif"), "");    // before Landsat
}

// --- Landsat MTL: the real files -------------------------------------------------------------

TEST(LandsatMtlReal, Landsat7Collection1) {
  if (!have(kGermany)) GTEST_SKIP() << kGermany << " is absent: real-data test skipped";
  const LandsatMetadata m = read_landsat_mtl((kGermany / (kLe07 + "_MTL.txt")).string());
  EXPECT_EQ(m.product_id, kLe07);
  EXPECT_EQ(m.mission, 7);
  EXPECT_EQ(m.sensor_id, "ETM");
  EXPECT_EQ(m.collection, 1);
  EXPECT_EQ(m.level, "L1TP");
  EXPECT_EQ(m.date, "2001-07-30");
  EXPECT_DOUBLE_EQ(m.sun_elevation_deg, 53.87765310);
  EXPECT_EQ(m.profile_name(), "landsat-tm-etm-l1");
  EXPECT_EQ(m.quality_encoding, kernels::QualityEncoding::landsat_bqa_c1_tm_etm);
  EXPECT_EQ(m.quality_file, (kGermany / (kLe07 + "_BQA.TIF")).string());
  EXPECT_EQ(m.band_files.at("4"), (kGermany / (kLe07 + "_B4.TIF")).string());
  EXPECT_EQ(m.band_files.at("6_VCID_1"), (kGermany / (kLe07 + "_B6_VCID_1.TIF")).string());
  EXPECT_EQ(m.band_files.count("6"), 0u);
  // Band 4: REFLECTANCE_MULT 2.9302E-03, ADD -0.018348, over sin(53.87765310 deg).
  const double sine = std::sin(53.87765310 * kPi / 180.0);
  const auto [scale, offset] = m.calibration("4");
  EXPECT_DOUBLE_EQ(scale, 2.9302E-03 / sine);
  EXPECT_DOUBLE_EQ(offset, -0.018348 / sine);
  // A DN of 61 (the crop's mean NIR) is a plausible TOA reflectance.
  EXPECT_NEAR(61 * scale + offset, 0.199, 0.001);
}

TEST(LandsatMtlReal, Landsat8Collection1) {
  if (!have(kGermany)) GTEST_SKIP() << kGermany << " is absent: real-data test skipped";
  const LandsatMetadata m = read_landsat_mtl((kGermany / (kLc08 + "_MTL.txt")).string());
  EXPECT_EQ(m.mission, 8);
  EXPECT_EQ(m.sensor_id, "OLI_TIRS");
  EXPECT_EQ(m.date, "2013-07-07");
  EXPECT_EQ(m.profile_name(), "landsat-oli-l1");
  EXPECT_EQ(m.quality_encoding, kernels::QualityEncoding::landsat_bqa_c1_oli);
  EXPECT_EQ(m.band_files.size(), 11u);
  const double sine = std::sin(58.99675180 * kPi / 180.0);
  const auto [scale, offset] = m.calibration("5");
  EXPECT_DOUBLE_EQ(scale, 2.0E-05 / sine);
  EXPECT_DOUBLE_EQ(offset, -0.1 / sine);
  // This crop of the file lacks REFLECTANCE_*_BAND_10 (thermal): asking names the key.
  expect_input_error([&] { (void)m.calibration("10"); }, {kLc08 + "_MTL.txt", "REFLECTANCE_MULT_BAND_10"});
}

// --- Landsat MTL: hand-written -----------------------------------------------------------------

class LandsatMtlFiles : public TempDirTest {
 protected:
  std::string write(const std::string& text) {
    const fs::path p = root_ / "LC08_L1TP_123032_20200601_20200610_01_T1_MTL.txt";
    write_text(p, text);
    return p.string();
  }
  const std::string id_ = "LC08_L1TP_123032_20200601_20200610_01_T1";
};

TEST_F(LandsatMtlFiles, CompleteFileParses) {
  const LandsatMetadata m = read_landsat_mtl(write(landsat8_c1_mtl(id_, "2020-06-01")));
  EXPECT_EQ(m.date, "2020-06-01");
  EXPECT_EQ(m.product_id, id_);
  EXPECT_EQ(m.band_files.size(), 7u);
  EXPECT_EQ(m.calibration("2").first, 2.0E-05 / std::sin(30.0 * kPi / 180.0));
}

TEST_F(LandsatMtlFiles, MissingKeysAreNamed) {
  for (const std::string key : {"DATE_ACQUIRED", "SPACECRAFT_ID", "COLLECTION_NUMBER", "SUN_ELEVATION", "DATA_TYPE"}) {
    const std::string path = write(landsat8_c1_mtl(id_, "2020-06-01", key));
    expect_input_error([&] { (void)read_landsat_mtl(path); }, {path, key, "missing"});
  }
  const std::string path = write(landsat8_c1_mtl(id_, "2020-06-01", "REFLECTANCE_MULT_BAND_4"));
  const LandsatMetadata m = read_landsat_mtl(path);
  expect_input_error([&] { (void)m.calibration("4"); }, {path, "RADIOMETRIC_RESCALING.REFLECTANCE_MULT_BAND_4"});
}

TEST_F(LandsatMtlFiles, MalformedValuesAndLines) {
  std::string text = landsat8_c1_mtl(id_, "2020-06-01");
  auto with = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    return write(t);
  };
  std::string p = with("DATE_ACQUIRED = 2020-06-01", "DATE_ACQUIRED = 2020-13-01");
  expect_input_error([&] { (void)read_landsat_mtl(p); }, {p, "DATE_ACQUIRED", "2020-13-01"});
  p = with("SPACECRAFT_ID = \"LANDSAT_8\"", "SPACECRAFT_ID = \"LANDSAT_6\"");
  expect_input_error([&] { (void)read_landsat_mtl(p); }, {p, "SPACECRAFT_ID", "LANDSAT_6"});
  p = with("COLLECTION_NUMBER = 01", "COLLECTION_NUMBER = 03");
  expect_input_error([&] { (void)read_landsat_mtl(p); }, {p, "COLLECTION_NUMBER"});
  p = with("SUN_ELEVATION = 30.00000000", "SUN_ELEVATION = high");
  expect_input_error([&] { (void)read_landsat_mtl(p); }, {p, "SUN_ELEVATION", "not a number"});
  p = with("    SENSOR_ID = \"OLI_TIRS\"\n", "    SENSOR_ID \"OLI_TIRS\"\n");
  expect_input_error([&] { (void)read_landsat_mtl(p); }, {p, "line 9", "not KEY = VALUE"});
  p = with("END_GROUP = IMAGE_ATTRIBUTES", "END_GROUP = PRODUCT_METADATA");
  expect_input_error([&] { (void)read_landsat_mtl(p); }, {p, "END_GROUP = PRODUCT_METADATA", "IMAGE_ATTRIBUTES"});
  p = write("just some text\n");
  expect_input_error([&] { (void)read_landsat_mtl(p); }, {p});
  expect_input_error([&] { (void)read_landsat_mtl((root_ / "absent_MTL.txt").string()); },
                     {"absent_MTL.txt", "cannot be read"});
}

TEST_F(LandsatMtlFiles, Collection2Level2TakesTheSurfaceReflectanceGroup) {
  // Collection 2 Level-2 MTLs repeat REFLECTANCE_MULT_BAND_n in the Level-1 and Level-2
  // groups: the surface-reflectance one (2.75E-05, -0.2) must win.
  const std::string id = "LC09_L2SP_123032_20220601_20220603_02_T1";
  const std::string text =
      "GROUP = LANDSAT_METADATA_FILE\n"
      "  GROUP = PRODUCT_CONTENTS\n"
      "    LANDSAT_PRODUCT_ID = \"" +
      id +
      "\"\n"
      "    COLLECTION_NUMBER = 02\n"
      "    PROCESSING_LEVEL = \"L2SP\"\n"
      "    FILE_NAME_BAND_4 = \"" +
      id +
      "_SR_B4.TIF\"\n"
      "    FILE_NAME_QUALITY_L1_PIXEL = \"" +
      id +
      "_QA_PIXEL.TIF\"\n"
      "  END_GROUP = PRODUCT_CONTENTS\n"
      "  GROUP = IMAGE_ATTRIBUTES\n"
      "    SPACECRAFT_ID = \"LANDSAT_9\"\n"
      "    SENSOR_ID = \"OLI_TIRS\"\n"
      "    DATE_ACQUIRED = 2022-06-01\n"
      "    SUN_ELEVATION = 60.0\n"
      "  END_GROUP = IMAGE_ATTRIBUTES\n"
      "  GROUP = LEVEL2_SURFACE_REFLECTANCE_PARAMETERS\n"
      "    REFLECTANCE_MULT_BAND_4 = 2.75E-05\n"
      "    REFLECTANCE_ADD_BAND_4 = -0.200000\n"
      "  END_GROUP = LEVEL2_SURFACE_REFLECTANCE_PARAMETERS\n"
      "  GROUP = LEVEL1_RADIOMETRIC_RESCALING\n"
      "    REFLECTANCE_MULT_BAND_4 = 2.0000E-05\n"
      "    REFLECTANCE_ADD_BAND_4 = -0.100000\n"
      "  END_GROUP = LEVEL1_RADIOMETRIC_RESCALING\n"
      "END_GROUP = LANDSAT_METADATA_FILE\n"
      "END\n";
  const fs::path p = root_ / (id + "_MTL.txt");
  write_text(p, text);
  const LandsatMetadata m = read_landsat_mtl(p.string());
  EXPECT_EQ(m.collection, 2);
  EXPECT_TRUE(m.surface_reflectance());
  EXPECT_EQ(m.profile_name(), "landsat9-oli");
  EXPECT_EQ(m.quality_encoding, kernels::QualityEncoding::landsat_qa_pixel);
  EXPECT_EQ(m.quality_file, (root_ / (id + "_QA_PIXEL.TIF")).string());
  EXPECT_EQ(m.band_files.at("4"), (root_ / (id + "_SR_B4.TIF")).string());
  EXPECT_EQ(m.calibration("4"), (std::pair<double, double>{2.75E-05, -0.2}));
}

TEST(LandsatBandNumber, Tokens) {
  EXPECT_EQ(landsat_band_number("B4"), "4");
  EXPECT_EQ(landsat_band_number("b04"), "4");
  EXPECT_EQ(landsat_band_number("SR_B7"), "7");
  EXPECT_EQ(landsat_band_number("B10"), "10");
  EXPECT_EQ(landsat_band_number("B8A"), "");
  EXPECT_EQ(landsat_band_number("QA_PIXEL"), "");
  // Found by tests/fuzz/dates: std::stoi threw std::out_of_range on long digit runs.
  EXPECT_EQ(landsat_band_number("B99999999999999999999"), "99999999999999999999");
  EXPECT_EQ(landsat_band_number("SR_B00"), "0");
}

// --- Sentinel-2 MTD --------------------------------------------------------------------------

class Sentinel2Mtd : public TempDirTest {
 protected:
  std::string write(const std::string& text, const std::string& name = "MTD_MSIL2A.xml") {
    const fs::path p = root_ / "S2B_MSIL2A_20240701T032541_N0510_R018_T48RXT_20240701T070000.SAFE" / name;
    write_text(p, text);
    return p.string();
  }
};

TEST_F(Sentinel2Mtd, Baseline0400PlusCarriesTheOffset) {
  const std::string granule = "GRANULE/L2A_T48RXT_A1_20240701T033422/IMG_DATA/";
  const std::vector<std::string> images{
      granule + "R10m/T48RXT_20240701T032541_B04_10m", granule + "R20m/T48RXT_20240701T032541_B04_20m",
      granule + "R20m/T48RXT_20240701T032541_SCL_20m", granule + "R60m/T48RXT_20240701T032541_SCL_60m"};
  const std::string mtd = write(sentinel2_l2a_mtd("05.10", true, images));
  const fs::path dir = fs::path(mtd).parent_path();
  for (const auto& image : images) write_constant_tif(dir / (image + ".tif"), 2, 1.0);
  const Sentinel2Metadata m = read_sentinel2_mtd(mtd);
  EXPECT_EQ(m.level, "L2A");
  EXPECT_EQ(m.spacecraft, "Sentinel-2B");
  EXPECT_EQ(m.date, "2024-07-01");
  EXPECT_EQ(m.baseline, "05.10");
  EXPECT_EQ(m.profile_name(), "sentinel2-l2a");
  ASSERT_TRUE(m.nodata.has_value());
  EXPECT_EQ(*m.nodata, 0.0);
  const auto [scale, offset] = m.calibration("B04");
  EXPECT_DOUBLE_EQ(scale, 1e-4);
  EXPECT_DOUBLE_EQ(offset, -0.1);
  // The finest resolution of each band.
  EXPECT_EQ(m.band_files.at("B04"), (dir / (images[0] + ".tif")).string());
  EXPECT_EQ(m.band_files.at("SCL"), (dir / (images[2] + ".tif")).string());
}

TEST_F(Sentinel2Mtd, BeforeBaseline0400NoOffset) {
  const Sentinel2Metadata m = read_sentinel2_mtd(write(sentinel2_l2a_mtd("02.14", false, {})));
  EXPECT_EQ(m.profile_name(), "sentinel2-l2a-pre0400");
  EXPECT_EQ(m.calibration("B08"), (std::pair<double, double>{1e-4, 0.0}));
}

TEST_F(Sentinel2Mtd, BandsFoundUnderGranuleWithoutImageList) {
  const std::string mtd = write(sentinel2_l2a_mtd("04.00", true, {}));
  const fs::path img = fs::path(mtd).parent_path() / "GRANULE" / "L2A_T48RXT_X" / "IMG_DATA";
  write_constant_tif(img / "R10m" / "T48RXT_20240701T032541_B02_10m.tif", 2, 1.0);
  write_constant_tif(img / "R20m" / "T48RXT_20240701T032541_B11_20m.tif", 1, 1.0);
  const Sentinel2Metadata m = read_sentinel2_mtd(mtd);
  EXPECT_EQ(m.band_files.at("B02"), (img / "R10m" / "T48RXT_20240701T032541_B02_10m.tif").string());
  EXPECT_EQ(m.band_files.at("B11"), (img / "R20m" / "T48RXT_20240701T032541_B11_20m.tif").string());
}

TEST_F(Sentinel2Mtd, UnknownOrMissingBaselineIsAnError) {
  for (const std::string baseline : {"N/A", "4.00", "07.00", "01.50"}) {
    const std::string mtd = write(sentinel2_l2a_mtd(baseline, true, {}));
    expect_input_error([&] { (void)read_sentinel2_mtd(mtd); }, {mtd, "PROCESSING_BASELINE", baseline});
  }
  std::string text = sentinel2_l2a_mtd("05.10", true, {});
  text.erase(text.find("<PROCESSING_BASELINE>"),
             std::string("<PROCESSING_BASELINE>05.10</PROCESSING_BASELINE>").size());
  const std::string mtd = write(text);
  expect_input_error([&] { (void)read_sentinel2_mtd(mtd); }, {mtd, "PROCESSING_BASELINE", "missing"});
}

TEST_F(Sentinel2Mtd, Baseline0400WithoutOffsetIsAnError) {
  const std::string mtd = write(sentinel2_l2a_mtd("04.00", false, {}));
  expect_input_error([&] { (void)read_sentinel2_mtd(mtd); }, {mtd, "BOA_ADD_OFFSET", "04.00"});
}

TEST_F(Sentinel2Mtd, MissingTimeQuantificationAndBrokenXml) {
  std::string text = sentinel2_l2a_mtd("05.10", true, {});
  const std::string start = "<PRODUCT_START_TIME>2024-07-01T03:25:41.026Z</PRODUCT_START_TIME>";
  std::string no_time = text;
  no_time.erase(no_time.find(start), start.size());
  std::string mtd = write(no_time);
  expect_input_error([&] { (void)read_sentinel2_mtd(mtd); }, {mtd, "PRODUCT_START_TIME"});
  std::string no_q = text;
  const std::string q = "<BOA_QUANTIFICATION_VALUE unit=\"none\">10000</BOA_QUANTIFICATION_VALUE>";
  no_q.erase(no_q.find(q), q.size());
  mtd = write(no_q);
  expect_input_error([&] { (void)read_sentinel2_mtd(mtd); }, {mtd, "BOA_QUANTIFICATION_VALUE"});
  mtd = write(text.substr(0, text.size() / 2));
  expect_input_error([&] { (void)read_sentinel2_mtd(mtd); }, {mtd, "XML"});
}

// --- Chinese sensors ---------------------------------------------------------------------------

class ChineseXml : public TempDirTest {};

TEST_F(ChineseXml, Gaofen1ProductMetaData) {
  const fs::path xml = root_ / "GF1_WFV3_E115.6_N27.9_20130614_L1A0000042321.xml";
  write_text(xml,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ProductMetaData>\n"
             "<SatelliteID>GF1</SatelliteID><SensorID>WFV3</SensorID>\n"
             "<ReceiveTime>2013-06-14 03:10:00</ReceiveTime>\n"
             "<StartTime>2013-06-14 03:05:21</StartTime><CenterTime>2013-06-14 03:05:40</CenterTime>\n"
             "</ProductMetaData>\n");
  const ChineseSensorMetadata m = read_chinese_sensor_xml(xml.string());
  EXPECT_EQ(m.satellite, "GF1");
  EXPECT_EQ(m.sensor, "WFV3");
  EXPECT_EQ(m.date, "2013-06-14");
  EXPECT_EQ(m.profile_name(), "gf1-wfv");
}

TEST_F(ChineseXml, Cbers4InpeLayout) {
  const fs::path xml = root_ / "CBERS_4_AWFI_20180202_157_135_L4_BAND13.xml";
  write_text(xml,
             "<?xml version=\"1.0\"?>\n<prdf><satellite><name>CBERS</name><number>4</number>"
             "<instrument type=\"imaging\">AWFI</instrument></satellite>"
             "<viewing><begin>2018-02-02 13:21:03</begin><center>2018-02-02 13:21:40</center></viewing></prdf>\n");
  const ChineseSensorMetadata m = read_chinese_sensor_xml(xml.string());
  EXPECT_EQ(m.satellite, "CBERS4");
  EXPECT_EQ(m.sensor, "AWFI");
  EXPECT_EQ(m.date, "2018-02-02");
  EXPECT_EQ(m.profile_name(), "cbers4-awfi");
}

TEST_F(ChineseXml, UnknownSensorHasNoProfileAndBrokenXmlIsAnError) {
  const fs::path xml = root_ / "ZY3_MUX.xml";
  write_text(xml, "<ProductMetaData><SatelliteID>ZY3</SatelliteID><SensorID>MUX</SensorID></ProductMetaData>");
  EXPECT_EQ(read_chinese_sensor_xml(xml.string()).profile_name(), "");
  write_text(xml, "<ProductMetaData><SatelliteID>ZY3");
  expect_input_error([&] { (void)read_chinese_sensor_xml(xml.string()); }, {xml.string(), "XML"});
}

TEST(ChineseNames, ProfilesFromFileNames) {
  EXPECT_EQ(profile_from_chinese_name("GF1_WFV3_E115.6_N27.9_20130614_L1A0000042321.tiff"), "gf1-wfv");
  EXPECT_EQ(profile_from_chinese_name("GF6_WFV_E112.1_N23.3_20200102_L1A1120012345.tif"), "gf6-wfv");
  EXPECT_EQ(profile_from_chinese_name("GF2_PMS1_E113.6_N23.1_20160101_L1A0001234567-MSS1.tiff"), "gf2-pms");
  EXPECT_EQ(profile_from_chinese_name("CBERS-4_AWFI_022024_B13_2018-02-02.tif"), "cbers4-awfi");
  EXPECT_EQ(profile_from_chinese_name("CBERS_4_MUX_20180202_157_135_L4_BAND5.tif"), "cbers4-mux");
  EXPECT_EQ(profile_from_chinese_name("LC08_L1TP_195025_20130707_20170503_01_T1_B4.TIF"), "");
}

}  // namespace
}  // namespace zw
