#include "zonewatch/pipeline/commands/verify.hpp"

#include "zonewatch/pipeline/core/text_util.hpp"

namespace zw {

std::string format_verify_summary(const VerifyResult& result) {
  std::string out =
      text::printf_string("zonewatch verify: %d verdict rows: %d %s, %d already imported; %d rows without a verdict\n",
                          result.rows, result.applied, result.dry_run ? "would be imported (dry run)" : "imported",
                          result.already_imported, result.without_verdict);
  for (const auto& change : result.changes) out += "  " + change + "\n";
  for (const auto& p : result.precision) {
    if (p.dimension != "all") continue;
    out += text::printf_string("precision: %d verified, %.1f%% confirmed violations, %.1f%% real change\n", p.verified,
                               100.0 * p.alert_precision, 100.0 * p.change_precision);
  }
  return out;
}

namespace commands {

std::string verify(const VerifyOptions& options) { return format_verify_summary(import_verdicts(options)); }

}  // namespace commands
}  // namespace zw
