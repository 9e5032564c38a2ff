// librecsgd. SPDX-License-Identifier: BSD-2-Clause
// check_mpi_header_cxx.cc: recsgd_mpi.h compiles as C++11 (-pedantic
// -Werror) with C linkage.
#include <librecsgd/recsgd_mpi.h>

#include <cstdio>

int main()
{
    rs_status (*fit)(rs_mpi_job *, rs_model *, const rs_dataset *, const rs_dataset *) = rs_mpi_fit;
    if (!fit || rs_mpi_version_number() != RS_VERSION_NUMBER) {
        std::fprintf(stderr, "FAIL: recsgd_mpi.h as C++11\n");
        return 1;
    }
    std::puts("PASS: recsgd_mpi.h as C++11");
    return 0;
}
