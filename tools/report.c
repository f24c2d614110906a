/*
 * Messages of the tool: errors on stderr prefixed "libnn:", so that a
 * script calling it can tell them from the results on stdout.
 */
#include <stdarg.h>
#include <stdio.h>

#include "tool.h"

int tool_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("libnn: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return TOOL_FAIL;
}

int tool_fail_libnn(const char *what)
{
    const char *why = libnn_last_error();
    return tool_fail("%s: %s", what, why && *why ? why : "failed");
}

int tool_usage_error(const struct tool_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "libnn %s: ", cmd->name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nusage: libnn %s %s\n(libnn %s --help for the options)\n", cmd->name,
            cmd->synopsis, cmd->name);
    va_end(ap);
    return TOOL_USAGE;
}

int tool_print_help(const struct tool_cmd *cmd)
{
    printf("usage: libnn %s %s\n\nlibnn %s: %s.\n\n%s", cmd->name, cmd->synopsis, cmd->name,
           cmd->summary, cmd->help);
    return TOOL_OK;
}
