/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * stats.c: every epoch's statistics record as CSV (--stats), read back from
 * the model after rs_fit so a diverged run's epochs are included. NaN (no
 * validation set) is written as "nan", which spreadsheets and pandas read. */
#include <errno.h>
#include <string.h>

#include "cli.h"

const char *const cli_stats_columns[] = {
    "epoch", "train_rmse", "valid_rmse", "grad_norm_mean", "grad_norm_max",
    "factor_grad_norm_mean", "clip_share", "learning_rate", "seconds", "diverged", NULL};

/* RS_STAT_* index of each column above. */
static const int column_stat[] = {
    RS_STAT_EPOCH, RS_STAT_TRAIN_RMSE, RS_STAT_VALID_RMSE, RS_STAT_GRAD_NORM_MEAN,
    RS_STAT_GRAD_NORM_MAX, RS_STAT_FACTOR_GRAD_NORM_MEAN, RS_STAT_CLIP_SHARE,
    RS_STAT_LEARNING_RATE, RS_STAT_SECONDS, RS_STAT_DIVERGED};

int cli_stats_write(const rs_model *m, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return cli_fail(CLI_FILE, "%s: cannot write the statistics: %s", path, strerror(errno));
    for (int c = 0; cli_stats_columns[c]; c++)
        fprintf(f, "%s%s", c ? "," : "", cli_stats_columns[c]);
    fputc('\n', f);
    size_t epochs = rs_model_num_epoch_stats(m);
    for (size_t e = 0; e < epochs; e++) {
        double s[32];
        size_t n = 0;
        if (rs_model_epoch_stats(m, e, s, sizeof s / sizeof s[0], &n) != RS_OK)
            n = 0;
        for (int c = 0; cli_stats_columns[c]; c++) {
            size_t k = (size_t)column_stat[c];
            fputs(c ? "," : "", f);
            if (k >= n)
                fputs("nan", f);
            else if (k == RS_STAT_EPOCH || k == RS_STAT_DIVERGED)
                fprintf(f, "%.0f", s[k]);
            else
                fprintf(f, "%.9g", s[k]);
        }
        fputc('\n', f);
    }
    if (ferror(f) | (fclose(f) != 0))
        return cli_fail(CLI_FILE, "%s: cannot write the statistics: %s", path, strerror(errno));
    return CLI_OK;
}
