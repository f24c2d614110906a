/*
 * `libnn predict MODEL INPUT...`: one line per sample, tab-separated: the
 * sample (index, or the image's path), then the top K classes each with its
 * probability (from logits when the model was trained on them; a score for
 * a classifier that gives neither), or with --raw, or for a model whose
 * outputs are not classes, every output value.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

/* Print the k largest of v[0..n) as "\tclass\tvalue", largest first; ties go
 * to the lower class, as argmax. `used` is scratch space of n bytes. */
static void print_top(const float *v, size_t n, int64_t k, unsigned char *used)
{
    memset(used, 0, n);
    for (int64_t j = 0; j < k && (size_t)j < n; j++) {
        size_t best = 0;
        while (used[best])
            best++;
        for (size_t c = best + 1; c < n; c++)
            if (!used[c] && v[c] > v[best])
                best = c;
        used[best] = 1;
        printf("\t%zu\t%.6f", best, (double)v[best]);
    }
}

/* Softmax of logits in place, as the loss with from_logits reads them. */
static void softmax(float *v, int64_t n)
{
    float max = v[0];
    for (int64_t i = 1; i < n; i++)
        max = v[i] > max ? v[i] : max;
    double sum = 0;
    for (int64_t i = 0; i < n; i++)
        sum += exp((double)v[i] - (double)max);
    for (int64_t i = 0; i < n; i++)
        v[i] = (float)(exp((double)v[i] - (double)max) / sum);
}

/* One sample's line after its name; `values` (per + 2 floats) and `used` are
 * scratch space. */
static void print_sample(const struct tool_model *tm, int raw, int64_t top, const float *out,
                         int64_t per, float *values, unsigned char *used)
{
    if (raw || tm->output == TOOL_OUT_VALUES) {
        for (int64_t j = 0; j < per; j++)
            printf("\t%.9g", (double)out[j]);
    } else if (tm->output == TOOL_OUT_SIGMOID) {
        double p = tm->logits ? 1.0 / (1.0 + exp(-(double)out[0])) : (double)out[0];
        values[0] = (float)(1.0 - p);
        values[1] = (float)p;
        print_top(values, 2, top, used);
    } else {
        memcpy(values, out, (size_t)per * sizeof *values);
        if (tm->logits && tm->output == TOOL_OUT_PROBABILITIES)
            softmax(values, per);
        print_top(values, (size_t)per, top, used);
    }
    putchar('\n');
}

static int print_results(char *const *inputs, int images, const struct tool_model *tm, int raw,
                         int64_t top, libnn_tensor *y)
{
    int64_t n = libnn_tensor_dim(y, 0), per = n ? (int64_t)libnn_tensor_size(y) / n : 0;
    unsigned char *used = malloc((size_t)per + 2);
    float *values = malloc(((size_t)per + 2) * sizeof *values);
    if (!used || !values) {
        free(used);
        free(values);
        return tool_fail("out of memory");
    }
    const float *out = libnn_tensor_data(y);
    for (int64_t i = 0; i < n; i++) {
        if (images)
            fputs(inputs[i], stdout);
        else
            printf("%lld", (long long)i);
        print_sample(tm, raw, top, out + i * per, per, values, used);
    }
    free(used);
    free(values);
    if (fflush(stdout) != 0)
        return tool_fail("cannot write the results");
    return TOOL_OK;
}

int tool_cmd_predict(const struct tool_cmd *cmd, int argc, char **argv)
{
    const char *top_s = NULL, *batch_s = NULL;
    int raw = 0;
    struct tool_input_options io = {0};
    const struct tool_option options[] = {
        {"--top", &top_s, NULL},         {"--batch", &batch_s, NULL},
        {"--raw", NULL, &raw},           {"--resize", NULL, &io.resize},
        {"--invert", NULL, &io.invert},  {"--no-scale", NULL, &io.no_scale},
        {NULL, NULL, NULL}};
    char **pos = malloc((size_t)argc * sizeof *pos);
    if (!pos)
        return tool_fail("out of memory");
    size_t npos;
    int64_t top = 1, batch = 256;
    int rc = tool_parse_args(cmd, argc, argv, options, 2, (size_t)argc, pos, &npos);
    if (rc == TOOL_OK)
        rc = tool_parse_int(cmd, "--top", top_s, 1, INT32_MAX, &top);
    if (rc == TOOL_OK)
        rc = tool_parse_int(cmd, "--batch", batch_s, 1, INT32_MAX, &batch);
    struct tool_model tm = {0};
    libnn_tensor *x = NULL, *y = NULL;
    if (rc == TOOL_OK)
        rc = tool_model_load(pos[0], &tm);
    int images = 0;
    if (rc == TOOL_OK)
        rc = tool_input_load(pos + 1, npos - 1, &tm, &io, &x, &images);
    if (rc == TOOL_OK && libnn_model_predict(tm.model, x, batch, &y) != LIBNN_OK)
        rc = tool_fail_libnn("predict");
    if (rc == TOOL_OK)
        rc = print_results(pos + 1, images, &tm, raw, top, y);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    tool_model_free(&tm);
    free(pos);
    return rc;
}
