/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * inflight.h (internal): misuse detection for the thread-safety classes of
 * docs/architecture.md. Each model holds one atomic in-flight counter:
 * `shared` calls (scoring, saving, getters) add 1 while they run,
 * `exclusive` calls (fit, setters, fold-in, ...) swap 0 for a large negative
 * value. So an exclusive call that finds shared calls (or another exclusive
 * call) running returns RS_ERR_MISUSE with a message, and a shared call that
 * finds an exclusive call running returns RS_ERR_MISUSE alone (shared calls
 * never write the handle). Without it such races crash (a use-after-free in
 * the id map, a SEGV in top-k). Detection, not locking: nothing waits, and
 * it catches an overlap only when the calls really overlap.
 *
 * C11 atomics, only in builds with threads (RS_ENABLE_THREADS); without
 * threads nothing can overlap and the guards compile to nothing. The cost is
 * two uncontended atomic read-modify-writes per shared call (bench/misuse_cost).
 *
 * Public entry points wrap an unguarded body:
 *     if (!rs__shared_enter(m)) return RS_ERR_MISUSE;
 *     rs_status st = body(...);
 *     rs__shared_leave(m);
 * and for exclusive calls rs__exclusive_enter / rs__exclusive_leave. */
#ifndef RS_CORE_INFLIGHT_H
#define RS_CORE_INFLIGHT_H

#include <limits.h>
#include "model.h"

#if RS__MISUSE_CHECK

/* Value of the counter while an exclusive call runs; shared calls that add
 * to it keep it negative. */
#define RS__INFLIGHT_EXCLUSIVE (INT_MIN / 2)

static inline atomic_int *rs__inflight_of(const rs_model *m)
{
    return (atomic_int *)&m->inflight; /* the counter is the one mutable part of a shared call */
}

/* 1: entered; 0: an exclusive call is running (the call must return RS_ERR_MISUSE). */
static inline int rs__shared_enter(const rs_model *m)
{
    atomic_int *c = rs__inflight_of(m);
    if (RS_LIKELY(atomic_fetch_add_explicit(c, 1, memory_order_acquire) >= 0))
        return 1;
    atomic_fetch_sub_explicit(c, 1, memory_order_relaxed);
    return 0;
}

static inline void rs__shared_leave(const rs_model *m)
{
    atomic_fetch_sub_explicit(rs__inflight_of(m), 1, memory_order_release);
}

/* RS_OK: the model is ours until rs__exclusive_leave. RS_ERR_MISUSE (with a
 * message naming `what`) when any other call is in flight. */
static inline rs_status rs__exclusive_enter(rs_model *m, const char *what)
{
    int expected = 0;
    if (RS_LIKELY(atomic_compare_exchange_strong_explicit(rs__inflight_of(m), &expected,
                                                          RS__INFLIGHT_EXCLUSIVE,
                                                          memory_order_acquire,
                                                          memory_order_relaxed)))
        return RS_OK;
    if (expected > 0)
        return rs__err(&m->err, RS_ERR_MISUSE,
                       "%s called while %d shared call(s) (scoring, saving, getters) run on this "
                       "model; exclusive calls need the model to themselves",
                       what, expected);
    return rs__err(&m->err, RS_ERR_MISUSE,
                   "%s called while another exclusive call (a fit, setter or fold-in, or the call "
                   "whose callback this is) runs on this model", what);
}

static inline void rs__exclusive_leave(rs_model *m)
{
    atomic_store_explicit(rs__inflight_of(m), 0, memory_order_release);
}

#else

static inline int rs__shared_enter(const rs_model *m)
{
    (void)m;
    return 1;
}
static inline void rs__shared_leave(const rs_model *m) { (void)m; }
static inline rs_status rs__exclusive_enter(rs_model *m, const char *what)
{
    (void)m;
    (void)what;
    return RS_OK;
}
static inline void rs__exclusive_leave(rs_model *m) { (void)m; }

#endif

/* Define the guarded public twin of an unguarded body. */
#define RS__SHARED_CALL(m, call)                  \
    do {                                          \
        if (!rs__shared_enter(m))                 \
            return RS_ERR_MISUSE;                 \
        rs_status rs__st_ = (call);               \
        rs__shared_leave(m);                      \
        return rs__st_;                           \
    } while (0)

#endif
