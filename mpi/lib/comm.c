/* librecsgd-mpi. SPDX-License-Identifier: BSD-2-Clause
 * comm.c: bounded waits, bounded collectives and the agreement on an
 * outcome. MPI's blocking calls cannot be given a deadline, so every call
 * here starts the non-blocking twin (MPI-3) and polls it: a rank that never
 * arrives (crashed, stuck, or failed without reaching the same call) turns
 * into RS_ERR_IO after the job's timeout instead of a hang. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "job.h"

#include <limits.h>
#include <sched.h>
#include <string.h>
#include <time.h>

/* Pieces of at most 1 GiB: MPI counts are ints. */
#define PIECE ((size_t)1 << 30)

double rs__mpi_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Between two polls of a wait: spin for the first millisecond (a message
 * between busy ranks arrives within microseconds), then yield the core
 * (free when nothing else wants it), and only after 0.1 s sleep 100 us
 * steps, so a long wait costs no CPU and a short one no latency. */
static void pause_after(double waited, unsigned spins)
{
    if (waited > 0.1) {
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    } else if (waited > 1e-3 || spins > 100000) {
        sched_yield();
    }
}

double rs__mpi_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static rs_status broken(rs_mpi_job *job)
{
    return rs__err(&job->err, RS_ERR_IO, "rank %d: the job is broken by an earlier failed wait; "
                   "call MPI_Abort", job->rank);
}

rs_status rs__mpi_check(rs_mpi_job *job, int rc, const char *call)
{
    if (rc == MPI_SUCCESS)
        return RS_OK;
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS)
        len = 0;
    text[len < MPI_MAX_ERROR_STRING ? len : MPI_MAX_ERROR_STRING - 1] = '\0';
    job->broken = 1;
    return rs__err(&job->err, RS_ERR_IO, "rank %d: %s failed: %s", job->rank, call, text);
}

int rs__mpi_poll(rs_mpi_job *job, int n, MPI_Request *reqs)
{
    int flag = 0;
    if (n == 0)
        return 1;
    if (MPI_Testall(n, reqs, &flag, MPI_STATUSES_IGNORE) != MPI_SUCCESS) {
        job->broken = 1;
        return 0;
    }
    return flag;
}

rs_status rs__mpi_wait(rs_mpi_job *job, int n, MPI_Request *reqs, const char *what)
{
    if (job->broken)
        return broken(job);
    double t0 = rs__mpi_now(), t = t0;
    unsigned spins = 0;
    for (;;) {
        int flag = 0;
        int rc = n ? MPI_Testall(n, reqs, &flag, MPI_STATUSES_IGNORE) : MPI_SUCCESS;
        if (rc != MPI_SUCCESS)
            return rs__mpi_check(job, rc, what);
        if (flag || n == 0)
            break;
        t = rs__mpi_now();
        if (t - t0 > job->timeout) {
            job->broken = 1;
            return rs__err(&job->err, RS_ERR_IO, "rank %d: gave up after %g s waiting for %s "
                           "(another rank failed, stopped or is far behind)", job->rank,
                           job->timeout, what);
        }
        pause_after(t - t0, ++spins);
    }
    if (job->counting)
        job->wait_seconds += rs__mpi_now() - t0;
    return RS_OK;
}

rs_status rs__mpi_wait_any(rs_mpi_job *job, int n, MPI_Request *reqs, const char *what)
{
    if (job->broken)
        return broken(job);
    double t0 = rs__mpi_now();
    for (unsigned spins = 1;; spins++) {
        int idx = MPI_UNDEFINED, flag = 0;
        int rc = MPI_Testany(n, reqs, &idx, &flag, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS)
            return rs__mpi_check(job, rc, what);
        if (flag)
            break; /* one completed (or none was active) */
        if (rs__mpi_now() - t0 > job->timeout) {
            job->broken = 1;
            return rs__err(&job->err, RS_ERR_IO, "rank %d: gave up after %g s waiting for %s "
                           "(another rank failed, stopped or is far behind)", job->rank,
                           job->timeout, what);
        }
        pause_after(rs__mpi_now() - t0, spins);
    }
    if (job->counting)
        job->wait_seconds += rs__mpi_now() - t0;
    return RS_OK;
}

rs_status rs__mpi_allreduce(rs_mpi_job *job, void *buf, int count, MPI_Datatype type, MPI_Op op,
                            const char *what)
{
    if (job->broken)
        return broken(job);
    MPI_Request r;
    rs_status st = rs__mpi_check(job, MPI_Iallreduce(MPI_IN_PLACE, buf, count, type, op, job->comm, &r),
                                 "MPI_Iallreduce");
    return st != RS_OK ? st : rs__mpi_wait(job, 1, &r, what);
}

rs_status rs__mpi_bcast(rs_mpi_job *job, void *buf, size_t bytes, int root, const char *what)
{
    if (job->broken)
        return broken(job);
    for (size_t off = 0; off < bytes; off += PIECE) {
        size_t len = bytes - off < PIECE ? bytes - off : PIECE;
        MPI_Request r;
        rs_status st = rs__mpi_check(job, MPI_Ibcast((char *)buf + off, (int)len, MPI_BYTE, root,
                                                     job->comm, &r), "MPI_Ibcast");
        if (st != RS_OK || (st = rs__mpi_wait(job, 1, &r, what)) != RS_OK)
            return st;
    }
    return RS_OK;
}

rs_status rs__mpi_exscan_u64(rs_mpi_job *job, uint64_t value, uint64_t *out, const char *what)
{
    if (job->broken)
        return broken(job);
    uint64_t in = value, res = 0;
    MPI_Request r;
    rs_status st = rs__mpi_check(job, MPI_Iexscan(&in, &res, 1, MPI_UINT64_T, MPI_SUM, job->comm, &r),
                                 "MPI_Iexscan");
    if (st != RS_OK || (st = rs__mpi_wait(job, 1, &r, what)) != RS_OK)
        return st;
    *out = job->rank == 0 ? 0 : res; /* rank 0's result is undefined in MPI */
    return RS_OK;
}

rs_status rs__mpi_allgather_u64(rs_mpi_job *job, uint64_t value, uint64_t *all, const char *what)
{
    if (job->broken)
        return broken(job);
    uint64_t in = value;
    MPI_Request r;
    rs_status st = rs__mpi_check(job, MPI_Iallgather(&in, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T,
                                                     job->comm, &r), "MPI_Iallgather");
    return st != RS_OK ? st : rs__mpi_wait(job, 1, &r, what);
}

/* A point-to-point transfer in pieces, each waited for with the bound. */
static rs_status p2p(rs_mpi_job *job, void *buf, size_t bytes, int peer, int tag, const char *what,
                     int send)
{
    if (job->broken)
        return broken(job);
    for (size_t off = 0; off < bytes; off += PIECE) {
        size_t len = bytes - off < PIECE ? bytes - off : PIECE;
        MPI_Request r;
        int rc = send ? MPI_Isend((char *)buf + off, (int)len, MPI_BYTE, peer, tag, job->comm, &r)
                      : MPI_Irecv((char *)buf + off, (int)len, MPI_BYTE, peer, tag, job->comm, &r);
        rs_status st = rs__mpi_check(job, rc, send ? "MPI_Isend" : "MPI_Irecv");
        if (st != RS_OK || (st = rs__mpi_wait(job, 1, &r, what)) != RS_OK)
            return st;
    }
    return RS_OK;
}

rs_status rs__mpi_send(rs_mpi_job *job, const void *buf, size_t bytes, int dest, int tag,
                       const char *what)
{
    return p2p(job, (void *)(uintptr_t)buf, bytes, dest, tag, what, 1);
}

rs_status rs__mpi_recv(rs_mpi_job *job, void *buf, size_t bytes, int src, int tag,
                       const char *what)
{
    return p2p(job, buf, bytes, src, tag, what, 0);
}

rs_status rs__mpi_agree(rs_mpi_job *job, rs_status st, const char *msg)
{
    if (job->broken)
        return st != RS_OK ? st : broken(job);
    int first = st != RS_OK ? job->rank : job->size;
    rs_status cst = rs__mpi_allreduce(job, &first, 1, MPI_INT, MPI_MIN, "the other ranks' outcome");
    if (cst != RS_OK)
        return cst;
    if (first >= job->size)
        return RS_OK;
    struct {
        int32_t st;
        char msg[RS__ERRMSG_CAP];
    } pkt;
    memset(&pkt, 0, sizeof pkt);
    if (job->rank == first) {
        pkt.st = st;
        const char *m = msg && *msg ? msg : rs_status_string(st);
        size_t len = strlen(m);
        if (len >= sizeof pkt.msg)
            len = sizeof pkt.msg - 1;
        memcpy(pkt.msg, m, len);
    }
    if ((cst = rs__mpi_bcast(job, &pkt, sizeof pkt, first, "the failing rank's message")) != RS_OK)
        return cst;
    pkt.msg[sizeof pkt.msg - 1] = '\0';
    return rs__err(&job->err, pkt.st, "rank %d: %s", first, pkt.msg);
}
