#pragma once
// SHA-256 of input files, recorded in run.json so a run can be traced to its exact inputs.
#include <cstdint>
#include <filesystem>
#include <string>

namespace zw {

/// Lower-case hex SHA-256 of a file's bytes. Throws InputError when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);
/// Lower-case hex SHA-256 of a byte string.
std::string sha256_hex(const std::string& bytes);

}  // namespace zw
