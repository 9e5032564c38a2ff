#!/usr/bin/env bash
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# tests/mpi/ci.sh TOP TMP: the CI stage of librecsgd-mpi (called by .ci/run
# as root, after openmpi-bin and libopenmpi-dev are installed): a
# --with-mpi build in TMP/build-mpi, its MPI tests (tests/mpi/check_mpi.sh:
# 1, 2 and 4 local ranks, every mpirun under a timeout; MovieLens 100K
# fold 1 when $RS_DATA_DIR has it), the export check, and a small run of
# bench/mpi_throughput to show it works (its figures mean nothing on a
# CI machine).
set -euo pipefail
top=$1
tmp=$2
dir="$tmp/build-mpi"
jobs=${JOBS:-2}
# CI runs as root: Open MPI refuses that without these (tests/mpi/run.sh and
# bench/mpi_throughput also pass --allow-run-as-root as root); more ranks
# than the 2 cores are fine (--oversubscribe everywhere, --bind-to none).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
t0=$(date +%s)
mpirun --version | head -n 1
mkdir -p "$dir"
(cd "$dir" && "$top/configure" -q --with-mpi)
make -C "$dir" -j"$jobs" > /dev/null
tests="tests/mpi/check_mpi_header tests/mpi/check_mpi_header_cxx tests/mpi/check_mpi_exports.sh tests/mpi/check_mpi.sh"
if ! make -C "$dir" -j"$jobs" check TESTS="$tests" > "$tmp/mpi-check.out" 2>&1; then
    tail -n 40 "$tmp/mpi-check.out"
    for log in "$dir"/tests/mpi/*.log; do
        echo "---- $log"
        tail -n 60 "$log"
    done
    exit 1
fi
grep -E '^(PASS|FAIL|SKIP|ERROR)' "$tmp/mpi-check.out"
grep -E '^(PASS|\(Movie)' "$dir/tests/mpi/check_mpi.sh.log" | sed 's/^/  /'
tail -n 1 "$dir/tests/mpi/check_mpi.sh.log"
make -C "$dir" bench/mpi_throughput > /dev/null
timeout 300 "$dir/bench/mpi_throughput" --ratings 200000 --epochs 3 | tail -n 5
echo "tests/mpi/ci.sh: $(($(date +%s) - t0)) s"
