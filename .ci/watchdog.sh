# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# .ci/watchdog.sh: time limits for the stages of .ci/run (sourced by it), so
# that a CI run cannot hang: every stage runs under a watchdog that, when
# the stage's limit passes, stops every process the CI started (any depth:
# make, test programs, valgrind) and makes the run fail with a message that
# names the stage. A limit for the whole run works the same way.
#
#   watchdog_start NAME SECONDS   arm (replaces the armed stage watchdog)
#   watchdog_stop                 disarm the stage watchdog
#   total_watchdog_start SECONDS  arm the whole-run limit (once)
#   watchdog_cleanup              disarm both (from the EXIT trap)
#   watchdog_verdict              prints the timeout message, if one fired
#
# Needs only bash and /proc (no procps in a bare Debian container). The CI
# shell must `trap 'exit 124' TERM` so the EXIT trap runs when a watchdog
# stops it, and its EXIT trap must start with `trap '' TERM`.

wd_pid=""
wd_total_pid=""
wd_main=$$
wd_marker=""

# Every descendant of pid $1, deepest last, read from /proc.
wd_descendants() {
    local root=$1
    local -A kids=()
    local f stat rest pid ppid
    for f in /proc/[0-9]*/stat; do
        { read -r stat < "$f"; } 2>/dev/null || continue
        pid=${stat%% *}
        rest=${stat##*) }
        set -- $rest
        ppid=$2
        kids[$ppid]+=" $pid"
    done
    local queue=("$root") out=() p c
    while test "${#queue[@]}" -gt 0; do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        for c in ${kids[$p]:-}; do
            out+=("$c")
            queue+=("$c")
        done
    done
    echo "${out[@]:-}"
}

# The watchdog body: sleep, then stop everything but itself.
wd_fire() {
    local what=$1 limit=$2 self=$BASHPID
    sleep "$limit" &
    wait $! 2>/dev/null || return 0
    printf '%s\n%s\n' "$what" "$limit" > "$wd_marker"
    printf '\n**** TIME LIMIT: %s exceeded its limit of %ds; stopping it\n' "$what" "$limit" >&2
    local victims p
    victims=$(wd_descendants "$wd_main")
    for p in $victims; do
        test "$p" = "$self" || kill -TERM "$p" 2>/dev/null || true
    done
    sleep 3 # then whatever ignored SIGTERM
    for p in $victims; do
        test "$p" = "$self" || kill -KILL "$p" 2>/dev/null || true
    done
    kill -TERM "$wd_main" 2>/dev/null || true
}

wd_init() {
    if test -z "$wd_marker"; then
        wd_marker=$(mktemp "${TMPDIR:-/tmp}/librecsgd-ci-watchdog.XXXXXX")
        : > "$wd_marker"
    fi
}

watchdog_start() {
    wd_init
    watchdog_stop
    wd_fire "stage '$1'" "$2" &
    wd_pid=$!
}

watchdog_stop() {
    if test -n "$wd_pid"; then
        kill_watchdog "$wd_pid"
        wd_pid=""
    fi
}

total_watchdog_start() {
    wd_init
    wd_fire "the whole CI run" "$1" &
    wd_total_pid=$!
}

# Stop a watchdog subshell and its sleep.
kill_watchdog() {
    local p
    for p in $(wd_descendants "$1") "$1"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    wait "$1" 2>/dev/null || true
}

watchdog_cleanup() {
    if test -n "$wd_marker" && test -s "$wd_marker"; then
        # One fired: let it finish its SIGKILL pass (a few seconds).
        wait $wd_pid $wd_total_pid 2>/dev/null || true
        wd_pid=""
        wd_total_pid=""
        return 0
    fi
    watchdog_stop
    if test -n "$wd_total_pid"; then
        kill_watchdog "$wd_total_pid"
        wd_total_pid=""
    fi
}

watchdog_verdict() {
    if test -n "$wd_marker" && test -s "$wd_marker"; then
        local what limit
        { read -r what; read -r limit; } < "$wd_marker"
        printf '**** CI FAILED: %s exceeded its time limit of %ss\n' "$what" "$limit" >&2
    fi
    test -n "$wd_marker" && rm -f "$wd_marker"
    return 0
}
