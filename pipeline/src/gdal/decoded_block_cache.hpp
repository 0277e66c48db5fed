#pragma once
// The process-wide cache of decoded GeoTIFF blocks that TiffBlocks (tiff_blocks.cpp) reads
// through: least recently used first out, one budget with GDAL's block cache, recycled
// buffers, and the blocks being decoded, so that reads on several threads decode a block
// once; not a public header.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <gdal.h>

namespace zw {

/// A cache key: the file's id in the top 24 bits, then the plane (12 bits) and the block.
inline std::uint64_t block_cache_key(std::uint64_t file, int plane, int block) {
  return (file << 40) | (static_cast<std::uint64_t>(plane) << 28) | static_cast<std::uint64_t>(block);
}
constexpr std::uint64_t kFileKeyMask = ~((std::uint64_t{1} << 40) - 1);

/// The decoded blocks of every open file, least recently used evicted first once their bytes
/// and GDAL's block cache's together exceed GDAL's cache size (scan and composite size it
/// from `memory_mb`): one budget for the blocks either decodes.
class DecodedBlockCache {
 public:
  static DecodedBlockCache& instance() {
    static DecodedBlockCache cache;
    return cache;
  }
  using Block = std::shared_ptr<const std::byte[]>;
  /// What a read finds for a block: the block, cached; or the decode another read has
  /// started, to wait for; or neither, and then the caller has claimed the block and must
  /// end the claim with insert() or abandon().
  struct Claim {
    Block block;
    std::shared_future<Block> decoding;
  };
  Claim claim(std::uint64_t key) {
    const std::lock_guard lock(mutex_);
    if (const auto it = index_.find(key); it != index_.end()) {
      entries_.splice(entries_.begin(), entries_, it->second);
      return {it->second->block, {}};
    }
    if (const auto it = decoding_.find(key); it != decoding_.end()) return {nullptr, it->second.future};
    auto& started = decoding_[key];
    started.future = started.promise.get_future().share();
    return {};
  }
  void touch(std::uint64_t key) {
    const std::lock_guard lock(mutex_);
    if (const auto it = index_.find(key); it != index_.end()) entries_.splice(entries_.begin(), entries_, it->second);
  }
  /// Ends a claim: the block cached and handed to the reads waiting for it.
  void insert(std::uint64_t key, const Block& block, std::size_t bytes) {
    std::promise<Block> done;
    {
      const std::lock_guard lock(mutex_);
      // Cached before the claim ends, so that no read in between starts a second decode.
      add_entry(key, block, bytes);
      if (const auto it = decoding_.find(key); it != decoding_.end()) {
        done = std::move(it->second.promise);
        decoding_.erase(it);
      }
    }
    done.set_value(block);
  }
  /// Ends a claim whose decode failed: the reads waiting for the block get its error.
  void abandon(std::uint64_t key, const std::exception_ptr& error) {
    std::promise<Block> failed;
    {
      const std::lock_guard lock(mutex_);
      const auto it = decoding_.find(key);
      if (it == decoding_.end()) return;
      failed = std::move(it->second.promise);
      decoding_.erase(it);
    }
    failed.set_exception(error);
  }

 private:
  void add_entry(std::uint64_t key, const Block& block, std::size_t bytes) {
    if (index_.contains(key)) return;
    entries_.push_front({key, block, bytes});
    index_[key] = entries_.begin();
    bytes_ += bytes;
    // One budget for both caches: what GDAL's holds (the outputs' unfinished tile rows,
    // files read through GDAL) is not ours to fill.
    const auto capacity = static_cast<std::size_t>(std::max<GIntBig>(0, GDALGetCacheMax64() - GDALGetCacheUsed64()));
    // The newest block stays even alone above the budget: the read that needs it is running.
    while (bytes_ > capacity && entries_.size() > 1) {
      bytes_ -= entries_.back().bytes;
      index_.erase(entries_.back().key);
      entries_.pop_back();
    }
  }

 public:
  /// A buffer of `bytes` for a block to decode into: one an evicted block left, where one
  /// is spare. Blocks recycled rather than freed keep the heap from fragmenting around them
  /// (with a new buffer per block, peak RSS at 10980^2 grew from 730 to 990 MB).
  std::shared_ptr<std::byte[]> allocate(std::size_t bytes) {
    std::byte* buffer = nullptr;
    {
      const std::lock_guard lock(spare_mutex_);
      auto& list = spare_[bytes];
      if (!list.empty()) {
        buffer = list.back();
        list.pop_back();
        spare_bytes_ -= bytes;
      }
    }
    if (buffer == nullptr) buffer = new std::byte[bytes];  // every byte a read uses is decoded into it
    return {buffer, [this, bytes](std::byte* p) { recycle(p, bytes); }};
  }
  void clear() {
    const std::lock_guard lock(mutex_);
    entries_.clear();
    index_.clear();
    bytes_ = 0;
  }
  void forget_file(std::uint64_t file) {
    const std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      if ((it->key & kFileKeyMask) == (file << 40)) {
        bytes_ -= it->bytes;
        index_.erase(it->key);
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
  }

 private:
  static constexpr std::size_t kMostSpareBytes = std::size_t{16} << 20;  // a few blocks in flight
  void recycle(std::byte* buffer, std::size_t bytes) {
    {
      const std::lock_guard lock(spare_mutex_);
      if (spare_bytes_ + bytes <= kMostSpareBytes) {
        spare_[bytes].push_back(buffer);
        spare_bytes_ += bytes;
        return;
      }
    }
    delete[] buffer;
  }
  ~DecodedBlockCache() {
    entries_.clear();
    for (auto& [bytes, list] : spare_) {
      for (std::byte* buffer : list) delete[] buffer;
    }
  }
  // Declared first: destroyed after the entries, whose buffers return here.
  std::mutex spare_mutex_;
  std::map<std::size_t, std::vector<std::byte*>> spare_;
  std::size_t spare_bytes_ = 0;
  struct Entry {
    std::uint64_t key;
    std::shared_ptr<const std::byte[]> block;
    std::size_t bytes;
  };
  std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::uint64_t, std::list<Entry>::iterator> index_;
  std::size_t bytes_ = 0;
  // Blocks a read is decoding: a read on another thread that needs one waits for it rather
  // than decoding it a second time (reads run side by side where the tile engine's compute
  // stage reads).
  struct Decoding {
    std::promise<Block> promise;
    std::shared_future<Block> future;
  };
  std::unordered_map<std::uint64_t, Decoding> decoding_;
};

}  // namespace zw
