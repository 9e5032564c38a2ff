/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_header_c99.c: the public headers compile as strict C99
 * (-std=c99 -pedantic -Werror, set per target in Makefile.am) and the
 * linked library matches the header it was compiled against. */
#include <librecsgd/recsgd.h>

#include <stdio.h>
#include <string.h>

static int failures;

static void expect(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "FAIL: %s\n", what);
        failures++;
    }
}

int main(void)
{
    const char *v = rs_version_string();
    rs_model *m = NULL;
    rs_dataset *ds = NULL;
    int64_t factors = 0;

    expect(rs_version_number() == RS_VERSION_NUMBER, "rs_version_number() == RS_VERSION_NUMBER");
    expect(rs_version_number() / 10000 == RS_VERSION_MAJOR, "major version matches");
    expect(v != NULL && strcmp(v, RS_VERSION_STRING) == 0, "rs_version_string() == RS_VERSION_STRING");
    expect(RS_VERSION_AT_LEAST(0, 1, 0), "RS_VERSION_AT_LEAST(0, 1, 0)");
    expect((rs_build_features() & ~0x3Fu) == 0, "rs_build_features() has only known bits");
    expect(strcmp(rs_status_string(RS_OK), "ok") == 0, "rs_status_string(RS_OK)");
    expect(strcmp(rs_param_name(RS_PARAM_FACTORS), "factors") == 0, "rs_param_name(RS_PARAM_FACTORS)");

    expect(rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL) == RS_OK && m != NULL, "rs_model_new");
    expect(rs_model_get_int(m, RS_PARAM_FACTORS, &factors) == RS_OK && factors >= 1,
           "default RS_PARAM_FACTORS readable");
    rs_model_free(m);
    expect(rs_dataset_new(&ds, NULL, NULL) == RS_OK && ds != NULL, "rs_dataset_new");
    expect(rs_dataset_num_ratings(ds) == 0, "a new dataset is empty");
    rs_dataset_free(ds);

    if (failures == 0)
        printf("PASS: librecsgd %s headers compile as C99; library version matches\n", v);
    return failures == 0 ? 0 : 1;
}
