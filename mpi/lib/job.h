/* librecsgd-mpi. SPDX-License-Identifier: BSD-2-Clause
 * job.h (internal): the layout of rs_mpi_job and the communication helpers
 * every file of the module uses (comm.c). Every wait is bounded by the
 * job's timeout and counted in its wait time; every collective goes through
 * the non-blocking MPI-3 calls so that it can be bounded too. */
#ifndef RS_MPI_JOB_H
#define RS_MPI_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <mpi.h>
#include <librecsgd/recsgd_mpi.h>
#include "common/alloc.h"
#include "common/error.h"

struct rs_mpi_job {
    rs__allocator alloc;
    rs__errbuf err;
    MPI_Comm comm;          /* the job's own duplicate */
    int rank, size;
    double timeout;         /* RS_MPI_PARAM_TIMEOUT */
    int64_t checkpoint_every;
    int32_t resume;
    char *checkpoint;       /* NULL: none */
    int32_t broken;         /* a wait timed out or MPI failed */
    /* figures of the last rs_mpi_fit (RS_MPI_INFO_*) */
    int64_t bands, resumed_epoch, ratings;
    double bytes_sent, wait_seconds, train_seconds, compute_seconds;
    int counting;           /* waits count into wait_seconds (during the epochs) */
};

/* Seconds on a monotonic clock; CPU seconds of the process. */
RS_INTERNAL double rs__mpi_now(void);
RS_INTERNAL double rs__mpi_cpu_now(void);

/* Wait for n requests, polling, for at most the job's timeout. what names
 * the wait in the message ("item band 3 from rank 1"). RS_OK, or RS_ERR_IO
 * with the job broken. */
RS_INTERNAL rs_status rs__mpi_wait(rs_mpi_job *job, int n, MPI_Request *reqs, const char *what);
/* Wait until any one of n requests completes (bounded like rs__mpi_wait). */
RS_INTERNAL rs_status rs__mpi_wait_any(rs_mpi_job *job, int n, MPI_Request *reqs, const char *what);
/* Progress pending requests without waiting (MPI_Testall); 1 when all are done. */
RS_INTERNAL int rs__mpi_poll(rs_mpi_job *job, int n, MPI_Request *reqs);
/* An MPI return code: RS_OK, or RS_ERR_IO naming the call (job broken). */
RS_INTERNAL rs_status rs__mpi_check(rs_mpi_job *job, int rc, const char *call);

/* Bounded collectives over the job's communicator (in place where a single
 * buffer is given). */
RS_INTERNAL rs_status rs__mpi_allreduce(rs_mpi_job *job, void *buf, int count, MPI_Datatype type,
                                        MPI_Op op, const char *what);
RS_INTERNAL rs_status rs__mpi_bcast(rs_mpi_job *job, void *buf, size_t bytes, int root,
                                    const char *what);
RS_INTERNAL rs_status rs__mpi_exscan_u64(rs_mpi_job *job, uint64_t value, uint64_t *out,
                                         const char *what);
/* Gather one uint64 from every rank into all[size]. */
RS_INTERNAL rs_status rs__mpi_allgather_u64(rs_mpi_job *job, uint64_t value, uint64_t *all,
                                            const char *what);
/* Point to point, bounded, any size (sent in pieces of at most 1 GiB). */
RS_INTERNAL rs_status rs__mpi_send(rs_mpi_job *job, const void *buf, size_t bytes, int dest,
                                   int tag, const char *what);
RS_INTERNAL rs_status rs__mpi_recv(rs_mpi_job *job, void *buf, size_t bytes, int src, int tag,
                                   const char *what);

/* The outcome of work each rank did alone: every rank gets the status of
 * the lowest failing rank, and the job's message "rank R: <its message>"
 * (msg: this rank's message, used when st != RS_OK). A broken job stays
 * broken (the agreement then fails on this rank alone). */
RS_INTERNAL rs_status rs__mpi_agree(rs_mpi_job *job, rs_status st, const char *msg);

/* Bit-exact sums of non-negative integers and of values that only one rank
 * contributes, in MPI_UINT64_T / MPI_DOUBLE (MPI_SUM). */

/* Message tags of the module (one space per kind of message). */
enum {
    RS__TAG_SUMMARY = 11,
    RS__TAG_BAND = 12,    /* + nothing: a band's source and position are implied by the schedule */
    RS__TAG_GATHER = 13,
    RS__TAG_CHECKPOINT = 14,
    RS__TAG_VALID = 15
};

#endif
