#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# tests/cross/exec.sh PROGRAM [ARGS]: automake's LOG_COMPILER for a cross
# build's `make check` (tests/cross/run.sh): test scripts run with the host
# shell, target programs under qemu-user ($RS_QEMU, e.g. "qemu-s390x").
# Tests named in $RS_CROSS_SKIP are reported as skipped (exit 77), with why.
name=$(basename "$1")
for skip in ${RS_CROSS_SKIP:-}; do
    if test "$skip" = "$name"; then
        echo "SKIP: $name is not run under ${RS_QEMU%% *}: ${RS_CROSS_SKIP_WHY:-emulation cost}"
        exit 77
    fi
done
if test "$(head -c 2 "$1" 2>/dev/null)" = "#!"; then
    exec sh "$@"
fi
# shellcheck disable=SC2086 # RS_QEMU may carry options
exec ${RS_QEMU:?RS_QEMU is not set} "$@"
