#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# tests/cross/run.sh [WORKDIR]: portability, run rather than assumed.
#
# For each target (RS_CROSS_ARCHES, default "s390x i686": big-endian 64-bit
# and 32-bit), cross-build the library and the test suite with Debian's
# cross compilers (--with-cblas=no --disable-shared) and run `make check`
# under qemu-user; then exchange model files between x86-64 and the targets:
# each platform trains every scorer on a subset of data/sample and saves the
# models (file and memory buffer), and every platform loads every platform's
# models and must give byte-identical answers (learned factors, predictions,
# rs_topk, rs_topk_batch, rs_similar_items, and the re-saved bytes).
#
# Check for the target comes from Debian multiarch (dpkg --add-architecture
# ARCH; apt-get install check:ARCH, which also brings the target's libc6
# used at run time); without it the suite cannot be built and only the
# portable subset runs (tests/cross/exchange: loaders, fit, predict, top-k,
# persistence), which is said in the output.
#
# Floating point: the targets build with -ffp-contract=off (s390x has fused
# multiply-add, which gcc's GNU C default would use and round differently)
# and i686 with -msse2 -mfpmath=sse (the x87 unit keeps excess precision);
# x86-64 needs neither. docs/guide/embedding.md explains.
#
# Environment: RS_CROSS_ARCHES, RS_CROSS_NATIVE (an x86-64 --with-cblas=no
# build directory to reuse for the native side), JOBS (default 2).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/librecsgd-cross.XXXXXX")}
jobs=${JOBS:-2}
arches=${RS_CROSS_ARCHES:-"s390x i686"}
mkdir -p "$work"
work=$(cd "$work" && pwd)
t0=$(date +%s)
elapsed() { echo "$(($(date +%s) - t0))s"; }

# arch_vars ARCH: triplet, Debian architecture, qemu command, compiler flags.
arch_vars() {
    case "$1" in
        s390x)
            triplet=s390x-linux-gnu debarch=s390x multilib=/usr/lib/s390x-linux-gnu
            qemu=qemu-s390x ldso=/lib/ld64.so.1
            flags="-O2 -ffp-contract=off" cppflags=""
            # The training-heavy programs cost minutes under qemu-s390x; they
            # run natively and on i686, and RS_CROSS_FULL=1 runs them here too.
            skip="check_api_fit check_api_coldstart check_api_online check_examples.sh check_cli.sh" ;;
        i686)
            triplet=i686-linux-gnu debarch=i386 multilib=/usr/lib/i386-linux-gnu
            qemu=qemu-i386 ldso=/lib/ld-linux.so.2
            # LFS: under qemu-user on a 64-bit kernel, directory offsets are
            # 64-bit and a 32-bit readdir without it fails with EOVERFLOW.
            flags="-O2 -msse2 -mfpmath=sse -ffp-contract=off" cppflags="-D_FILE_OFFSET_BITS=64"
            # Training runs here (check_api_fit, the exchange); the end-to-end
            # programs and the long cold-start and online fits, over a minute
            # each under qemu-i386, run natively (RS_CROSS_FULL=1: here too).
            skip="check_api_coldstart check_api_online check_examples.sh check_cli.sh" ;;
        *) echo "run.sh: unknown target $1" >&2; exit 2 ;;
    esac
    # The run-time libc: the multiarch one when installed (mixing it with the
    # cross sysroot's ld.so breaks), else the cross sysroot.
    if test -e "$ldso"; then RS_QEMU=$qemu; else RS_QEMU="$qemu -L /usr/$triplet"; fi
    test -z "${RS_CROSS_FULL:-}" || skip=""
    have_check=no
    if test -f "$multilib/libcheck_pic.a" && test -f "$multilib/libsubunit.a"; then have_check=yes; fi
}

show_failed_logs() {
    for trs in $(grep -l '^:test-result: \(FAIL\|ERROR\)' "$1"/tests/*.trs 2>/dev/null); do
        echo "---- ${trs%.trs}.log"
        tail -n 40 "${trs%.trs}.log"
    done
}

# The exchange data: every fifth sample rating (training under qemu is slow)
# and all feature rows.
mkdir -p "$work/data"
awk 'NR <= 2 || NR % 5 == 0' "$top/data/sample/ratings.tsv" > "$work/data/ratings.tsv"
cp "$top/data/sample/user_features.txt" "$top/data/sample/item_features.txt" "$work/data/"
EXCHANGE_SRC="$top/tests/cross/exchange.c"
XCFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -I$top/include"

# lib_deps BUILDDIR: the libraries the build's librecsgd needs (libtool's
# record: -lz when configure found zlib, -lm, ...), for linking exchange.
lib_deps() { sed -n "s/^dependency_libs='\(.*\)'/\1/p" "$1/librecsgd.la"; }

# ---- the native (x86-64) side: a --with-cblas=no build of the same sources ----
native=${RS_CROSS_NATIVE:-}
if test -z "$native"; then
    native="$work/build-native"
    mkdir -p "$native"
    (cd "$native" && "$top/configure" -q --with-cblas=no --disable-tests --disable-shared)
    make -C "$native" -j"$jobs" librecsgd.la > "$native/make.log" 2>&1 || { tail -n 30 "$native/make.log"; exit 1; }
fi
# shellcheck disable=SC2086
cc $XCFLAGS -O2 "$EXCHANGE_SRC" "$native/.libs/librecsgd.a" $(lib_deps "$native") -lm -pthread \
    -o "$work/exchange-x86_64"
mkdir -p "$work/models/x86_64" "$work/answers"
"$work/exchange-x86_64" train "$work/data" "$work/models/x86_64" | sed 's/^/x86_64 trained /'
platforms="x86_64"
: > "$work/qemu-x86_64"
status=0

for arch in $arches; do
    arch_vars "$arch"
    ta=$(date +%s)
    b="$work/build-$arch"
    rm -rf "$b"
    mkdir -p "$b"
    echo "==== $arch: $triplet-gcc $flags $cppflags; run under $RS_QEMU; Check for $arch: $have_check"
    if test "$have_check" = yes; then
        # Check's own headers are the same for every architecture (Multi-Arch:
        # same); take only them, never the host's /usr/include.
        mkdir -p "$b/check-include"
        ln -sf /usr/include/check.h /usr/include/check_stdint.h "$b/check-include/"
        (cd "$b" && "$top/configure" -q --host="$triplet" --with-cblas=no --disable-shared \
            CFLAGS="$flags" CXXFLAGS="$flags" CPPFLAGS="$cppflags" LDFLAGS=-static-libstdc++ \
            CHECK_CFLAGS="-pthread -I$b/check-include" \
            CHECK_LIBS="$multilib/libcheck_pic.a $multilib/libsubunit.a -lrt -lm -pthread" 2> "$b/configure.err") ||
            { cat "$b/configure.err"; exit 1; }
    else
        echo "$arch: no Check for $arch ($multilib/libcheck_pic.a; Debian: dpkg --add-architecture $debarch;" \
            "apt-get install check:$debarch): the suite is not built, only the portable subset runs" \
            "(tests/cross/exchange: loaders, fit, predict, top-k, persistence)"
        (cd "$b" && "$top/configure" -q --host="$triplet" --with-cblas=no --disable-shared --disable-tests \
            CFLAGS="$flags" CPPFLAGS="$cppflags" 2> "$b/configure.err") || { cat "$b/configure.err"; exit 1; }
    fi
    make -C "$b" -j"$jobs" > "$b/make.log" 2>&1 || { tail -n 30 "$b/make.log"; exit 1; }
    if grep -q 'warning:' "$b/make.log"; then grep 'warning:' "$b/make.log"; echo "$arch: the build has warnings"; status=1; fi
    "$triplet-readelf" -h "$b/tools/recsgd/recsgd" | sed -n 's/^ *\(Class\|Data\|Machine\): *//p' | tr '\n' ' ' |
        sed "s/^/$arch: built tools\/recsgd\/recsgd: /; s/ *$/\n/"

    if test "$have_check" = yes; then
        make -C "$b" -j"$jobs" check TESTS= > "$b/make-check-build.log" 2>&1 ||
            { tail -n 30 "$b/make-check-build.log"; exit 1; }
        # The CLI and the examples run under qemu too.
        printf '#!/bin/sh\nexec %s %s "$@"\n' "$RS_QEMU" "$b/tools/recsgd/recsgd" > "$b/recsgd-qemu"
        chmod +x "$b/recsgd-qemu"
        # Slow-tagged TCases (OOM loops, big fits) are left out as under
        # valgrind; timeouts stretched for emulation.
        if RS_QEMU="$RS_QEMU" RS_TEST_EXEC="$RS_QEMU" RECSGD="$b/recsgd-qemu" CK_EXCLUDE_TAGS=slow \
            RS_CROSS_SKIP="$skip" RS_CROSS_SKIP_WHY="training-heavy, minutes under emulation; run natively (RS_CROSS_FULL=1: here too)" \
            CK_TIMEOUT_MULTIPLIER=20 make -C "$b" -j"$jobs" check LOG_COMPILER="$here/exec.sh" \
            > "$b/make-check.log" 2>&1; then
            sed -n 's/^# \(TOTAL\|PASS\|SKIP\|FAIL\|ERROR\):  */\1 /p' "$b/test-suite.log" | tr '\n' ' ' |
                sed "s/^/$arch make check under qemu: /; s/ $/\n/"
            grep -h '^SKIP: ' "$b"/tests/*.log | sed "s/^/$arch   /" || true
        else
            grep -E '^(PASS|FAIL|ERROR|SKIP)' "$b/make-check.log" | sed "s/^/$arch   /"
            show_failed_logs "$b"
            echo "$arch: make check FAILED under qemu"
            status=1
        fi
    fi

    # ---- model exchange ----
    # shellcheck disable=SC2086
    "$triplet-gcc" $XCFLAGS $flags $cppflags "$EXCHANGE_SRC" "$b/.libs/librecsgd.a" $(lib_deps "$b") -lm -pthread \
        -o "$work/exchange-$arch"
    mkdir -p "$work/models/$arch"
    # shellcheck disable=SC2086
    $RS_QEMU "$work/exchange-$arch" train "$work/data" "$work/models/$arch" | sed "s/^/$arch trained /"
    platforms="$platforms $arch"
    echo "$RS_QEMU" > "$work/qemu-$arch"
    echo "$arch: $(($(date +%s) - ta))s (build, suite, training)"
done

# ---- every platform's models, answered on every platform: byte for byte ----
echo "==== model exchange: answers of each platform's models on every platform"
for dst in $platforms; do
    for src in $platforms; do
        # shellcheck disable=SC2046 # the emulator command of dst, empty for x86_64
        $(cat "$work/qemu-$dst") "$work/exchange-$dst" answer "$work/data" "$work/models/$src" \
            > "$work/answers/$src.on.$dst"
    done
done
for src in $platforms; do
    ref="$work/answers/$src.on.$src"
    n=$(grep -c . "$ref")
    for dst in $platforms; do
        test "$dst" = "$src" && continue
        got="$work/answers/$src.on.$dst"
        if cmp -s "$ref" "$got"; then
            echo "ok    $src models on $dst: $n answer lines identical ($(grep -c '^== ' "$ref") scorers, file and buffer)"
        else
            echo "FAIL  $src models on $dst differ from $src itself:"
            diff "$ref" "$got" | head -n 10
            status=1
        fi
    done
    if grep -q 'DIFFERENT' "$ref"; then
        grep 'DIFFERENT' "$ref"
        status=1
    fi
done
# For information (not promised): do the platforms train the same model?
for src in $platforms; do
    for dst in $platforms; do
        test "$src" \< "$dst" || continue
        same=yes
        for f in "$work/models/$src"/*.model; do
            cmp -s "$f" "$work/models/$dst/$(basename "$f")" || same=no
        done
        echo "info  models trained on $src and on $dst are byte-identical: $same"
    done
done
echo "cross: $(elapsed) in all"
exit "$status"
