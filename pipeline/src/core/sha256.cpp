#include "zonewatch/pipeline/core/sha256.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include <cpl_vsi.h>
#include <openssl/evp.h>

#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

// OpenSSL's digest uses the CPU's SHA extensions where present: hashing the inputs runs
// beside detection and must not cost more than reading them (a hand-written FIPS 180-4
// loop took a quarter of a Sentinel-2-tile scan's CPU time).
class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) {
    if (context_ == nullptr || EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1) {
      throw InternalError("sha256: OpenSSL digest could not be initialised");
    }
  }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  ~Sha256() { EVP_MD_CTX_free(context_); }

  void update(const unsigned char* data, std::size_t size) {
    if (size > 0 && EVP_DigestUpdate(context_, data, size) != 1) throw InternalError("sha256: digest update failed");
  }

  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context_, digest.data(), &length) != 1) throw InternalError("sha256: digest failed");
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
      out += kDigits[digest[i] >> 4];
      out += kDigits[digest[i] & 0xf];
    }
    return out;
  }

 private:
  EVP_MD_CTX* context_;
};

}  // namespace

std::string sha256_hex(const std::string& bytes) {
  Sha256 h;
  h.update(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return h.hex();
}

std::string sha256_file(const std::filesystem::path& path) {
  // Through GDAL's virtual file layer: inputs may be /vsizip/, /vsicurl/ ... paths.
  VSIStatBufL stat{};
  const bool sized = VSIStatL(path.c_str(), &stat) == 0;
  if (sized && VSI_ISDIR(stat.st_mode)) throw InputError(path.string() + ": is a folder, not a file");
  VSILFILE* file = VSIFOpenL(path.c_str(), "rb");
  if (file == nullptr) throw InputError(path.string() + ": cannot be read");
  Sha256 h;
  std::vector<unsigned char> buffer(1 << 20);
  std::uint64_t total = 0;
  for (;;) {
    const std::size_t got = VSIFReadL(buffer.data(), 1, buffer.size(), file);
    h.update(buffer.data(), got);
    total += got;
    if (got < buffer.size()) break;
  }
  VSIFCloseL(file);
  // A short read before the end is a read error, not the end of the file.
  if (sized && total != static_cast<std::uint64_t>(stat.st_size)) throw InputError(path.string() + ": read failed");
  return h.hex();
}

}  // namespace zw
