#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# tests/fuzz/run.sh SECONDS [HARNESS ...]: build the libFuzzer harnesses of
# tests/fuzz/ with clang (-fsanitize=fuzzer,address,undefined, undefined
# behaviour fatal, leaks fatal) and run each for SECONDS (default 60) from the
# committed seed corpus and dictionary. Exits non-zero on any finding (a
# crash, a sanitizer report, a leak, a timeout, a broken contract) and keeps
# the input that caused it under $RS_FUZZ_OUT/artifacts/. Prints, per
# harness, the executions, the coverage (edges, features) and the corpus
# size, then one summary line per harness:
#     fuzz: NAME seconds=S execs=N execs_per_s=R cov=E ft=F corpus=C result=ok
# Harnesses: ratings features model cli_args (all when none are named).
#
# Environment: CC (default clang-14, else clang), RS_FUZZ_OUT (build and work
# directory, default ./_build_fuzz), RS_FUZZ_JOBS (parallel compiles and
# harnesses running at once, 2).
# Debian: apt-get install clang-14 libclang-rt-14-dev.
set -eu

secs=${1:-60}
test $# -gt 0 && shift
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${RS_FUZZ_OUT:-$top/_build_fuzz}
jobs=${RS_FUZZ_JOBS:-2}
harnesses=${*:-ratings features model cli_args}

if test -z "${CC:-}"; then
    if command -v clang-14 >/dev/null 2>&1; then CC=clang-14; else CC=clang; fi
fi
command -v "$CC" >/dev/null 2>&1 || { echo "tests/fuzz/run.sh: $CC not found (Debian: clang-14)"; exit 1; }

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer -std=gnu11 -Wall -Wextra $san -pthread"
# RS__BLOCK_SIZE: the text loaders read 61-byte blocks instead of 4 MiB, so
# short inputs cross block edges and grow the line buffer (and no 4 MiB
# buffer is allocated per execution).
defs="-DRS_ENABLE_THREADS=1 -DRS_ENABLE_STDIO=1 -DRS_ENABLE_CBLAS=0 -DRS__BLOCK_SIZE=61"
mkdir -p "$out/obj" "$out/bin"
# The file-path harnesses write every input to a file: on tmpfs when there is one.
if test -d /dev/shm && test -w /dev/shm; then
    ftmp=$(mktemp -d /dev/shm/rs_fuzz.XXXXXX)
else
    ftmp=$(mktemp -d "$out/tmp.XXXXXX")
fi
trap 'rm -rf "$ftmp"' EXIT

# ---- build: the library and the tool's option code, instrumented for
# coverage (fuzzer-no-link), then one binary per harness ----
echo "fuzz: building with $($CC --version | head -n 1)"
t0=$(date +%s)
srcs=$(cd "$top" && find lib -name '*.c' | sort)
tool_srcs="tools/recsgd/args.c tools/recsgd/diag.c tools/recsgd/files.c tools/recsgd/json.c
    tools/recsgd/progress.c tools/recsgd/stats.c tools/recsgd/train.c tools/recsgd/eval.c
    tools/recsgd/serve.c tools/recsgd/opts.c"
objs=""
for s in $srcs $tool_srcs; do
    o="$out/obj/$(echo "$s" | tr '/' '_' | sed 's/\.c$/.o/')"
    objs="$objs $o"
    case "$s" in
        lib/*) inc="-I$top/include -I$top/lib -DRS_BUILDING_LIBRARY" ;;
        *) inc="-I$top/include" ;;
    esac
    if test ! -f "$o" || test "$top/$s" -nt "$o"; then
        echo "$CC $cflags -fsanitize=fuzzer-no-link $defs $inc -c $top/$s -o $o"
    fi
done > "$out/compile.cmds"
# Headers changed: rebuild everything (cheap enough, and always right).
newest_h=$(cd "$top" && find include lib tools/recsgd -name '*.h' -newer "$out/bin/.stamp" 2>/dev/null | head -n 1 || true)
if test ! -f "$out/bin/.stamp" || test -n "$newest_h"; then
    for s in $srcs $tool_srcs; do
        o="$out/obj/$(echo "$s" | tr '/' '_' | sed 's/\.c$/.o/')"
        case "$s" in
            lib/*) inc="-I$top/include -I$top/lib -DRS_BUILDING_LIBRARY" ;;
            *) inc="-I$top/include" ;;
        esac
        echo "$CC $cflags -fsanitize=fuzzer-no-link $defs $inc -c $top/$s -o $o"
    done > "$out/compile.cmds"
fi
if test -s "$out/compile.cmds"; then
    tr '\n' '\0' < "$out/compile.cmds" | xargs -0 -P "$jobs" -I{} sh -c '{}' || {
        echo "fuzz: compiling the library failed"
        exit 1
    }
fi
rm -f "$out/librecsgd-fuzz.a"
# shellcheck disable=SC2086 # one argument per object
ar rcs "$out/librecsgd-fuzz.a" $objs
for h in $harnesses; do
    src="$top/tests/fuzz/fuzz_$h.c"
    test -f "$src" || { echo "fuzz: no harness $src"; exit 1; }
    # shellcheck disable=SC2086
    $CC $cflags -fsanitize=fuzzer $defs -I"$top/include" -I"$top/lib" -I"$top/tools/recsgd" \
        "$src" "$out/librecsgd-fuzz.a" -lm -o "$out/bin/fuzz_$h"
done
touch "$out/bin/.stamp"
echo "fuzz: built in $(($(date +%s) - t0)) s"

# ---- run: RS_FUZZ_JOBS harnesses at a time (each is one process, one core) ----
run_harness() {
    h=$1
    corpus="$out/corpus/$h"
    art="$out/artifacts/$h"
    mkdir -p "$corpus" "$art"
    extra=""
    test -f "$top/tests/fuzz/dict/$h.dict" && extra="-dict=$top/tests/fuzz/dict/$h.dict"
    test "$h" = cli_args && extra="$extra -close_fd_mask=2"
    log="$out/fuzz_$h.log"
    rc=0
    # shellcheck disable=SC2086 # extra holds whole options
    TMPDIR="$ftmp" ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
        "$out/bin/fuzz_$h" -max_total_time="$secs" -print_final_stats=1 -timeout=20 \
        -rss_limit_mb=2048 -max_len=8192 -artifact_prefix="$art/" $extra \
        "$corpus" "$top/tests/fuzz/corpus/$h" > "$log" 2>&1 || rc=$?
    echo "$rc" > "$out/fuzz_$h.rc"
}
running=0
for h in $harnesses; do
    echo "fuzz: $h for ${secs}s (corpus $out/corpus/$h, seeds tests/fuzz/corpus/$h)"
    run_harness "$h" &
    running=$((running + 1))
    if test "$running" -ge "$jobs"; then
        wait
        running=0
    fi
done
wait
status=0
summary=""
for h in $harnesses; do
    log="$out/fuzz_$h.log"
    art="$out/artifacts/$h"
    rc=$(cat "$out/fuzz_$h.rc" 2>/dev/null || echo 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
    result=ok
    if test "$rc" -ne 0; then
        result="FINDING(exit $rc)"
        status=1
        echo "---- fuzz_$h found a problem; the end of its log:"
        tail -n 60 "$log"
        ls -l "$art"
    fi
    line="fuzz: $h seconds=$secs execs=${execs:-?} execs_per_s=${rate:-?} cov=${cov:-?} ft=${ft:-?} corpus=${corp:-?} result=$result"
    echo "$line"
    summary="$summary$line
"
done
printf '\n%s' "$summary"
exit "$status"
