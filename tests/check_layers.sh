#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# check_layers.sh: the include graph of lib/ follows the dependency direction
# of docs/architecture.md:
#
#   common <- data <- core <- policies <- optim <- scorers <- serve, io <- eval
#
# A file may include its own module and the modules below it, never one
# above. The exceptions are the ones the architecture page names:
#   - optim sees scorers only through the interface lib/scorers/scorer.h;
#   - scorers/collaborative and scorers/content never include each other,
#     only scorers/hybrid may include both, and nothing includes hybrid;
#   - serve and io sit side by side and never include each other;
#   - inside core, the parameter blocks (weights.[ch]) sit below the model
#     (model.h), so weights never include model.h.
# Public headers (<librecsgd/...>) and system headers are always allowed.
set -eu
srcdir="${srcdir:-.}"
lib="$srcdir/lib"
test -d "$lib" || { echo "FAIL: $lib not found"; exit 1; }

rank() {
    case "$1" in
        common) echo 0 ;;
        data) echo 1 ;;
        core) echo 2 ;;
        policies) echo 3 ;;
        optim) echo 4 ;;
        scorers) echo 5 ;;
        serve | io) echo 6 ;;
        eval) echo 7 ;; # evaluation (branch acc) scores through serve
        *) echo -1 ;;
    esac
}

bad=0
checked=0
fail() {
    echo "$1: $2"
    bad=1
}

files=$(cd "$lib" && find . -name '*.[ch]' | sed 's|^\./||' | sort)
test -n "$files" || { echo "FAIL: no sources under $lib"; exit 1; }
for f in $files; do
    mod=${f%%/*}
    test "$mod" != "$f" || continue # lib/librecsgd.map and the like
    mrank=$(rank "$mod")
    test "$mrank" -ge 0 || { fail "lib/$f" "module '$mod' is not in the layer list of this test"; continue; }
    # scorer sub-module: lib/scorers/<sub>/file, or "" for scorer.h and registry.c
    sub=""
    case "$f" in scorers/*/*) sub=${f#scorers/}; sub=${sub%%/*} ;; esac
    dir=${f%/*}
    incs=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$lib/$f")
    for inc in $incs; do
        checked=$((checked + 1))
        case "$inc" in
            */*) target="$inc" ;;
            *) target="$dir/$inc" ;; # same directory
        esac
        tmod=${target%%/*}
        trank=$(rank "$tmod")
        if test "$trank" -lt 0; then
            fail "lib/$f" "includes \"$inc\", which is in no known module"
            continue
        fi
        if test "$tmod" = "$mod"; then
            :
        elif test "$trank" -gt "$mrank"; then
            if test "$mod" = optim && test "$target" = scorers/scorer.h; then
                :
            else
                fail "lib/$f" "includes \"$inc\": $mod may not depend on $tmod (a higher layer)"
            fi
        elif test "$trank" -eq "$mrank"; then
            fail "lib/$f" "includes \"$inc\": $mod and $tmod sit side by side and never include each other"
        fi
        # scorer sub-modules
        tsub=""
        case "$target" in scorers/*/*) tsub=${target#scorers/}; tsub=${tsub%%/*} ;; esac
        if test -n "$tsub" && test "$tsub" != "$sub"; then
            if test "$tsub" = hybrid; then
                fail "lib/$f" "includes \"$inc\": nothing depends on the hybrid scorer"
            elif test "$sub" != hybrid; then
                fail "lib/$f" "includes \"$inc\": only scorers/hybrid may use another scorer"
            fi
        fi
        # parameter blocks below the model
        case "$f" in
            core/weights.c | core/weights.h)
                test "$target" != core/model.h ||
                    fail "lib/$f" "includes \"$inc\": the parameter blocks sit below the model"
                ;;
        esac
    done
done
if test "$bad" -ne 0; then
    echo "FAIL: lib/ includes against the dependency direction (docs/architecture.md)"
    exit 1
fi
echo "PASS: $checked includes in $(echo "$files" | wc -l) files under lib/ follow the layer order"
