/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * inflight.h (internal): misuse detection for the thread-safety classes of
 * docs/architecture.md. `shared` calls (scoring, saving, getters) mark a
 * reader slot of the model busy while they run; `exclusive` calls (fit,
 * setters, fold-in, ...) raise the model's exclusive flag and then look at
 * the reader slots. So an exclusive call that finds shared calls (or another
 * exclusive call) running returns RS_ERR_MISUSE with a message, and a shared
 * call that finds an exclusive call running returns RS_ERR_MISUSE alone
 * (shared calls never write the handle). Without it such races crash (a
 * use-after-free in the id map, a SEGV in top-k). Detection, not locking:
 * nothing waits, and it catches an overlap only when the calls really
 * overlap.
 *
 * Why slots and a flag rather than one counter: a counter costs every shared
 * call two locked read-modify-writes, 15 ns on a 90 ns rs_predict, and with
 * several serving threads the counter's cache line moves between cores on
 * every call (2.4x the call's time on two threads; bench/misuse_cost). Here a
 * shared call makes two plain stores and one load, on a line of its own. The
 * two sides follow Dekker's pattern (each writes its mark, then reads the
 * other's), which needs a full fence on both sides; on Linux the exclusive
 * side pays for both with membarrier(2) (the asymmetric fence of userspace
 * RCU), so a shared call needs only a compiler barrier. Elsewhere, or when
 * the kernel refuses membarrier, shared calls take a full fence (one fence
 * instead of two read-modify-writes): the exclusive word then carries
 * RS__INFLIGHT_READERS_FENCE, so the fast path is one load and one branch
 * in both cases. inflight.c has the exclusive side.
 *
 * Two threads whose stack addresses pick the same slot share it: the first
 * to return clears it, and an exclusive call in that window misses the other
 * (a missed report, never a false one: a slot is always cleared by the time
 * the calls that set it have returned).
 *
 * C11 atomics, only in builds with threads (RS_ENABLE_THREADS); without
 * threads nothing can overlap and the guards compile to nothing.
 *
 * Public entry points wrap an unguarded body:
 *     unsigned slot;
 *     if (!rs__shared_enter(m, &slot)) return RS_ERR_MISUSE;
 *     rs_status st = body(...);
 *     rs__shared_leave(m, slot);
 * and for exclusive calls rs__exclusive_enter / rs__exclusive_leave. */
#ifndef RS_CORE_INFLIGHT_H
#define RS_CORE_INFLIGHT_H

#include <stdint.h>
#include "model.h"

#if RS__MISUSE_CHECK

/* Unlocked, nothing in flight; registers the process for membarrier(2). */
RS_INTERNAL void rs__inflight_init(rs__inflight *f);
/* The exclusive side's fence (membarrier(2) where readers rely on it). */
RS_INTERNAL void rs__inflight_heavy_fence(const rs__inflight *f);

static inline rs__inflight *rs__inflight_of(const rs_model *m)
{
    return (rs__inflight *)&m->inflight; /* the one mutable part of a shared call */
}

/* The slot of the calling thread: the page of its stack address. Thread
 * stacks are mapped side by side (glibc: 8 MiB and a guard page each, so
 * consecutive threads differ by one in these bits). No hash: the slot's
 * store waits for its address, and a multiply in that chain made rs_predict
 * about 5% slower than these two instructions. */
static inline unsigned rs__reader_slot_of(const void *stack_addr)
{
    return (unsigned)((uintptr_t)stack_addr >> 12) & (RS__READER_SLOTS - 1);
}

/* 1: entered, *slot_out to pass to rs__shared_leave; 0: an exclusive call
 * is running (the call must return RS_ERR_MISUSE). */
static inline int rs__shared_enter(const rs_model *m, unsigned *slot_out)
{
    rs__inflight *f = rs__inflight_of(m);
    char probe; /* its address names the stack; a local of its own so *slot_out stays in a register */
    unsigned slot = rs__reader_slot_of(&probe);
    atomic_store_explicit(&f->readers[slot].busy, 1, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst); /* the exclusive side's membarrier does the rest */
    int state = atomic_load_explicit(&f->exclusive, memory_order_acquire);
    if (RS_UNLIKELY(state != 0)) {
        /* No membarrier(2): this side fences itself, then looks again (one
         * load and one branch on the fast path either way). */
        if (state & RS__INFLIGHT_READERS_FENCE) {
            atomic_thread_fence(memory_order_seq_cst);
            state = atomic_load_explicit(&f->exclusive, memory_order_acquire);
        }
        if (state & RS__INFLIGHT_EXCLUSIVE) {
            atomic_store_explicit(&f->readers[slot].busy, 0, memory_order_relaxed);
            return 0;
        }
    }
    *slot_out = slot;
    return 1;
}

static inline void rs__shared_leave(const rs_model *m, unsigned slot)
{
    /* release: what the call read is read before an exclusive call can see
     * the slot free */
    atomic_store_explicit(&rs__inflight_of(m)->readers[slot].busy, 0, memory_order_release);
}

/* RS_OK: the model is ours until rs__exclusive_leave. RS_ERR_MISUSE (with a
 * message naming `what`) when any other call is in flight. */
static inline rs_status rs__exclusive_enter(rs_model *m, const char *what)
{
    rs__inflight *f = rs__inflight_of(m);
    int idle = f->readers_fence ? RS__INFLIGHT_READERS_FENCE : 0, expected = idle;
    if (RS_UNLIKELY(!atomic_compare_exchange_strong_explicit(&f->exclusive, &expected,
                                                             idle | RS__INFLIGHT_EXCLUSIVE,
                                                             memory_order_seq_cst,
                                                             memory_order_relaxed)))
        return rs__err(&m->err, RS_ERR_MISUSE,
                       "%s called while another exclusive call (a fit, setter or fold-in, or the call "
                       "whose callback this is) runs on this model", what);
    rs__inflight_heavy_fence(f);
    int busy = 0;
    for (unsigned s = 0; s < RS__READER_SLOTS; s++)
        busy += atomic_load_explicit(&f->readers[s].busy, memory_order_acquire) != 0;
    if (RS_LIKELY(busy == 0))
        return RS_OK;
    atomic_store_explicit(&f->exclusive, idle, memory_order_release);
    return rs__err(&m->err, RS_ERR_MISUSE,
                   "%s called while %d shared call(s) (scoring, saving, getters) run on this "
                   "model; exclusive calls need the model to themselves",
                   what, busy);
}

static inline void rs__exclusive_leave(rs_model *m)
{
    rs__inflight *f = rs__inflight_of(m);
    atomic_store_explicit(&f->exclusive, f->readers_fence ? RS__INFLIGHT_READERS_FENCE : 0,
                          memory_order_release);
}

#else

static inline int rs__shared_enter(const rs_model *m, unsigned *slot_out)
{
    (void)m;
    *slot_out = 0;
    return 1;
}
static inline void rs__shared_leave(const rs_model *m, unsigned slot)
{
    (void)m;
    (void)slot;
}
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
        unsigned rs__slot_;                       \
        if (!rs__shared_enter(m, &rs__slot_))     \
            return RS_ERR_MISUSE;                 \
        rs_status rs__st_ = (call);               \
        rs__shared_leave(m, rs__slot_);           \
        return rs__st_;                           \
    } while (0)

#endif
