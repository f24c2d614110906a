/*
 * `libnn convert IN OUT`: between ONNX and libnn model files, by the files'
 * names: IN ending in .onnx is imported and saved as a libnn model file;
 * otherwise IN is a libnn model file and OUT the ONNX file written from it.
 */
#include <string.h>

#include "tool.h"

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

int tool_cmd_convert(const struct tool_cmd *cmd, int argc, char **argv)
{
    int channels_first = 0;
    const struct tool_option options[] = {{"--channels-first", NULL, &channels_first},
                                          {NULL, NULL, NULL}};
    char *pos[2];
    size_t npos;
    int rc = tool_parse_args(cmd, argc, argv, options, 2, 2, pos, &npos);
    if (rc != TOOL_OK)
        return rc;
    const char *in = pos[0], *out = pos[1];
    int from_onnx = ends_with(in, ".onnx");
    if (from_onnx == ends_with(out, ".onnx"))
        return tool_usage_error(cmd, "one of IN and OUT must be an .onnx file, the other a "
                                     "libnn model file");
    if (from_onnx && channels_first)
        return tool_usage_error(cmd, "--channels-first applies to exports (OUT.onnx)");
    libnn_model *m = NULL;
    if (from_onnx) {
        if (libnn_model_import_onnx(in, &m) != LIBNN_OK)
            return tool_fail_libnn(in);
        rc = libnn_model_save(m, out, 0) == LIBNN_OK ? TOOL_OK : tool_fail_libnn(out);
    } else {
        if (libnn_model_load(in, &m) != LIBNN_OK)
            return tool_fail_libnn(in);
        rc = libnn_model_export_onnx(m, out, channels_first ? LIBNN_ONNX_CHANNELS_FIRST : 0) ==
                     LIBNN_OK
                 ? TOOL_OK
                 : tool_fail_libnn(out);
    }
    libnn_model_free(m);
    return rc;
}
