#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# run.sh NP SECONDS PROGRAM [ARGS...]: PROGRAM on NP local ranks under mpirun,
# killed after SECONDS (no test may hang). --oversubscribe lets NP exceed the
# cores; as root (CI) Open MPI also needs --allow-run-as-root. MPIRUN names
# the launcher (default mpirun).
set -u
np=$1
secs=$2
shift 2
mpirun=${MPIRUN:-mpirun}
root=""
test "$(id -u)" -eq 0 && root=--allow-run-as-root
# --bind-to none: ranks of several concurrent jobs must not share pinned cores.
exec timeout -k 5 "$secs" "$mpirun" --oversubscribe $root --bind-to none -np "$np" "$@"
