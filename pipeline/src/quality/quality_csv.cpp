// quality.csv: the per-unit quality table for spreadsheets (UTF-8 BOM, RFC 4180, CRLF).
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include "zonewatch/pipeline/core/atomic_output.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/quality/unit_quality.hpp"

namespace zw {

void write_quality_csv(const std::filesystem::path& path, const QualityResult& result) {
  std::string text = "\xEF\xBB\xBF";  // UTF-8 BOM: without it Excel decodes Chinese as ANSI
  text += text::csv_line({"unit_code", "unit_name", "unit_type", "pollutant", "method", "before_period", "before_mean",
                          "before_valid_share", "before_assessable", "after_period", "after_mean", "after_valid_share",
                          "after_assessable", "relative_change", "limit", "quality_declined", "reason"});
  const auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
  for (const UnitQuality& unit : result.units) {
    for (const QualityMeasure& m : unit.measures) {
      const bool from_stations = m.source.starts_with("stations");
      text +=
          text::csv_line({unit.code, unit.name, std::string(to_string(unit.type)), m.pollutant,
                          from_stations ? result.method : m.source, result.before.text(), text::fixed(m.before.mean, 3),
                          text::fixed(m.before.valid_share, 4), flag(m.before.assessable), result.after.text(),
                          text::fixed(m.after.mean, 3), text::fixed(m.after.valid_share, 4), flag(m.after.assessable),
                          text::fixed(m.relative_change, 4), text::fixed(m.limit, 1), flag(m.declined), m.reason});
    }
  }
  AtomicFile file(path, "the quality table");
  std::ofstream out(file.temporary(), std::ios::binary | std::ios::trunc);
  if (!out) throw OutputError(path.string() + ": cannot open for writing: " + std::strerror(errno));
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw OutputError(path.string() + ": write failed: " + std::strerror(errno));
  file.commit();
}

}  // namespace zw
