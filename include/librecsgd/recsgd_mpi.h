/* librecsgd - embeddable recommender library. SPDX-License-Identifier: BSD-2-Clause
 * recsgd_mpi.h: librecsgd-mpi - training one model on many processes over MPI
 * (built with ./configure --with-mpi; link with pkg-config librecsgd-mpi).
 *
 * The ranks of a communicator train one model together: every rank holds a
 * share of the ratings (rs_mpi_load_ratings reads a share of one file, or a
 * file of its own), rs_mpi_fit trains on all shares with the stratified
 * block schedule of rs_fit (DSGD: each rank owns bands of users with their
 * ratings, bands of item parameters travel between ranks) and gathers the
 * model on rank 0, which saves it with rs_model_save or
 * rs_mpi_model_save_file: an ordinary model file, loadable anywhere without
 * MPI. The scheme, what it guarantees and how to run it on a cluster are in
 * docs/guide/distributed.md.
 *
 * This header is not included by recsgd.h: the core library and its
 * bindings know nothing of MPI. It includes <mpi.h> because its functions
 * take an MPI communicator.
 *
 * Collective calls: every function marked "Collective" must be called by
 * every rank of the job's communicator, in the same order. They agree on
 * the outcome: when one rank fails (bad input, out of memory, a file it
 * cannot write), every rank returns the same status and holds the same
 * message, which names the failing rank ("rank 2: ratings.tsv:41: ...").
 * No call waits for another rank longer than RS_MPI_PARAM_TIMEOUT seconds;
 * a call that gave up that way (or met an MPI error) returns RS_ERR_IO and
 * leaves the job broken (RS_MPI_INFO_BROKEN = 1): the communicator may hold
 * unfinished messages, so the program should report the message and call
 * MPI_Abort.
 *
 * Handles: rs_mpi_job is opaque like every librecsgd handle. rs_model and
 * rs_dataset handles passed in are made by librecsgd (rs_model_new,
 * rs_dataset_new); librecsgd-mpi carries its own copy of the library's
 * internals, so rs_mpi_job_new checks that the librecsgd in the process is
 * the version this library was built with. */
#ifndef LIBRECSGD_RECSGD_MPI_H
#define LIBRECSGD_RECSGD_MPI_H

#include <stddef.h>
#include <stdint.h>
#include <mpi.h>
#include "recsgd.h"

#if defined(_WIN32)
#  if defined(RS_STATIC)
#    define RS_MPI_API
#  elif defined(RS_BUILDING_MPI_LIBRARY) && defined(DLL_EXPORT)
#    define RS_MPI_API __declspec(dllexport)
#  elif defined(RS_BUILDING_MPI_LIBRARY)
#    define RS_MPI_API
#  else
#    define RS_MPI_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define RS_MPI_API __attribute__((visibility("default")))
#else
#  define RS_MPI_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- constants ---- */

/* Job parameters and read-only figures. Values are pinned; ranges tell the
 * type: 1-99 integers, 100-199 reals, 200-299 strings, 300-399 read-only
 * figures of this rank (integers and reals, read with the getters). */
typedef int32_t rs_mpi_param;
enum {
    RS_MPI_PARAM_CHECKPOINT_EVERY = 1,   /* write a checkpoint after every N-th epoch of rs_mpi_fit
                                            (needs RS_MPI_PARAM_CHECKPOINT); 0 = none; default 0,
                                            [0, 1000000] */
    RS_MPI_PARAM_RESUME           = 2,   /* 1: rs_mpi_fit continues from the checkpoint file
                                            instead of starting at epoch 1; default 0, [0, 1] */
    RS_MPI_PARAM_TIMEOUT          = 100, /* seconds any call may wait for another rank before it
                                            gives up with RS_ERR_IO; default 600, [0.01, 1e6] */
    RS_MPI_PARAM_CHECKPOINT       = 200, /* checkpoint file path, written by rank 0 and replaced
                                            atomically; NULL or "" = none; default none */
    RS_MPI_INFO_RANK              = 300, /* this process's rank in the job */
    RS_MPI_INFO_SIZE              = 301, /* ranks in the job */
    RS_MPI_INFO_BANDS             = 302, /* bands per side of the last rs_mpi_fit's grid */
    RS_MPI_INFO_RESUMED_EPOCH     = 303, /* epochs the last rs_mpi_fit took from a checkpoint (0: none) */
    RS_MPI_INFO_BROKEN            = 304, /* 1 after a wait timed out or MPI failed: call MPI_Abort */
    RS_MPI_INFO_RATINGS           = 305, /* training ratings this rank owned in the last rs_mpi_fit */
    RS_MPI_INFO_BYTES_SENT        = 310, /* bytes this rank sent for item bands and shared rows
                                            during the last rs_mpi_fit's epochs (real) */
    RS_MPI_INFO_WAIT_SECONDS      = 311, /* seconds this rank waited for other ranks during the
                                            last rs_mpi_fit's epochs (real) */
    RS_MPI_INFO_TRAIN_SECONDS     = 312, /* seconds of the last rs_mpi_fit's epochs on this rank (real) */
    RS_MPI_INFO_COMPUTE_SECONDS   = 313  /* CPU seconds this rank spent training its blocks in the
                                            last rs_mpi_fit (real; all its threads) */
};

/* How rs_mpi_load_ratings finds this rank's share of the ratings. */
enum {
    RS_MPI_SHARE_SPLIT    = 0, /* path is one file read by every rank: rank r reads the r-th of
                                  size equal byte ranges, cut at line ends (a CSV header line is
                                  read by every rank) */
    RS_MPI_SHARE_OWN_FILE = 1  /* path is this rank's own file, read whole */
};

/* ---- opaque handle ---- */

typedef struct rs_mpi_job rs_mpi_job;

/* ---- job lifecycle ---- */

/**
 * rs_mpi_version_number() - the librecsgd version this library was built from.
 *
 * @return RS_VERSION_NUMBER of the headers librecsgd-mpi was compiled with
 * Errors: cannot fail.
 * Ownership: nothing.
 * Thread safety: any
 * @since 0.2
 */
RS_MPI_API uint32_t rs_mpi_version_number(void);

/**
 * rs_mpi_job_new() - create a job over a communicator. Collective.
 *
 * Duplicates comm (the job's messages never mix with the caller's) and
 * checks that the librecsgd linked into the process is the version this
 * library was built from, with the same build features: the handles the
 * job is given are made by that library.
 *
 * @param out      receives the job; NULL on failure
 * @param comm     communicator (MPI must be initialised)
 * @param alloc    allocator for the job's own memory, or NULL for libc
 * @param alloc_ud user data for alloc
 * @return RS_OK, RS_ERR_INVALID_ARG (out NULL, MPI not initialised),
 *         RS_ERR_VERSION (librecsgd in the process does not match), RS_ERR_NOMEM,
 *         RS_ERR_IO (MPI failed)
 * Errors: constructors have no handle for a message; the status says it.
 * Ownership: the caller frees the job with rs_mpi_job_free.
 * Thread safety: any (collective over comm)
 * @since 0.2
 */
RS_MPI_API rs_status rs_mpi_job_new(rs_mpi_job **out, MPI_Comm comm, rs_alloc_fn alloc,
                                    void *alloc_ud);

/**
 * rs_mpi_job_free() - free a job and its duplicated communicator. Not collective.
 *
 * @param job job, or NULL (no-op)
 * Errors: cannot fail.
 * Ownership: job is invalid afterwards.
 * Thread safety: exclusive
 * @since 0.2
 */
RS_MPI_API void rs_mpi_job_free(rs_mpi_job *job);

/**
 * rs_mpi_job_last_error() - the message of the job's last failed call.
 *
 * @param job job
 * @return "" when the last call succeeded; never NULL; owned by job
 * Errors: cannot fail.
 * Ownership: valid until the next mutating call on job.
 * Thread safety: shared
 * @since 0.2
 */
RS_MPI_API const char *rs_mpi_job_last_error(const rs_mpi_job *job);

/* ---- parameters ---- */

/**
 * rs_mpi_job_set_int() - set an integer job parameter (RS_MPI_PARAM_* 1-99).
 *
 * @param job   job
 * @param param parameter
 * @param value value
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_PARAM, RS_ERR_PARAM_TYPE, RS_ERR_RANGE
 * Errors: message in rs_mpi_job_last_error(); the job is unchanged on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.2
 */
RS_MPI_API rs_status rs_mpi_job_set_int(rs_mpi_job *job, rs_mpi_param param, int64_t value);

/**
 * rs_mpi_job_set_double() - set a real job parameter (RS_MPI_PARAM_* 100-199).
 *
 * @param job   job
 * @param param parameter
 * @param value value
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_PARAM, RS_ERR_PARAM_TYPE, RS_ERR_RANGE
 * Errors: message in rs_mpi_job_last_error(); the job is unchanged on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.2
 */
RS_MPI_API rs_status rs_mpi_job_set_double(rs_mpi_job *job, rs_mpi_param param, double value);

/**
 * rs_mpi_job_set_string() - set a string job parameter (RS_MPI_PARAM_* 200-299).
 *
 * @param job   job
 * @param param parameter
 * @param value NUL-terminated string, copied; NULL or "" clears it
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_PARAM, RS_ERR_PARAM_TYPE, RS_ERR_NOMEM
 * Errors: message in rs_mpi_job_last_error(); the job is unchanged on failure.
 * Ownership: the job keeps its own copy.
 * Thread safety: exclusive
 * @since 0.2
 */
RS_MPI_API rs_status rs_mpi_job_set_string(rs_mpi_job *job, rs_mpi_param param,
                                           const char *value);

/**
 * rs_mpi_job_get_int() - read an integer parameter or figure.
 *
 * @param job   job
 * @param param RS_MPI_PARAM_* 1-99 or an integer RS_MPI_INFO_*
 * @param out   receives the value
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_PARAM, RS_ERR_PARAM_TYPE
 * Errors: reports the code only.
 * Ownership: nothing retained.
 * Thread safety: shared
 * @since 0.2
 */
RS_MPI_API rs_status rs_mpi_job_get_int(const rs_mpi_job *job, rs_mpi_param param, int64_t *out);

/**
 * rs_mpi_job_get_double() - read a real parameter or figure.
 *
 * @param job   job
 * @param param RS_MPI_PARAM_* 100-199 or a real RS_MPI_INFO_*
 * @param out   receives the value
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_PARAM, RS_ERR_PARAM_TYPE
 * Errors: reports the code only.
 * Ownership: nothing retained.
 * Thread safety: shared
 * @since 0.2
 */
RS_MPI_API rs_status rs_mpi_job_get_double(const rs_mpi_job *job, rs_mpi_param param,
                                           double *out);

/* ---- data ---- */

/**
 * rs_mpi_load_ratings() - append this rank's share of a ratings file to ds. Collective.
 *
 * With RS_MPI_SHARE_SPLIT every rank opens the same path and reads only
 * its byte range (rank r: from r * size / ranks to (r + 1) * size / ranks,
 * both moved to the next line start), so the ranks' shares in rank order
 * are the file. With RS_MPI_SHARE_OWN_FILE each rank reads the file it
 * names. Formats and checks are those of rs_dataset_load_file, with ds's
 * parameters (string ids, header, CSV delimiter and columns): a CSV or TSV
 * header is read by every rank when the file's first line is one (as
 * RS_PARAM_HAS_HEADER declares or the loader detects); ranks after the
 * first never take a line of their range for a header. A gzip-compressed
 * file cannot be split (RS_ERR_INVALID_ARG); each rank may read one of its
 * own. A rank whose share holds no rating is not an error; all shares
 * empty is. Messages name the rank and the line of the whole file.
 *
 * @param job    job
 * @param ds     dataset of this rank (made by rs_dataset_new)
 * @param path   file path (on every rank)
 * @param format RS_FORMAT_MOVIELENS, RS_FORMAT_CSV, RS_FORMAT_TSV or RS_FORMAT_LIBMF
 * @param share  RS_MPI_SHARE_SPLIT or RS_MPI_SHARE_OWN_FILE
 * @return as rs_dataset_load_file(), agreed: the same on every rank; RS_ERR_IO
 *         also for a wait that timed out
 * Errors: message in rs_mpi_job_last_error(); ds is unchanged on every rank on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive on job and ds
 * @since 0.2
 */
RS_MPI_API rs_status rs_mpi_load_ratings(rs_mpi_job *job, rs_dataset *ds, const char *path,
                                         int32_t format, int32_t share);

/* ---- training ---- */

/**
 * rs_mpi_fit() - train a model on every rank's share. Collective.
 *
 * The training set is the ranks' train datasets in rank order (as if
 * concatenated); each model must hold the same parameters and each rank
 * the same features (content, hybrid: load the same feature files on every
 * rank). Training is rs_fit's: the same grid of blocks and block order,
 * per-block steps of the scorer, learning-rate, L2, clipping and
 * initialisation policies, statistics and divergence guard (an epoch that
 * diverges on any rank is rolled back on every rank). With the collaborative
 * scorer and a rank count that divides rs_fit's band count the model is
 * bit-identical to rs_fit's on the concatenated data; with content and
 * hybrid scorers on more than one rank, the shared feature rows are merged
 * after every diagonal of blocks (docs/guide/distributed.md). With
 * RS_MPI_PARAM_CHECKPOINT_EVERY, rank 0 writes a checkpoint after every
 * N-th epoch; with RS_MPI_PARAM_RESUME the fit goes on from it and reaches
 * the model of an uninterrupted run. On success rank 0's model holds the
 * whole trained model (and its epoch statistics); the models of the other
 * ranks are left as they were. What rs_fit keeps, rank 0 keeps: a failed
 * fit leaves the model as it was (its epoch statistics describe the run),
 * unless RS_PARAM_KEEP_PARTIAL (a divergence) or a progress callback's stop
 * keeps the last good epoch. The bias-only baseline of rs_fit is computed
 * over every rank's ratings (RS_STAT_BASELINE_RMSE). Datasets with string
 * ids work as with rs_fit (every rank's alike). Not supported: RS_PARAM_IMPLICIT
 * (RS_ERR_INVALID_ARG). The cold-start refit of content and hybrid models
 * runs on a single rank only.
 *
 * @param job   job
 * @param model this rank's model (made by rs_model_new, parameters set)
 * @param train this rank's training ratings (may be empty on some ranks)
 * @param valid this rank's validation ratings, or NULL (NULL on every rank or on none)
 * @return as rs_fit(), agreed; also RS_ERR_INVALID_ARG (parameters or features
 *         differ between ranks, implicit feedback), RS_ERR_IO (a checkpoint cannot
 *         be written or read, a wait timed out), RS_ERR_FORMAT (the checkpoint does not
 *         belong to this run), RS_ERR_MISUSE (another call is using a rank's model, or a
 *         callback of the model calls it)
 * Errors: message in rs_mpi_job_last_error() (and in rs_model_last_error() on rank 0).
 * Ownership: nothing retained from train or valid.
 * Thread safety: exclusive on job and model (train, valid only read)
 * @since 0.2
 */
RS_MPI_API rs_status rs_mpi_fit(rs_mpi_job *job, rs_model *model, const rs_dataset *train,
                                const rs_dataset *valid);

/**
 * rs_mpi_model_save_file() - rank 0 saves its model to a file. Collective.
 *
 * Rank 0 writes the file with rs_model_save_file (atomically: a failed save
 * leaves no file behind); the other ranks wait for the outcome.
 *
 * @param job   job
 * @param model the model (only rank 0's is read)
 * @param path  file path (only rank 0's is used)
 * @return as rs_model_save_file() on rank 0, agreed
 * Errors: message in rs_mpi_job_last_error().
 * Ownership: nothing retained.
 * Thread safety: exclusive on job; shared on model
 * @since 0.2
 */
RS_MPI_API rs_status rs_mpi_model_save_file(rs_mpi_job *job, const rs_model *model,
                                            const char *path);

/**
 * rs_mpi_agree() - agree on the outcome of work each rank did alone. Collective.
 *
 * Every rank passes its own status and message; every rank returns the
 * status of the lowest-numbered rank that failed (RS_OK when none did),
 * and the job's message becomes "rank R: MESSAGE". For a program's own
 * steps between the collective calls (loading feature files, checking an
 * output path), so that every rank stops together.
 *
 * @param job     job
 * @param status  this rank's status
 * @param message this rank's message when status is not RS_OK (may be NULL)
 * @return the agreed status
 * Errors: RS_ERR_IO when a wait timed out.
 * Ownership: nothing retained.
 * Thread safety: exclusive on job
 * @since 0.2
 */
RS_MPI_API rs_status rs_mpi_agree(rs_mpi_job *job, rs_status status, const char *message);

#ifdef __cplusplus
}
#endif

#endif /* LIBRECSGD_RECSGD_MPI_H */
