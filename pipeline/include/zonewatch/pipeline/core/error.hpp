#pragma once
// The one exception hierarchy of zonewatch. Every message starts with the stage, file or
// config key it concerns. Only the CLI's main() maps these to exit codes:
//   UsageError, ConfigError -> 2    InputError -> 3    anything else -> 1
#include <stdexcept>
#include <string>

namespace zw {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  [[nodiscard]] virtual int exit_code() const { return 1; }
};

/// Bad command line.
class UsageError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] int exit_code() const override { return 2; }
};

/// Bad configuration: unknown or misspelled key, wrong value type, value out of range.
class ConfigError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] int exit_code() const override { return 2; }
};

/// Bad input data: missing, unreadable or corrupt files, scenes that do not overlap,
/// missing bands or attributes, invalid unit types.
class InputError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] int exit_code() const override { return 3; }
};

/// Writing results failed (unwritable folder, disk full).
class OutputError : public Error {
 public:
  using Error::Error;
};

/// A broken invariant inside zonewatch.
class InternalError : public Error {
 public:
  using Error::Error;
};

}  // namespace zw
