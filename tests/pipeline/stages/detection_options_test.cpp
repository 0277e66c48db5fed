// The detection options that drive multi-scale magnitude and hysteresis: defaults, the
// ablation settings reachable by --set, and rejected values naming the key.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

TEST(DetectionOptions, DefaultsAreMultiScaleWithHysteresis) {
  const DetectionOptions d = load_detection_options("", {});
  EXPECT_EQ(d.mapping_unit_scales, (std::vector<float>{0.0f, 0.5f, 1.0f}));  // 0, 1, 2 pixels at 10 m
  EXPECT_TRUE(d.scales.empty());                                             // none in pixels: from mapping_unit_scales
  EXPECT_TRUE(d.hysteresis);
  EXPECT_DOUBLE_EQ(d.seed_multiple, 2.0);
  EXPECT_DOUBLE_EQ(d.grow_fraction, 0.5);
  EXPECT_EQ(d.seed_shift_tolerance, 0);
  EXPECT_TRUE(d.structure_gate);
  EXPECT_DOUBLE_EQ(d.structure_max_correlation, 0.6);
  EXPECT_EQ(d.opening_radius, 1);
  EXPECT_EQ(d.closing_radius, 3);
}

TEST(DetectionOptions, SeedShiftToleranceIsReadAndRecorded) {
  const DetectionOptions d = load_detection_options("", {"detection.seed_shift_tolerance=1"});
  EXPECT_EQ(d.seed_shift_tolerance, 1);
  EXPECT_EQ(to_json(d)["seed_shift_tolerance"], 1);
}

TEST(DetectionOptions, SingleScaleWithoutHysteresisIsReachable) {
  const DetectionOptions d = load_detection_options("", {"detection.scales=[0]", "detection.hysteresis=false",
                                                         "detection.seed_multiple=2.5", "detection.grow_fraction=0.4"});
  EXPECT_EQ(d.scales, std::vector<float>{0.0f});
  EXPECT_FALSE(d.hysteresis);
  EXPECT_DOUBLE_EQ(d.seed_multiple, 2.5);
  EXPECT_DOUBLE_EQ(d.grow_fraction, 0.4);
  const nlohmann::json j = to_json(d);
  EXPECT_EQ(j["scales"], nlohmann::json::array({0.0}));
  EXPECT_EQ(j["hysteresis"], false);
  EXPECT_EQ(j["seed_multiple"], 2.5);
}

TEST(DetectionOptions, FractionalSigmasAreKept) {
  const DetectionOptions d = load_detection_options("", {"detection.scales=[0.5, 3]"});
  EXPECT_EQ(d.scales, (std::vector<float>{0.5f, 3.0f}));
}

TEST(DetectionOptions, MappingUnitScalesAreReadAndRecorded) {
  const DetectionOptions d = load_detection_options("", {"detection.mapping_unit_scales=[0, 0.25, 1.5]"});
  EXPECT_EQ(d.mapping_unit_scales, (std::vector<float>{0.0f, 0.25f, 1.5f}));
  EXPECT_TRUE(d.scales.empty());
  EXPECT_EQ(to_json(d)["mapping_unit_scales"], nlohmann::json::array({0.0, 0.25, 1.5}));
}

/// The assignments together are refused with a ConfigError whose message holds every fragment.
void expect_refused(const std::vector<std::string>& assignments, const std::vector<std::string>& fragments) {
  try {
    (void)load_detection_options("", assignments);
    ADD_FAILURE() << assignments.back() << " was accepted";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    for (const auto& fragment : fragments) EXPECT_NE(message.find(fragment), std::string::npos) << message;
  }
}

void expect_config_error(const std::string& assignment, const std::string& key) { expect_refused({assignment}, {key}); }

TEST(DetectionOptions, ScalesInPixelsAndOfTheMappingUnitExcludeEachOther) {
  expect_refused({"detection.scales=[0, 1]", "detection.mapping_unit_scales=[0, 1]"},
                 {"detection.scales'", "detection.mapping_unit_scales"});
}

TEST(DetectionOptions, BadValuesNameTheKey) {
  expect_config_error("detection.scales=[-1]", "detection.scales");
  expect_config_error("detection.scales=[11]", "detection.scales");
  expect_config_error("detection.scales=[one]", "detection.scales");
  expect_config_error("detection.scales=[]", "detection.scales");
  expect_config_error("detection.mapping_unit_scales=[-1]", "detection.mapping_unit_scales");
  expect_config_error("detection.mapping_unit_scales=[6]", "detection.mapping_unit_scales");
  expect_config_error("detection.mapping_unit_scales=[0, 1, 2, 3, 4, 5, 0, 1, 2]", "detection.mapping_unit_scales");
  expect_config_error("detection.seed_multiple=0.5", "seed_multiple");
  expect_config_error("detection.grow_fraction=0", "grow_fraction");
  expect_config_error("detection.grow_fraction=1.5", "grow_fraction");
  expect_config_error("detection.seed_shift_tolerance=3", "seed_shift_tolerance");
  expect_config_error("detection.seed_shift_tolerance=-1", "seed_shift_tolerance");
  expect_config_error("detection.seed_shift_tolerance=half", "seed_shift_tolerance");
}

TEST(DetectionOptions, SeedShiftToleranceNeedsHysteresis) {
  expect_refused({"detection.hysteresis=false", "detection.seed_shift_tolerance=1"},
                 {"detection.seed_shift_tolerance", "hysteresis"});
}

TEST(DetectionOptions, StructureGateIsReadAndRecorded) {
  const DetectionOptions d =
      load_detection_options("", {"detection.structure_gate=false", "detection.structure_max_correlation=0.8"});
  EXPECT_FALSE(d.structure_gate);
  EXPECT_DOUBLE_EQ(d.structure_max_correlation, 0.8);
  EXPECT_EQ(to_json(d)["structure_gate"], false);
  EXPECT_EQ(to_json(d)["structure_max_correlation"], 0.8);
  // The default gate does not refuse hysteresis: false (it has nothing to decide there);
  // asking for it does (StructureGateAskedForNeedsHysteresis).
  EXPECT_NO_THROW((void)load_detection_options("", {"detection.hysteresis=false"}));
  expect_config_error("detection.structure_max_correlation=0", "structure_max_correlation");
  expect_config_error("detection.structure_max_correlation=1.5", "structure_max_correlation");
  expect_config_error("detection.structure_gate=maybe", "structure_gate");
}

TEST(DetectionOptions, ClosingRadiusIsReadAndRecorded) {
  const DetectionOptions d = load_detection_options("", {"detection.closing_radius=0"});
  EXPECT_EQ(d.closing_radius, 0);
  EXPECT_EQ(to_json(d)["closing_radius"], 0);
  EXPECT_EQ(to_json(load_detection_options("", {"detection.closing_radius=2"}))["closing_radius"], 2);
  expect_config_error("detection.closing_radius=11", "closing_radius");
  expect_config_error("detection.closing_radius=-1", "closing_radius");
  expect_config_error("detection.closing_radius=one", "closing_radius");
}

TEST(DetectionOptions, StructureGateAskedForNeedsHysteresis) {
  expect_refused({"detection.hysteresis=false", "detection.structure_gate=true"},
                 {"detection.structure_gate", "hysteresis"});
}

}  // namespace
}  // namespace zw
