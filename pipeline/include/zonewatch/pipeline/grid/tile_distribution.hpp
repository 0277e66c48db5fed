#pragma once
// Scale-out over processes (`mpirun -n N zonewatch scan`), in ONE place: the communicator
// between ranks and the distributed form of the tile engine.
//
// `run_distributed_tiles` gives the same results as `run_tiles` by construction: rank r reads
// and computes the tiles whose index % N == r, serializes each compute result and sends it to
// rank 0, which receives them in index order and runs the unchanged, in-order consume step
// over all tiles. So accumulators, seam merges and writing stay in one process, in the order
// of a single-process run; only the compute step (pure, per tile) runs elsewhere, and its
// result crosses as bytes (no floating-point value is converted on the way). Ranks other
// than 0 never see consume; what later steps need from rank 0 is broadcast
// (`broadcast_from_root`).
//
// Without MPI (a build without it, or a binary not started by mpirun) the communicator is the
// single-process one: rank 0 of 1, and run_distributed_tiles is run_tiles.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/grid/tile_engine.hpp"

namespace zw {

/// Message passing between the ranks of one run. Implementations: single-process (always
/// built) and MPI (tile_distribution_mpi.cpp, only when built with ZONEWATCH_MPI).
/// Waiting calls sleep between polls, so a rank that waits leaves its core to the others.
class Communicator {
 public:
  virtual ~Communicator() = default;
  [[nodiscard]] virtual int rank() const = 0;
  [[nodiscard]] virtual int size() const = 0;
  /// Sends `bytes` to `destination` (blocks until the buffer may be reused).
  virtual void send(int destination, int tag, std::span<const std::byte> bytes) = 0;
  /// The next message from `source` with `tag` (messages between two ranks with one tag
  /// arrive in the order they were sent).
  virtual std::vector<std::byte> receive(int source, int tag) = 0;
  /// Rank `root`'s `bytes` on every rank.
  virtual void broadcast(std::vector<std::byte>& bytes, int root) = 0;
  /// Returns when every rank has called it.
  virtual void barrier() = 0;
  /// Ends every rank of the run with `exit_code` (after the caller printed why).
  [[noreturn]] virtual void abort(int exit_code) = 0;
};

/// The communicator tiles are distributed over: the MPI one while an `MpiSession` is open in a
/// process started by mpirun, else the single-process one.
Communicator& tile_communicator();

/// Whether this process is rank 0 (always so without MPI): the rank that writes outputs,
/// logs at the requested level, and owns the store.
inline bool is_root_rank() { return tile_communicator().rank() == 0; }

/// MPI set-up for the whole process (main only). Initializes MPI when the binary was started
/// by mpirun (its environment says so) and the build has MPI; otherwise does nothing (the
/// plain binary never starts MPI). Finalizes on destruction, after a barrier (the other ranks
/// wait there for rank 0's outputs). Throws UsageError when started by mpirun with several
/// processes in a build without MPI (they would be independent scans of the same outputs).
class MpiSession {
 public:
  MpiSession(int& argc, char**& argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

 private:
  [[maybe_unused]] bool initialized_ = false;  // used by the MPI build only
};

/// "yes (Open MPI 4.1.4)" (the library's name and version) or "no", for --version.
std::string mpi_description();

/// While alive, tiles are not distributed (rank 0 runs all of them; the caller keeps the
/// other ranks out of the passes that follow). For the stages that do not distribute.
class LocalTilesScope {
 public:
  LocalTilesScope();
  ~LocalTilesScope();
  LocalTilesScope(const LocalTilesScope&) = delete;
  LocalTilesScope& operator=(const LocalTilesScope&) = delete;

 private:
  Communicator* previous_;
};

/// While alive, `communicator` is the one tiles are distributed over (tests stand in for the
/// ranks of a run with a communicator of their own).
class ScopedTileCommunicator {
 public:
  explicit ScopedTileCommunicator(Communicator& communicator);
  ~ScopedTileCommunicator();
  ScopedTileCommunicator(const ScopedTileCommunicator&) = delete;
  ScopedTileCommunicator& operator=(const ScopedTileCommunicator&) = delete;

 private:
  Communicator* previous_;
};

// ---------------------------------------------------------------------------------------
// Serialization of compute results

/// Appends plain values to a byte buffer (trivially copyable types, copied bit for bit).
class ByteWriter {
 public:
  template <class T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    append(&value, sizeof(T));
  }
  template <class T>
  void put_vector(const std::vector<T>& values) {
    static_assert(std::is_trivially_copyable_v<T>);
    put<std::uint64_t>(values.size());
    append(values.data(), values.size() * sizeof(T));
  }
  /// A tile: its size, then its pixels.
  template <class T>
  void put_tile(const kernels::Tile<T>& tile) {
    static_assert(std::is_trivially_copyable_v<T>);
    put<std::int32_t>(tile.width());
    put<std::int32_t>(tile.height());
    append(tile.data(), tile.values().size() * sizeof(T));
  }
  [[nodiscard]] std::span<const std::byte> bytes() const { return bytes_; }

 private:
  void append(const void* data, std::size_t size) {
    const auto* p = static_cast<const std::byte*>(data);
    bytes_.insert(bytes_.end(), p, p + size);
  }
  std::vector<std::byte> bytes_;
};

/// Reads what ByteWriter wrote, in the same order. A short or overlong message is an
/// internal error (both sides are this binary), thrown as InternalError naming `what`.
class ByteReader {
 public:
  ByteReader(std::span<const std::byte> bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {}
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    take(&value, sizeof(T));
    return value;
  }
  template <class T>
  std::vector<T> get_vector() {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto n = get<std::uint64_t>();
    if (n > (bytes_.size() - offset_) / std::max<std::size_t>(1, sizeof(T))) fail();
    std::vector<T> values(static_cast<std::size_t>(n));
    take(values.data(), values.size() * sizeof(T));
    return values;
  }
  template <class T>
  kernels::Tile<T> get_tile() {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto width = get<std::int32_t>();
    const auto height = get<std::int32_t>();
    if (width < 0 || height < 0) fail();
    const auto pixels = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    if (pixels > (bytes_.size() - offset_) / sizeof(T)) fail();
    kernels::Tile<T> tile(width, height, kernels::kUninitialized);
    take(tile.data(), pixels * sizeof(T));
    return tile;
  }
  /// Throws unless every byte was read.
  void finish() const {
    if (offset_ != bytes_.size()) fail();
  }

 private:
  void take(void* out, std::size_t size) {
    if (size > bytes_.size() - offset_) fail();
    if (size > 0) std::memcpy(out, bytes_.data() + offset_, size);
    offset_ += size;
  }
  [[noreturn]] void fail() const {
    throw InternalError(what_ + ": malformed message between ranks (" + std::to_string(bytes_.size()) +
                        " bytes, read up to " + std::to_string(offset_) + ")");
  }
  std::span<const std::byte> bytes_;
  std::size_t offset_ = 0;
  std::string what_;
};

/// The rank that reads and computes tile `index` of `count` over `size` ranks: round robin,
/// so rank 0 receives a steady stream in index order (a contiguous split would make rank 1
/// wait until rank 0 had consumed its whole block).
[[nodiscard]] inline int tile_owner(int index, int size) { return size <= 1 ? 0 : index % size; }

/// A fresh tag for one distributed pass; every rank calls it once per pass, in the same order.
int next_distribution_tag();

/// run_tiles over the ranks of tile_communicator() (see the top of this file):
///   read, compute as in run_tiles, on the rank that owns the tile;
///   encode(ByteWriter&, const Output&) and decode(ByteReader&) -> Output carry a compute
///   result from its rank to rank 0, where consume(Output&&) sees every tile in index order.
/// On ranks other than 0 consume is never called. Tokens bound the tiles in flight on each
/// rank; rank 0 takes one message at a time, and a rank's sends wait for it, so the buffering
/// is bounded as well.
template <class Read, class Compute, class Consume, class Encode, class Decode>
void run_distributed_tiles(int count, int tokens, Read&& read, Compute&& compute, Consume&& consume, Encode&& encode,
                           Decode&& decode) {
  Communicator& comm = tile_communicator();
  if (comm.size() <= 1) {
    run_tiles(count, tokens, read, compute, consume);
    return;
  }
  using Input = std::invoke_result_t<Read&, int>;
  using Output = std::invoke_result_t<Compute&, Input&>;
  const int rank = comm.rank(), size = comm.size();
  const int tag = next_distribution_tag();
  if (count <= 0) return;
  if (rank != 0) {
    std::vector<int> mine;
    for (int i = rank; i < count; i += size) mine.push_back(i);
    struct Sent {
      int index;
      Output output;
    };
    struct Read1 {
      int index;
      Input input;
    };
    run_tiles(
        static_cast<int>(mine.size()), tokens,
        [&](int local) {
          const int index = mine[static_cast<std::size_t>(local)];
          return Read1{index, read(index)};
        },
        [&](Read1& in) {
          return Sent{in.index, compute(in.input)};
        },
        [&](Sent&& sent) {
          ByteWriter writer;
          writer.put<std::int32_t>(sent.index);
          encode(writer, static_cast<const Output&>(sent.output));
          comm.send(0, tag, writer.bytes());
        });
    return;
  }
  struct Slot {
    int index;
    std::optional<Input> input;  // empty: another rank's tile
  };
  struct Done {
    int index;
    std::optional<Output> output;
  };
  run_tiles(
      count, tokens,
      [&](int index) {
        Slot slot{index, std::nullopt};
        if (tile_owner(index, size) == 0) slot.input.emplace(read(index));
        return slot;
      },
      [&](Slot& slot) {
        Done done{slot.index, std::nullopt};
        if (slot.input) done.output.emplace(compute(*slot.input));
        return done;
      },
      [&](Done&& done) {
        if (done.output) {
          consume(std::move(*done.output));
          return;
        }
        const int owner = tile_owner(done.index, size);
        const std::vector<std::byte> message = comm.receive(owner, tag);
        ByteReader reader(message, "tile " + std::to_string(done.index) + " from rank " + std::to_string(owner));
        if (reader.get<std::int32_t>() != done.index) {
          throw InternalError("tile " + std::to_string(done.index) + " from rank " + std::to_string(owner) +
                              ": a different tile arrived (ranks disagree on the tile plan)");
        }
        Output output = decode(reader);
        reader.finish();
        consume(std::move(output));
      });
}

/// Rank 0's `value` on every rank, through its encode/decode pair (as above).
template <class T, class Encode, class Decode>
T broadcast_from_root(const T& value, Encode&& encode, Decode&& decode) {
  Communicator& comm = tile_communicator();
  if (comm.size() <= 1) return value;
  std::vector<std::byte> bytes;
  if (comm.rank() == 0) {
    ByteWriter writer;
    encode(writer, value);
    const auto b = writer.bytes();
    bytes.assign(b.begin(), b.end());
  }
  comm.broadcast(bytes, 0);
  if (comm.rank() == 0) return value;
  ByteReader reader(bytes, "broadcast from rank 0");
  T result = decode(reader);
  reader.finish();
  return result;
}

}  // namespace zw
