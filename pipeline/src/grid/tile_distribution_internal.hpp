#pragma once
// Between tile_distribution.cpp (the single-process communicator, always built) and
// tile_distribution_mpi.cpp (the MPI one, built with ZONEWATCH_MPI): which one is active.
#include "zonewatch/pipeline/grid/tile_distribution.hpp"

namespace zw::detail {

/// Makes `communicator` (not owned; nullptr: the single-process one) what
/// tile_communicator() returns; returns the previous setting.
Communicator* set_tile_communicator(Communicator* communicator);

/// How many processes the launcher (mpirun, srun) started, from their environment; 0 when
/// this process was not started by one.
int launched_ranks();

}  // namespace zw::detail
