/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * inflight.c: the exclusive side of the misuse check (inflight.h). Its
 * fence must order the exclusive flag before the reader slots it reads, on
 * this thread and on every thread in a shared call; membarrier(2) makes
 * every running thread of the process execute a full barrier, so shared
 * calls need none of their own (the asymmetric fence of userspace RCU and
 * folly). */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* syscall(2) */
#endif
#include "inflight.h"

#if RS__MISUSE_CHECK

#if defined(__linux__)
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(__linux__) && defined(SYS_membarrier)
#define HAVE_MEMBARRIER 1
/* <linux/membarrier.h>'s commands, stable kernel ABI (Linux 4.14) */
enum { MB_QUERY = 0, MB_PRIVATE_EXPEDITED = 1 << 3, MB_REGISTER_PRIVATE_EXPEDITED = 1 << 4 };

static long membarrier_call(int cmd)
{
    int saved = errno; /* a library call leaves errno alone */
    long r = syscall(SYS_membarrier, cmd, 0);
    errno = saved;
    return r;
}
#else
#define HAVE_MEMBARRIER 0
#endif

void rs__inflight_init(rs__inflight *f)
{
    atomic_init(&f->exclusive, 0);
    for (unsigned s = 0; s < RS__READER_SLOTS; s++)
        atomic_init(&f->readers[s].busy, 0);
    f->readers_fence = 1;
#if HAVE_MEMBARRIER
    /* Registration is per process and idempotent; without it (an old
     * kernel, a sandbox that refuses the call) readers fence themselves. */
    long cmds = membarrier_call(MB_QUERY);
    if (cmds > 0 && (cmds & MB_PRIVATE_EXPEDITED) && (cmds & MB_REGISTER_PRIVATE_EXPEDITED) &&
        membarrier_call(MB_REGISTER_PRIVATE_EXPEDITED) == 0)
        f->readers_fence = 0;
#endif
    atomic_store_explicit(&f->exclusive, f->readers_fence ? RS__INFLIGHT_READERS_FENCE : 0,
                          memory_order_relaxed);
}

void rs__inflight_heavy_fence(const rs__inflight *f)
{
    atomic_thread_fence(memory_order_seq_cst);
#if HAVE_MEMBARRIER
    if (!f->readers_fence && membarrier_call(MB_PRIVATE_EXPEDITED) != 0) {
        /* A forked child starts unregistered: register and try again. If
         * that fails too, an overlap may go unreported (never a false one). */
        if (membarrier_call(MB_REGISTER_PRIVATE_EXPEDITED) == 0)
            (void)membarrier_call(MB_PRIVATE_EXPEDITED);
    }
#else
    (void)f;
#endif
}

#else

typedef int rs__inflight_unused; /* ISO C: a translation unit is not empty */

#endif
