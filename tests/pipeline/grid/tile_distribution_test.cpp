// The distributed tile engine without MPI: stand-in communicators play the ranks of one run,
// one after the other (the ranks other than 0 first, their messages queued), and rank 0 must
// consume exactly what run_tiles consumes, in the same order, having read only its own tiles.
#include "zonewatch/pipeline/grid/tile_distribution.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <map>
#include <vector>

namespace zw {
namespace {

/// Messages between stand-in ranks, by sender (tags are per pass; one pass at a time here).
struct Mailbox {
  std::map<int, std::deque<std::vector<std::byte>>> sent;
  std::vector<std::byte> broadcast;
};

class StandInRank final : public Communicator {
 public:
  StandInRank(int rank, int size, Mailbox& mailbox) : rank_(rank), size_(size), mailbox_(mailbox) {}
  [[nodiscard]] int rank() const override { return rank_; }
  [[nodiscard]] int size() const override { return size_; }
  void send(int destination, int /*tag*/, std::span<const std::byte> bytes) override {
    EXPECT_EQ(destination, 0);
    mailbox_.sent[rank_].emplace_back(bytes.begin(), bytes.end());
  }
  std::vector<std::byte> receive(int source, int /*tag*/) override {
    auto& queue = mailbox_.sent[source];
    if (queue.empty()) throw InternalError("rank 0 waits for rank " + std::to_string(source) + " forever");
    std::vector<std::byte> bytes = std::move(queue.front());
    queue.pop_front();
    return bytes;
  }
  void broadcast(std::vector<std::byte>& bytes, int root) override {
    if (rank_ == root)
      mailbox_.broadcast = bytes;
    else
      bytes = mailbox_.broadcast;
  }
  void barrier() override {}
  [[noreturn]] void abort(int exit_code) override { throw InternalError("abort " + std::to_string(exit_code)); }

 private:
  int rank_, size_;
  Mailbox& mailbox_;
};

/// A compute result with a float that must cross bit for bit and a variable-length part.
struct Result {
  int index = 0;
  double value = 0.0;
  std::vector<float> samples;
};

void encode(ByteWriter& out, const Result& r) {
  out.put(r.index);
  out.put(r.value);
  out.put_vector(r.samples);
}
Result decode(ByteReader& in) {
  Result r;
  r.index = in.get<int>();
  r.value = in.get<double>();
  r.samples = in.get_vector<float>();
  return r;
}

Result compute(int index) {
  Result r{index, std::sqrt(index + 0.1) / 3.0, {}};
  for (int i = 0; i < index % 4; ++i) r.samples.push_back(static_cast<float>(std::sin(index * 7 + i)));
  return r;
}

/// One stand-in rank's share of a distributed pass over `count` tiles: which tiles it read
/// and what it consumed.
struct RankRun {
  std::vector<int> read;
  std::vector<Result> consumed;
};

RankRun run_rank(Communicator& rank, int count) {
  ScopedTileCommunicator scope(rank);
  RankRun run;
  run_distributed_tiles(
      count, 3,
      [&](int index) {
        run.read.push_back(index);
        return index;
      },
      [](int& index) { return compute(index); }, [&](Result&& r) { run.consumed.push_back(std::move(r)); }, encode,
      decode);
  return run;
}

void expect_same(const std::vector<Result>& a, const std::vector<Result>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].index, b[i].index);
    EXPECT_EQ(std::memcmp(&a[i].value, &b[i].value, sizeof(double)), 0) << "tile " << a[i].index;
    EXPECT_EQ(a[i].samples, b[i].samples) << "tile " << a[i].index;
  }
}

TEST(TileDistribution, RankZeroConsumesWhatOneProcessConsumesForEveryRankCount) {
  constexpr int kTiles = 11;
  std::vector<Result> single;
  run_tiles(
      kTiles, 3, [](int index) { return index; }, [](int& index) { return compute(index); },
      [&](Result&& r) { single.push_back(std::move(r)); });
  ASSERT_EQ(single.size(), static_cast<std::size_t>(kTiles));
  for (int size : {1, 2, 3, 4}) {
    SCOPED_TRACE("ranks " + std::to_string(size));
    Mailbox mailbox;
    for (int rank = 1; rank < size; ++rank) {
      StandInRank stand_in(rank, size, mailbox);
      const RankRun worker = run_rank(stand_in, kTiles);
      EXPECT_TRUE(worker.consumed.empty()) << "only rank 0 consumes";
      for (int index : worker.read) EXPECT_EQ(tile_owner(index, size), rank) << "tile " << index;
      EXPECT_EQ(mailbox.sent[rank].size(), worker.read.size());
    }
    StandInRank root(0, size, mailbox);
    const RankRun merged = run_rank(root, kTiles);
    for (int index : merged.read) EXPECT_EQ(tile_owner(index, size), 0) << "tile " << index;
    expect_same(single, merged.consumed);
    for (int rank = 1; rank < size; ++rank) EXPECT_TRUE(mailbox.sent[rank].empty()) << "rank " << rank;
  }
}

TEST(TileDistribution, TilesGoRoundRobinSoEveryRankHasWorkEarly) {
  EXPECT_EQ(tile_owner(0, 3), 0);
  EXPECT_EQ(tile_owner(4, 3), 1);
  EXPECT_EQ(tile_owner(5, 3), 2);
  EXPECT_EQ(tile_owner(5, 1), 0);
}

TEST(TileDistribution, RanksThatDisagreeOnTheTilesFailInsteadOfMerging) {
  // Rank 1 believes in 3 ranks and sends tiles 1 and 4; rank 0 believes in 2 and expects
  // tiles 1 and 3 from it.
  Mailbox mailbox;
  StandInRank worker(1, 3, mailbox);
  run_rank(worker, 6);
  StandInRank root(0, 2, mailbox);
  try {
    run_rank(root, 6);
    FAIL() << "expected InternalError";
  } catch (const InternalError& e) {
    EXPECT_NE(std::string(e.what()).find("tile 3 from rank 1"), std::string::npos) << e.what();
  }
}

TEST(TileDistribution, ShortOrOverlongMessagesAreInternalErrorsNamingWhatWasRead) {
  ByteWriter writer;
  writer.put<int>(7);
  writer.put_vector(std::vector<double>{1.0, 2.0});
  const auto bytes = writer.bytes();
  {
    ByteReader reader(bytes, "tile 7 from rank 2");
    EXPECT_EQ(reader.get<int>(), 7);
    EXPECT_EQ(reader.get_vector<double>(), (std::vector<double>{1.0, 2.0}));
    EXPECT_NO_THROW(reader.finish());
  }
  {
    ByteReader reader(bytes.first(bytes.size() - 1), "tile 7 from rank 2");
    reader.get<int>();
    EXPECT_THROW(reader.get_vector<double>(), InternalError);
  }
  {
    ByteReader reader(bytes, "tile 7 from rank 2");
    reader.get<int>();
    try {
      reader.finish();
      FAIL() << "expected InternalError";
    } catch (const InternalError& e) {
      EXPECT_NE(std::string(e.what()).find("tile 7 from rank 2"), std::string::npos) << e.what();
    }
  }
  kernels::Tile<std::uint16_t> tile(3, 2);
  tile(2, 1) = 513;
  ByteWriter tiles;
  tiles.put_tile(tile);
  ByteReader reader(tiles.bytes(), "a tile");
  const auto back = reader.get_tile<std::uint16_t>();
  EXPECT_EQ(back.width(), 3);
  EXPECT_EQ(back.height(), 2);
  EXPECT_EQ(back.values(), tile.values());
}

TEST(TileDistribution, BroadcastGivesRankZerosValueAndLocalScopeStopsDistribution) {
  Mailbox mailbox;
  const auto encode_int = [](ByteWriter& out, int v) { out.put(v); };
  const auto decode_int = [](ByteReader& in) { return in.get<int>(); };
  StandInRank root(0, 2, mailbox), other(1, 2, mailbox);
  {
    ScopedTileCommunicator scope(root);
    EXPECT_EQ(broadcast_from_root(42, encode_int, decode_int), 42);
    LocalTilesScope local;
    EXPECT_EQ(tile_communicator().size(), 1);
  }
  {
    ScopedTileCommunicator scope(other);
    EXPECT_FALSE(is_root_rank());
    EXPECT_EQ(broadcast_from_root(-1, encode_int, decode_int), 42);
  }
  EXPECT_TRUE(is_root_rank()) << "the single process again";
}

}  // namespace
}  // namespace zw
