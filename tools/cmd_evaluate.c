/*
 * `libnn evaluate MODEL X Y`: the loss and every metric the model was
 * compiled with, one "name: value" line each.
 */
#include <stdio.h>

#include "tool.h"

int tool_cmd_evaluate(const struct tool_cmd *cmd, int argc, char **argv)
{
    const char *batch_s = NULL;
    struct tool_input_options io = {0};
    const struct tool_option options[] = {
        {"--batch", &batch_s, NULL},     {"--resize", NULL, &io.resize},
        {"--invert", NULL, &io.invert},  {"--no-scale", NULL, &io.no_scale},
        {NULL, NULL, NULL}};
    char *pos[3];
    size_t npos;
    int64_t batch = 256;
    int rc = tool_parse_args(cmd, argc, argv, options, 3, 3, pos, &npos);
    if (rc == TOOL_OK)
        rc = tool_parse_int(cmd, "--batch", batch_s, 1, INT32_MAX, &batch);
    if (rc != TOOL_OK)
        return rc;
    struct tool_model tm;
    libnn_tensor *x = NULL, *y = NULL;
    double loss = 0;
    rc = tool_model_load(pos[0], &tm);
    if (rc != TOOL_OK)
        return rc;
    rc = tool_input_load(pos + 1, 1, &tm, &io, &x, NULL);
    if (rc == TOOL_OK)
        rc = tool_targets_load(pos[2], &y);
    if (rc == TOOL_OK && libnn_model_evaluate(tm.model, x, y, batch, &loss) != LIBNN_OK)
        rc = tool_fail_libnn("evaluate");
    if (rc == TOOL_OK) {
        printf("loss: %.6f\n", loss);
        /* The compiled metrics are those evaluate left a result for. */
        for (int k = 1; libnn_metric_name((libnn_metric)k); k++) {
            double v;
            if (libnn_model_result(tm.model, libnn_metric_name((libnn_metric)k), &v) == LIBNN_OK)
                printf("%s: %.6f\n", libnn_metric_name((libnn_metric)k), v);
        }
        libnn_clear_error();
    }
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    tool_model_free(&tm);
    return rc;
}
