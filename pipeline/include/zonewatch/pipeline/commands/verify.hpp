#pragma once
// `zonewatch verify`: imports field verdicts (CSV) into the monitoring store.
#include <string>

#include "zonewatch/pipeline/monitoring/verdicts.hpp"

namespace zw {

/// What the terminal shows after an import: the counts, each status change, the precision.
std::string format_verify_summary(const VerifyResult& result);

namespace commands {
/// Imports (import_verdicts) and returns the summary for the terminal.
std::string verify(const VerifyOptions& options);
}  // namespace commands

}  // namespace zw
