#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# examples/baremetal/build.sh [OUTDIR]: build librecsgd for a Cortex-M4F
# (Debian gcc-arm-none-eabi, libnewlib-arm-none-eabi) with the vendored
# one-line build - every lib/**/*.c, no configure - link it into main.c with
# startup.c and link.ld, and prove that no malloc is linked: the symbol
# table must hold none of malloc, free, realloc, calloc, _sbrk and their _r
# variants (the link map, OUTDIR/baremetal.map, says who pulled what in).
# Prints the text/data/bss sizes. With qemu-system-arm installed it then runs
# the program on QEMU's mps2-an386 board (Cortex-M4F) with semihosting and
# checks what it prints.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$here/build}
mkdir -p "$out"
CC=${CC:-arm-none-eabi-gcc}
cpu="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
# the embedded configuration: no threads, no CBLAS, no file access, no libc
# malloc behind a NULL allocator hook
switches="-DRS_ENABLE_THREADS=0 -DRS_ENABLE_CBLAS=0 -DRS_ENABLE_STDIO=0 -DRS_ENABLE_MALLOC=0"
cflags="-std=c11 -Os -g -Wall -Wextra -ffunction-sections -fdata-sections"

# shellcheck disable=SC2046,SC2086 # one argument per source file and flag
"$CC" $cpu $cflags $switches -I"$top/include" -I"$top/lib" \
    $(find "$top/lib" -name '*.c' | sort) "$here/main.c" "$here/startup.c" "$here/format.c" \
    -nostartfiles -T "$here/link.ld" -Wl,--gc-sections -Wl,-Map="$out/baremetal.map" \
    -Wl,--start-group -lc_nano -lm -lgcc -Wl,--end-group -o "$out/baremetal.elf" 2> "$out/build.err" ||
    { cat "$out/build.err"; echo "baremetal: FAIL: the build failed"; exit 1; }
# A warning here is a portability bug (int32_t is long on newlib, size_t 32 bits).
if grep -q 'warning:' "$out/build.err"; then
    cat "$out/build.err"
    echo "baremetal: FAIL: the build has warnings"
    exit 1
fi

alloc=$(arm-none-eabi-nm "$out/baremetal.elf" |
    awk '$3 ~ /^(_?(malloc|free|realloc|calloc|memalign)(_r)?|_sbrk(_r)?|_malloc_r|_free_r|_realloc_r|_calloc_r)$/ {print $3}')
if test -n "$alloc"; then
    echo "baremetal: FAIL: an allocator is linked: $alloc (see $out/baremetal.map)"
    exit 1
fi
echo "baremetal: no malloc, free, realloc, calloc or _sbrk in baremetal.elf (nm)"
arm-none-eabi-size "$out/baremetal.elf"

if command -v qemu-system-arm > /dev/null 2>&1; then
    timeout 120 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native -kernel "$out/baremetal.elf" > "$out/run.out" 2>&1 ||
        { cat "$out/run.out"; echo "baremetal: FAIL: the program failed under qemu-system-arm"; exit 1; }
    cat "$out/run.out"
    grep -q '^loaded back: .* same recommendations: yes$' "$out/run.out" &&
        grep -q ' 0 failed, 0 bytes still in use$' "$out/run.out" && grep -q '^PASS$' "$out/run.out" ||
        { echo "baremetal: FAIL: unexpected output"; exit 1; }
    echo "baremetal: ran on qemu-system-arm -M mps2-an386 (Cortex-M4F): PASS"
else
    echo "baremetal: qemu-system-arm not installed: built, not run"
fi
