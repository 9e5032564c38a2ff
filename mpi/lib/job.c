/* librecsgd-mpi. SPDX-License-Identifier: BSD-2-Clause
 * job.c: rs_mpi_job - lifecycle, the version check, parameters and
 * figures, and rs_mpi_agree. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_DEFAULT */
#endif
#include <dlfcn.h>
#include <string.h>

#include "job.h"

uint32_t rs_mpi_version_number(void) { return RS_VERSION_NUMBER; }

/* librecsgd-mpi links its own copy of the core (hidden), so the version
 * functions it could call directly are its own. The handles it is given
 * come from the librecsgd the application linked: that one is found by
 * name in the process's global scope, where this library's copy is not. */
static rs_status check_core_version(void)
{
    typedef uint32_t (*u32_fn)(void);
    u32_fn version = (u32_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "rs_version_number");
    u32_fn features = (u32_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "rs_build_features");
    if (!version || !features)
        return RS_ERR_VERSION; /* no shared librecsgd in the process to make handles */
    if (version() != RS_VERSION_NUMBER || features() != rs_build_features())
        return RS_ERR_VERSION;
    return RS_OK;
}

rs_status rs_mpi_job_new(rs_mpi_job **out, MPI_Comm comm, rs_alloc_fn alloc, void *alloc_ud)
{
    if (!out)
        return RS_ERR_INVALID_ARG;
    *out = NULL;
    int inited = 0, finalized = 0;
    if (MPI_Initialized(&inited) != MPI_SUCCESS || !inited ||
        MPI_Finalized(&finalized) != MPI_SUCCESS || finalized || comm == MPI_COMM_NULL)
        return RS_ERR_INVALID_ARG;
    /* The job is set up on the stack: a rank whose allocation fails must
     * still take part in the collective calls below. */
    rs_mpi_job tmp;
    memset(&tmp, 0, sizeof tmp);
    rs__allocator_init(&tmp.alloc, alloc, alloc_ud);
    tmp.timeout = 600.0;
    tmp.comm = MPI_COMM_NULL;
    if (MPI_Comm_rank(comm, &tmp.rank) != MPI_SUCCESS || MPI_Comm_size(comm, &tmp.size) != MPI_SUCCESS)
        return RS_ERR_INVALID_ARG;
    rs_mpi_job *job = rs__calloc(&tmp.alloc, 1, sizeof *job);
    rs_status local = job ? check_core_version() : RS_ERR_NOMEM;
    /* Duplicate first (collective), then agree on the local outcome over
     * the duplicate, so every rank returns the same status. */
    MPI_Request r;
    if (MPI_Comm_idup(comm, &tmp.comm, &r) != MPI_SUCCESS ||
        rs__mpi_wait(&tmp, 1, &r, "the other ranks to create the job") != RS_OK) {
        rs__free(&tmp.alloc, job, 1, sizeof *job);
        return RS_ERR_IO;
    }
    MPI_Comm_set_errhandler(tmp.comm, MPI_ERRORS_RETURN);
    int worst = (int)local;
    if (rs__mpi_allreduce(&tmp, &worst, 1, MPI_INT, MPI_MAX, "the other ranks to create the job") !=
        RS_OK)
        worst = RS_ERR_IO;
    if (worst != RS_OK) {
        if (!tmp.broken)
            MPI_Comm_free(&tmp.comm);
        rs__free(&tmp.alloc, job, 1, sizeof *job);
        return (rs_status)worst;
    }
    *job = tmp;
    *out = job;
    return RS_OK;
}

void rs_mpi_job_free(rs_mpi_job *job)
{
    if (!job)
        return;
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized && job->comm != MPI_COMM_NULL)
        MPI_Comm_free(&job->comm);
    if (job->checkpoint)
        rs__free(&job->alloc, job->checkpoint, strlen(job->checkpoint) + 1, 1);
    rs__allocator a = job->alloc;
    rs__free(&a, job, 1, sizeof *job);
}

const char *rs_mpi_job_last_error(const rs_mpi_job *job) { return job ? job->err.msg : ""; }

static rs_status unknown(rs_mpi_job *job, rs_mpi_param p)
{
    return rs__err(&job->err, RS_ERR_UNKNOWN_PARAM, "unknown job parameter %d", (int)p);
}

static int is_int(rs_mpi_param p) { return p >= 1 && p <= 99; }
static int is_real(rs_mpi_param p) { return p >= 100 && p <= 199; }
static int is_string(rs_mpi_param p) { return p >= 200 && p <= 299; }

rs_status rs_mpi_job_set_int(rs_mpi_job *job, rs_mpi_param p, int64_t v)
{
    if (!job)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&job->err);
    if (p != RS_MPI_PARAM_CHECKPOINT_EVERY && p != RS_MPI_PARAM_RESUME) {
        if (is_real(p) || is_string(p) || (p >= 300 && p <= 313))
            return rs__err(&job->err, RS_ERR_PARAM_TYPE, "job parameter %d is not an integer "
                           "parameter", (int)p);
        return unknown(job, p);
    }
    if (p == RS_MPI_PARAM_CHECKPOINT_EVERY) {
        if (v < 0 || v > 1000000)
            return rs__err(&job->err, RS_ERR_RANGE, "checkpoint_every = %lld is outside [0, 1000000]",
                           (long long)v);
        job->checkpoint_every = v;
    } else {
        if (v < 0 || v > 1)
            return rs__err(&job->err, RS_ERR_RANGE, "resume = %lld is outside [0, 1]", (long long)v);
        job->resume = (int32_t)v;
    }
    return RS_OK;
}

rs_status rs_mpi_job_set_double(rs_mpi_job *job, rs_mpi_param p, double v)
{
    if (!job)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&job->err);
    if (p != RS_MPI_PARAM_TIMEOUT) {
        if (is_int(p) || is_string(p) || (p >= 300 && p <= 313))
            return rs__err(&job->err, RS_ERR_PARAM_TYPE, "job parameter %d is not a real parameter",
                           (int)p);
        return unknown(job, p);
    }
    if (!(v >= 0.01 && v <= 1e6))
        return rs__err(&job->err, RS_ERR_RANGE, "timeout = %g is outside [0.01, 1e6] seconds", v);
    job->timeout = v;
    return RS_OK;
}

rs_status rs_mpi_job_set_string(rs_mpi_job *job, rs_mpi_param p, const char *v)
{
    if (!job)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&job->err);
    if (p != RS_MPI_PARAM_CHECKPOINT) {
        if (is_int(p) || is_real(p) || (p >= 300 && p <= 313))
            return rs__err(&job->err, RS_ERR_PARAM_TYPE, "job parameter %d is not a string "
                           "parameter", (int)p);
        return unknown(job, p);
    }
    char *copy = NULL;
    if (v && *v && !(copy = rs__strdup(&job->alloc, v)))
        return rs__err(&job->err, RS_ERR_NOMEM, "out of memory");
    if (job->checkpoint)
        rs__free(&job->alloc, job->checkpoint, strlen(job->checkpoint) + 1, 1);
    job->checkpoint = copy;
    return RS_OK;
}

rs_status rs_mpi_job_get_int(const rs_mpi_job *job, rs_mpi_param p, int64_t *out)
{
    if (!job || !out)
        return RS_ERR_INVALID_ARG;
    switch (p) {
    case RS_MPI_PARAM_CHECKPOINT_EVERY: *out = job->checkpoint_every; return RS_OK;
    case RS_MPI_PARAM_RESUME: *out = job->resume; return RS_OK;
    case RS_MPI_INFO_RANK: *out = job->rank; return RS_OK;
    case RS_MPI_INFO_SIZE: *out = job->size; return RS_OK;
    case RS_MPI_INFO_BANDS: *out = job->bands; return RS_OK;
    case RS_MPI_INFO_RESUMED_EPOCH: *out = job->resumed_epoch; return RS_OK;
    case RS_MPI_INFO_BROKEN: *out = job->broken; return RS_OK;
    case RS_MPI_INFO_RATINGS: *out = job->ratings; return RS_OK;
    default: break;
    }
    if (is_real(p) || is_string(p) || (p >= 310 && p <= 313))
        return RS_ERR_PARAM_TYPE;
    return RS_ERR_UNKNOWN_PARAM;
}

rs_status rs_mpi_job_get_double(const rs_mpi_job *job, rs_mpi_param p, double *out)
{
    if (!job || !out)
        return RS_ERR_INVALID_ARG;
    switch (p) {
    case RS_MPI_PARAM_TIMEOUT: *out = job->timeout; return RS_OK;
    case RS_MPI_INFO_BYTES_SENT: *out = job->bytes_sent; return RS_OK;
    case RS_MPI_INFO_WAIT_SECONDS: *out = job->wait_seconds; return RS_OK;
    case RS_MPI_INFO_TRAIN_SECONDS: *out = job->train_seconds; return RS_OK;
    case RS_MPI_INFO_COMPUTE_SECONDS: *out = job->compute_seconds; return RS_OK;
    default: break;
    }
    if (is_int(p) || is_string(p) || (p >= 300 && p <= 305))
        return RS_ERR_PARAM_TYPE;
    return RS_ERR_UNKNOWN_PARAM;
}

rs_status rs_mpi_agree(rs_mpi_job *job, rs_status status, const char *message)
{
    if (!job)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&job->err);
    return rs__mpi_agree(job, status, message);
}
