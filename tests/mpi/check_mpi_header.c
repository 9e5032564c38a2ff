/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_mpi_header.c: recsgd_mpi.h compiles as strict C99 (-std=c99
 * -pedantic -Werror, set in Makefile.am) and the library it links reports
 * the version of the headers; no MPI process is started. */
#include <librecsgd/recsgd_mpi.h>

#include <stdio.h>

int main(void)
{
    if (rs_mpi_version_number() != RS_VERSION_NUMBER) {
        fprintf(stderr, "FAIL: rs_mpi_version_number() %u != RS_VERSION_NUMBER %u\n",
                (unsigned)rs_mpi_version_number(), (unsigned)RS_VERSION_NUMBER);
        return 1;
    }
    if (RS_MPI_PARAM_CHECKPOINT_EVERY != 1 || RS_MPI_PARAM_TIMEOUT != 100 ||
        RS_MPI_PARAM_CHECKPOINT != 200 || RS_MPI_SHARE_SPLIT != 0) {
        fprintf(stderr, "FAIL: pinned constants changed\n");
        return 1;
    }
    puts("PASS: recsgd_mpi.h as C99");
    return 0;
}
