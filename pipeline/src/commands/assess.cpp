#include "zonewatch/pipeline/commands/assess.hpp"

#include <cmath>

#include "zonewatch/pipeline/archive/archive_file.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"

namespace zw::commands {

std::string assess(const AssessCommand& command) {
  const ArchiveContents archive = read_archive(command.archive);
  return assess_contents(command, archive, command.archive.string());
}

std::string assess_contents(const AssessCommand& command, const ArchiveContents& archive,
                            const std::string& archive_name) {
  AssessmentOptions options = command.config.empty() ? AssessmentOptions{} : load_assessment_config(command.config);
  options.year = command.year;
  options.baseline_year = command.baseline;
  const AssessmentResult result = zw::assess(archive, options, archive_name);
  const AssessmentFiles files = write_assessment_outputs(
      result, command.out, command.style_layer ? command.style_layer : GpkgLayerHook(style_assessment_layer));
  logger("assess")->info("{} units assessed for {}; outputs in {}", result.all.assessed, result.year,
                         command.out.string());
  return format_assessment_summary(result, files);
}

std::string format_assessment_summary(const AssessmentResult& r, const AssessmentFiles& files) {
  const AssessmentHeadline& h = r.headline;
  const auto share = [](double value) { return std::isfinite(value) ? text::fixed(value * 100.0, 1) + " %" : "n/a"; };
  std::string out = "Assessment " + std::to_string(r.year) + " (vs " + std::to_string(r.previous_year) + ", baseline " +
                    std::to_string(r.baseline_year) + "), " + std::to_string(r.units.size()) + " units, " +
                    std::to_string(r.all.assessed) + " assessed\n";
  out += "Priority units declined markedly (明显变差): " + std::to_string(h.priority_declined) + " of " +
         std::to_string(h.priority_assessed) + " assessed = " + share(h.declined_share_count) + " by count, " +
         share(h.declined_share_area) + " by area";
  if (h.priority_units > h.priority_assessed) {
    out += " (" + std::to_string(h.priority_units - h.priority_assessed) + " not assessed)";
  }
  out += "\nUnits needing enforcement: " + std::to_string(r.enforcement.size()) + "\n";
  for (const EnforcementCase& e : r.enforcement) {
    out += "  " + e.unit->unit->code + "  " + std::string(to_string(e.unit->unit->type)) + "  " +
           (std::isfinite(e.unit->class_points) ? text::fixed(e.unit->class_points, 2) : std::string("n/a")) + " pts" +
           (e.unrectified > 0 ? ", " + std::to_string(e.unrectified) + " unrectified hotspots" : "") + "\n";
  }
  out += "Report: " + files.report_html.string() + "\n";
  return out;
}

}  // namespace zw::commands
