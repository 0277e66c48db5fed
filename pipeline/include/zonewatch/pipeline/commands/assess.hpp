#pragma once
// `zonewatch assess`: the annual effectiveness assessment of an archived year
// (assessment/assessment.hpp): report.html, assessment.gpkg, CSV tables and assessment.json
// in one output folder, and the headline on the terminal.
#include <filesystem>
#include <optional>
#include <string>

#include "zonewatch/pipeline/assessment/assessment.hpp"

namespace zw::commands {

struct AssessCommand {
  std::filesystem::path archive;  // the assessment archive (HDF5)
  int year = 0;
  std::optional<int> baseline;   // default: the first archived year
  std::filesystem::path config;  // optional assessment config (YAML); empty: defaults
  std::filesystem::path out;     // output folder
  GpkgLayerHook style_layer;     // styles assessment.gpkg; default: style_assessment_layer
};

/// Reads the archive and runs assess_contents(). InputError for an unreadable archive.
std::string assess(const AssessCommand& command);

/// The assessment of an archive already read (`archive_name` names it in messages): options
/// from the config and the command, validated; outputs written as one set. Returns what the
/// terminal shows.
std::string assess_contents(const AssessCommand& command, const ArchiveContents& archive,
                            const std::string& archive_name);

/// The headline and where the report is, as the terminal shows them.
std::string format_assessment_summary(const AssessmentResult& result, const AssessmentFiles& files);

}  // namespace zw::commands
