/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_api_crashsafe.c: rs_model_save_file under faults (issue 11).
 *
 *  - Killed mid-save: a child process saves a new model over a file that
 *    holds an old one and is killed with SIGKILL at the k-th step of the
 *    save (k = 1, 2, ...: each write, the flush, the fsync, the close,
 *    the rename), until a save runs to completion. After every kill the file
 *    must load and hold either the old model or the new one, byte for byte;
 *    a temporary file left by the kill must not stop the next save.
 *    The steps are counted by this program's own write/close/fsync/rename
 *    (the library writes with write(2), no stdio FILE: lib/io/file.c) and
 *    fwrite/fflush/fclose (should it use stdio again), which the library's
 *    calls resolve to (then forwarded to libc).
 *  - Full disk (RLIMIT_FSIZE in a child): RS_ERR_IO with the system's reason,
 *    the old file intact, no temporary file left.
 *  - A directory where nothing can be created: RS_ERR_IO, nothing changed.
 * Public API only. */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <librecsgd/recsgd.h>

#include <check.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reltest.h"

/* ---- the step counter: SIGKILL at step kill_at (0: never) ---- */

static long kill_at, steps;

static void step(void)
{
    if (kill_at && ++steps == kill_at)
        kill(getpid(), SIGKILL);
}

#define NEXT(type, name) ((type)dlsym(RTLD_NEXT, name))

size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
    step();
    size_t r = NEXT(size_t(*)(const void *, size_t, size_t, FILE *), "fwrite")(p, size, n, f);
    step();
    return r;
}
ssize_t write(int fd, const void *p, size_t n)
{
    step();
    ssize_t r = NEXT(ssize_t(*)(int, const void *, size_t), "write")(fd, p, n);
    step();
    return r;
}
int close(int fd)
{
    step();
    return NEXT(int (*)(int), "close")(fd);
}
int fflush(FILE *f)
{
    step();
    return NEXT(int (*)(FILE *), "fflush")(f);
}
int fsync(int fd)
{
    step();
    int r = NEXT(int (*)(int), "fsync")(fd);
    step();
    return r;
}
int fclose(FILE *f)
{
    step();
    return NEXT(int (*)(FILE *), "fclose")(f);
}
int rename(const char *a, const char *b)
{
    step();
    int r = NEXT(int (*)(const char *, const char *), "rename")(a, b);
    step();
    return r;
}

/* ---- fixtures ---- */

static rs_model *old_model, *new_model;
static unsigned char *old_bytes, *new_bytes;
static size_t old_n, new_n;
static char dir[64], path[128];

static rs_model *model_of(uint64_t seed, int users, int items, int factors)
{
    rs_dataset *ds;
    ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(ds, NULL, users, items, 3, 0.3, 0.1, 0.0, seed), 0);
    rs_model *m = rt_model(RS_SCORER_COLLABORATIVE, NULL, NULL);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, factors), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 2), RS_OK);
    ck_assert_int_eq(rs_fit(m, ds, NULL), RS_OK);
    rs_dataset_free(ds);
    return m;
}

static void setup(void)
{
    /* The new model is large enough to take many writes (the encoder hands
     * out 4 KiB pieces). */
    old_model = model_of(1, 30, 20, 4);
    new_model = model_of(2, 300, 200, 64);
    old_bytes = rt_blob(old_model, &old_n, NULL);
    new_bytes = rt_blob(new_model, &new_n, NULL);
    ck_assert_uint_gt(new_n, 40000);
    strcpy(dir, "/tmp/rs_crash_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/model.rsgd", dir);
    char msg[256];
    ck_assert_int_eq(rs_model_save_file(old_model, path, msg, sizeof msg), RS_OK);
}

static size_t count_temps(int remove_them)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "model.rsgd.tmp.", 15) != 0)
            continue;
        n++;
        if (remove_them) {
            char p[512];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    }
    closedir(d);
    return n;
}

static void teardown(void)
{
    count_temps(1);
    unlink(path);
    chmod(dir, 0700);
    rmdir(dir);
    free(old_bytes);
    free(new_bytes);
    rs_model_free(old_model);
    rs_model_free(new_model);
}

/* The file at path: 0 = the old model, 1 = the new one (checked to load). */
static int which_model(void)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "the model file is gone: %s", strerror(errno));
    size_t cap = new_n > old_n ? new_n + 1 : old_n + 1;
    unsigned char *b = malloc(cap);
    size_t n = fread(b, 1, cap, f);
    fclose(f);
    int which = -1;
    if (n == old_n && memcmp(b, old_bytes, n) == 0)
        which = 0;
    else if (n == new_n && memcmp(b, new_bytes, n) == 0)
        which = 1;
    free(b);
    ck_assert_msg(which >= 0, "the model file holds %zu bytes that are neither model", n);
    rs_model *l = NULL;
    char msg[256];
    ck_assert_int_eq(rs_model_load_file(&l, path, NULL, NULL, msg, sizeof msg), RS_OK);
    rs_model_free(l);
    return which;
}

/* ---- killed at every step ---- */

START_TEST(test_a_save_killed_at_any_step_leaves_a_loadable_model)
{
    long k;
    int completed = 0, saw_old = 0, saw_new = 0;
    size_t leftovers = 0;
    for (k = 1; !completed && k < 10000; k++) {
        /* Start from the old model every time. */
        char msg[256];
        kill_at = 0;
        ck_assert_int_eq(rs_model_save_file(old_model, path, msg, sizeof msg), RS_OK);
        count_temps(1);
        fflush(stdout);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            kill_at = k;
            steps = 0;
            rs_status st = rs_model_save_file(new_model, path, msg, sizeof msg);
            _exit(st == RS_OK ? 0 : 10);
        }
        int ws;
        ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
        if (WIFEXITED(ws)) {
            ck_assert_int_eq(WEXITSTATUS(ws), 0);
            completed = 1;
            ck_assert_int_eq(which_model(), 1);
            ck_assert_uint_eq(count_temps(0), 0);
            break;
        }
        ck_assert_msg(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL, "child ended oddly: %d", ws);
        if (which_model())
            saw_new = 1;
        else
            saw_old = 1;
        /* A temporary file the kill left behind does not stop the next save. */
        size_t temps = count_temps(0);
        leftovers += temps;
        ck_assert_int_eq(rs_model_save_file(new_model, path, msg, sizeof msg), RS_OK);
        ck_assert_int_eq(which_model(), 1);
        ck_assert_uint_eq(count_temps(0), temps); /* the new save left none of its own */
    }
    ck_assert_msg(completed, "the save never completed");
    ck_assert_int_gt(k, 20); /* many kill points were tried */
    ck_assert(saw_old && saw_new);
    ck_assert_uint_gt(leftovers, 0);
    printf("crash-safe save: killed at each of %ld steps (%zu left a temporary file), the file "
           "always loaded as the old or the new model\n",
           k - 1, leftovers);
}
END_TEST

/* ---- full disk ---- */

START_TEST(test_a_full_disk_fails_cleanly)
{
    fflush(stdout);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN); /* get EFBIG instead of being killed */
        struct rlimit rl = {(rlim_t)(new_n / 3), (rlim_t)(new_n / 3)};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(20);
        char msg[256];
        rs_status st = rs_model_save_file(new_model, path, msg, sizeof msg);
        if (st != RS_ERR_IO)
            _exit(21);
        if (!strstr(msg, strerror(EFBIG)))
            _exit(22);
        _exit(0);
    }
    int ws;
    ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
    ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "child status %d", ws);
    ck_assert_int_eq(which_model(), 0);
    ck_assert_uint_eq(count_temps(0), 0);
}
END_TEST

/* ---- nowhere to write ---- */

START_TEST(test_an_unwritable_directory_fails_cleanly)
{
    char msg[256];
    /* A directory without write permission (root ignores permissions). */
    if (geteuid() != 0) {
        ck_assert_int_eq(chmod(dir, 0500), 0);
        ck_assert_int_eq(rs_model_save_file(new_model, path, msg, sizeof msg), RS_ERR_IO);
        ck_assert_ptr_nonnull(strstr(msg, strerror(EACCES)));
        ck_assert_int_eq(chmod(dir, 0700), 0);
        ck_assert_int_eq(which_model(), 0);
        ck_assert_uint_eq(count_temps(0), 0);
    } else {
        printf("unwritable directory: skipped the permission case (running as root)\n");
    }
    /* Where nobody, root included, can create a file. */
    ck_assert_int_eq(rs_model_save_file(new_model, "/proc/rs_no_such_model", msg, sizeof msg),
                     RS_ERR_IO);
    ck_assert_str_ne(msg, "");
    ck_assert_int_eq(rs_model_save_file(new_model, "/nonexistent-dir/m", msg, sizeof msg),
                     RS_ERR_IO);
    ck_assert_ptr_nonnull(strstr(msg, strerror(ENOENT)));
    /* A path that names a directory: the rename fails, the temporary goes. */
    ck_assert_int_eq(rs_model_save_file(new_model, dir, msg, sizeof msg), RS_ERR_IO);
    ck_assert_int_eq(which_model(), 0);
}
END_TEST

static Suite *crash_suite(void)
{
    Suite *s = suite_create("crashsafe");
    TCase *tc = tcase_create("save_file");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_a_save_killed_at_any_step_leaves_a_loadable_model);
    tcase_add_test(tc, test_a_full_disk_fails_cleanly);
    tcase_add_test(tc, test_an_unwritable_directory_fails_cleanly);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!(rs_build_features() & RS_FEATURE_STDIO)) {
        printf("SKIP: built without the file conveniences (--disable-stdio)\n");
        return 77;
    }
    SRunner *sr = srunner_create(crash_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
