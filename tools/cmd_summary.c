/*
 * `libnn summary MODEL`: what a model file holds, without running it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tool.h"

/* The file's metadata, which libnn_model_load has validated already. */
static int print_format(const char *path, const libnn_model *model)
{
    libnn_tensor_file *f = NULL;
    if (libnn_tensor_file_load(path, &f) != LIBNN_OK)
        return tool_fail_libnn(path);
    const char *version = libnn_tensor_file_metadata_get(f, "format_version");
    const char *written = libnn_tensor_file_metadata_get(f, "libnn_version");
    printf("Format: libnn model file, format version %s (written by libnn %s)\n",
           version ? version : "?", written ? written : "?");
    if (libnn_tensor_file_metadata_get(f, "checkpoint")) {
        double epoch = 0;
        libnn_model_get_float(model, LIBNN_MODEL_INITIAL_EPOCH, &epoch);
        printf("Checkpoint: yes (optimizer state and random generators; training resumes at "
               "epoch %.0f)\n", epoch);
    } else {
        printf("Checkpoint: no (weights and training configuration)\n");
    }
    libnn_tensor_file_free(f);
    return TOOL_OK;
}

static int print_table(const char *path, const libnn_model *model)
{
    size_t needed = 0;
    if (libnn_model_summary(model, NULL, 0, &needed) != LIBNN_OK)
        return tool_fail_libnn(path);
    char *buf = malloc(needed + 1);
    if (!buf)
        return tool_fail("%s: out of memory for the summary", path);
    int rc = TOOL_OK;
    if (libnn_model_summary(model, buf, needed + 1, NULL) != LIBNN_OK)
        rc = tool_fail_libnn(path);
    else
        fputs(buf, stdout);
    free(buf);
    return rc;
}

int tool_cmd_summary(const struct tool_cmd *cmd, int argc, char **argv)
{
    char *pos[1];
    size_t npos;
    int rc = tool_parse_args(cmd, argc, argv, NULL, 1, 1, pos, &npos);
    if (rc != TOOL_OK)
        return rc;
    struct tool_model tm;
    rc = tool_model_load(pos[0], &tm);
    if (rc != TOOL_OK)
        return rc;
    char in[160], out[160];
    tool_format_shape(in, sizeof in, tm.in_ndim, tm.in_shape);
    tool_format_shape(out, sizeof out, tm.out_ndim, tm.out_shape);
    printf("Model file: %s\n", pos[0]);
    rc = print_format(pos[0], tm.model);
    if (rc == TOOL_OK) {
        const libnn_optimizer *opt = libnn_model_optimizer(tm.model);
        printf("Input shape: %s\nOutput shape: %s\nOptimizer: %s\n", in, out,
               opt ? libnn_optimizer_kind_name(opt) : "none");
        rc = print_table(pos[0], tm.model);
    }
    tool_model_free(&tm);
    return rc;
}
