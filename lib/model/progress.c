/*
 * The Keras progress bar on stderr, the one place libnn prints, and only
 * when the caller sets LIBNN_MODEL_VERBOSE. On a terminal the bar redraws
 * in place; elsewhere (logs, CI) verbose 1 prints the finished epoch line
 * only, like verbose 2, so that files do not fill with redraws.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model_internal.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void lnn_progress_epoch_begin(lnn_progress *p, int verbose, int64_t epoch, int64_t epochs,
                              size_t steps)
{
    memset(p, 0, sizeof *p);
    p->verbose = verbose;
    p->epoch = epoch;
    p->epochs = epochs;
    p->steps = steps;
    p->start = now();
    p->tty = isatty(fileno(stderr));
    if (verbose)
        fprintf(stderr, "Epoch %lld/%lld\n", (long long)epoch + 1, (long long)epochs);
}

/* " - 2s 15ms/step" as Keras prints the time of a finished epoch. */
static void print_time(double elapsed, size_t steps, bool final, size_t step)
{
    if (final) {
        double per = elapsed / (double)(steps ? steps : 1);
        if (per >= 1)
            fprintf(stderr, " - %.0fs %.0fs/step", elapsed, per);
        else
            fprintf(stderr, " - %.0fs %.0fms/step", elapsed, 1e3 * per);
    } else {
        /* ETA from the mean time per step so far. */
        double eta = step ? elapsed / (double)step * (double)(steps - step) : 0;
        fprintf(stderr, " - ETA: %.0fs", eta);
    }
}

static void print_logs(const libnn_logs *logs)
{
    for (size_t i = 0; i < logs->count; i++) {
        if (strcmp(logs->names[i], "lr") == 0)
            continue;
        double v = logs->values[i];
        if (fabs(v) >= 1e-3 || v == 0)
            fprintf(stderr, " - %s: %.4f", logs->names[i], v);
        else
            fprintf(stderr, " - %s: %.4e", logs->names[i], v);
    }
}

void lnn_progress_update(lnn_progress *p, size_t step, const libnn_logs *logs, bool final)
{
    if (!p->verbose)
        return;
    double t = now();
    bool draw_bar = p->verbose == 1 && p->tty;
    if (!final && (!draw_bar || t - p->last_draw < 0.05))
        return;
    p->last_draw = t;
    int width = 30, digits = snprintf(NULL, 0, "%zu", p->steps);
    if (draw_bar || p->verbose == 1) {
        /* [=====>....] with the arrow at the current step, as Keras. */
        int done = (int)((double)width * (double)step / (double)(p->steps ? p->steps : 1));
        char bar[64];
        for (int i = 0; i < width; i++)
            bar[i] = i < done ? '=' : '.';
        if (done < width && done > 0)
            bar[done - 1] = '>';
        bar[width] = '\0';
        fprintf(stderr, "%s%*zu/%zu [%s]", draw_bar ? "\r" : "", digits, step, p->steps, bar);
    } else {
        fprintf(stderr, "%zu/%zu", step, p->steps);
    }
    print_time(t - p->start, p->steps, final, step);
    print_logs(logs);
    if (draw_bar && !final)
        fprintf(stderr, "\033[K"); /* clear what a longer line left */
    if (final)
        fprintf(stderr, "\n");
    fflush(stderr);
}
