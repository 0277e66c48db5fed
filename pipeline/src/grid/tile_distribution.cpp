#include "zonewatch/pipeline/grid/tile_distribution.hpp"

#include <algorithm>
#include <cstdlib>

#include "tile_distribution_internal.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

/// Rank 0 of 1: nothing to send to or receive from.
class SingleProcess final : public Communicator {
 public:
  [[nodiscard]] int rank() const override { return 0; }
  [[nodiscard]] int size() const override { return 1; }
  void send(int destination, int /*tag*/, std::span<const std::byte> /*bytes*/) override {
    throw InternalError("tile distribution: send to rank " + std::to_string(destination) + " in a single process");
  }
  std::vector<std::byte> receive(int source, int /*tag*/) override {
    throw InternalError("tile distribution: receive from rank " + std::to_string(source) + " in a single process");
  }
  void broadcast(std::vector<std::byte>& /*bytes*/, int /*root*/) override {}
  void barrier() override {}
  [[noreturn]] void abort(int exit_code) override { std::exit(exit_code); }
};

SingleProcess& single_process() {
  static SingleProcess instance;
  return instance;
}

Communicator* active = nullptr;
int distribution_tag = 0;

}  // namespace

namespace detail {
Communicator* set_tile_communicator(Communicator* communicator) {
  Communicator* previous = active;
  active = communicator;
  return previous;
}
}  // namespace detail

Communicator& tile_communicator() { return active != nullptr ? *active : single_process(); }

int next_distribution_tag() {
  // Tags are small non-negative ints (MPI guarantees at least 32767); passes of one run
  // are far fewer, and a wrapped tag is still unique among the passes in flight (one).
  distribution_tag = (distribution_tag + 1) % 32767;
  return distribution_tag;
}

LocalTilesScope::LocalTilesScope() : previous_(detail::set_tile_communicator(&single_process())) {}
LocalTilesScope::~LocalTilesScope() { detail::set_tile_communicator(previous_); }

ScopedTileCommunicator::ScopedTileCommunicator(Communicator& communicator)
    : previous_(detail::set_tile_communicator(&communicator)) {}
ScopedTileCommunicator::~ScopedTileCommunicator() { detail::set_tile_communicator(previous_); }

namespace detail {
int launched_ranks() {
  // Open MPI's mpirun sets OMPI_COMM_WORLD_SIZE; PMIx and PMI launchers (srun, hydra) PMI_SIZE.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    if (const char* value = std::getenv(name); value != nullptr) return std::max(1, std::atoi(value));
  }
  return std::getenv("PMIX_RANK") != nullptr ? 1 : 0;
}
}  // namespace detail

#ifndef ZONEWATCH_MPI
// Built without MPI, N processes started by mpirun would be N independent scans writing the
// same outputs: refused.
MpiSession::MpiSession(int& /*argc*/, char**& /*argv*/) {
  if (const int ranks = detail::launched_ranks(); ranks > 1) {
    throw UsageError("started by mpirun with " + std::to_string(ranks) +
                     " processes, but this zonewatch was built without MPI (zonewatch --version says "
                     "\"MPI: no\"; rebuild with libopenmpi-dev installed, or run it without mpirun)");
  }
}
MpiSession::~MpiSession() = default;
std::string mpi_description() { return "no"; }
#endif

}  // namespace zw
