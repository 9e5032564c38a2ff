#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# abi/baseline.sh TAG VERSION: (re)make the ABI baseline of a release, for the
# release manager only (docs/guide/abi.md). Builds the tagged sources in a
# scratch directory (git archive, nothing of the work tree is used) with
# CFLAGS='-g -Og', then writes
#   abi/librecsgd-VERSION.abi   abidw XML of its .libs/librecsgd.so (public types only)
#   abi/librecsgd-VERSION.api   abi/api.py dump of its headers (signatures and constant values)
# Commit both. Example: abi/baseline.sh v0.1.0 0.1
set -eu
tag=${1:?usage: abi/baseline.sh TAG VERSION}
ver=${2:?usage: abi/baseline.sh TAG VERSION}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
PYTHON=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/librecsgd-baseline.XXXXXX")
trap 'rm -rf "$work"' EXIT

commit=$(git -C "$top" rev-parse --short "$tag^{commit}")
git -C "$top" archive --prefix=src/ "$tag" | tar -x -C "$work"
(cd "$work/src" && autoreconf -fi > /dev/null 2>&1)
mkdir "$work/src/b"
(cd "$work/src/b" && ../configure -q CFLAGS='-g -Og' --disable-tests && make -j2 > /dev/null)
(cd "$work/src/b" && abidw --exported-interfaces-only --suppressions "$here/private-types.abignore" \
    --no-corpus-path --no-comp-dir-path --no-elf-needed \
    --out-file "$here/librecsgd-$ver.abi" .libs/librecsgd.so)
"$PYTHON" "$here/api.py" dump --include "$work/src/include" \
    --title "release $ver (tag $tag, commit $commit)" > "$here/librecsgd-$ver.api"
echo "abi/librecsgd-$ver.abi: $(grep -c '<elf-symbol ' "$here/librecsgd-$ver.abi") exported functions"
echo "abi/librecsgd-$ver.api: $(grep -vc '^#' "$here/librecsgd-$ver.api") items"
