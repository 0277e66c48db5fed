# Shared by the Slurm scripts: what one rank may use, and how to launch zonewatch.
# Sourced, not run. Reads Slurm's environment when present, so the same logic runs (and is
# tested) outside Slurm.

# The zonewatch binary: $ZONEWATCH, else the one on PATH.
zonewatch_binary() {
  local bin=${ZONEWATCH:-zonewatch}
  if ! command -v "$bin" >/dev/null 2>&1; then
    echo "slurm: zonewatch binary '$bin' not found (set ZONEWATCH=/path/to/zonewatch)" >&2
    return 127
  fi
  echo "$bin"
}

# Worker threads per rank: the CPUs Slurm gave each task, else this machine's cores.
threads_per_rank() {
  if [[ -n ${SLURM_CPUS_PER_TASK:-} ]]; then echo "$SLURM_CPUS_PER_TASK"; else nproc; fi
}

# Tile memory budget per rank in MiB: 80 % of the memory Slurm grants one task (the rest is
# GDAL's block cache, the libraries and the output writers), else 1024.
memory_mb_per_rank() {
  local per_task=""
  if [[ -n ${SLURM_MEM_PER_CPU:-} ]]; then
    per_task=$((SLURM_MEM_PER_CPU * $(threads_per_rank)))
  elif [[ -n ${SLURM_MEM_PER_NODE:-} ]]; then
    local tasks_per_node=${SLURM_NTASKS_PER_NODE:-1}
    tasks_per_node=${tasks_per_node%%(*}  # "2(x4)" -> 2
    per_task=$((SLURM_MEM_PER_NODE / tasks_per_node))
  fi
  if [[ -z $per_task ]]; then echo 1024; else echo $((per_task * 8 / 10)); fi
}

# Runs (or with ZONEWATCH_DRY_RUN=1 prints) a command line, one word per argument.
run_or_print() {
  if [[ ${ZONEWATCH_DRY_RUN:-0} == 1 ]]; then
    printf '%q ' "$@"
    printf '\n'
  else
    "$@"
  fi
}
