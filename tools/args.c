/*
 * Command lines of the subcommands: options may come before, between or
 * after the positional arguments, as "--name VALUE" or "--name=VALUE";
 * "--" ends the options (for a file whose name starts with "-").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static const struct tool_option *find_option(const struct tool_option *options, const char *arg,
                                             size_t len)
{
    for (const struct tool_option *o = options; o && o->name; o++)
        if (strlen(o->name) == len && !strncmp(o->name, arg, len))
            return o;
    return NULL;
}

/* One "--name[=value]" at argv[*i]; advances *i past a separate value. */
static int take_option(const struct tool_cmd *cmd, int argc, char **argv, int *i,
                       const struct tool_option *options)
{
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const struct tool_option *o = find_option(options, arg, len);
    if (!o)
        return tool_usage_error(cmd, "unknown option %.*s", (int)len, arg);
    if (o->flag) {
        if (eq)
            return tool_usage_error(cmd, "%s takes no value", o->name);
        *o->flag = 1;
        return TOOL_OK;
    }
    if (eq) {
        *o->value = eq + 1;
        return TOOL_OK;
    }
    if (*i + 1 >= argc)
        return tool_usage_error(cmd, "%s needs a value", o->name);
    *o->value = argv[++*i];
    return TOOL_OK;
}

int tool_parse_args(const struct tool_cmd *cmd, int argc, char **argv,
                    const struct tool_option *options, size_t min_pos, size_t max_pos,
                    char **pos, size_t *npos)
{
    int options_done = 0;
    *npos = 0;
    /* --help wins over any mistake elsewhere on the line. */
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            tool_print_help(cmd);
            return -1;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && !strcmp(arg, "--")) {
            options_done = 1;
        } else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            int rc = take_option(cmd, argc, argv, &i, options);
            if (rc != TOOL_OK)
                return rc;
        } else if (*npos >= max_pos) {
            return tool_usage_error(cmd, "too many arguments (from \"%s\")", arg);
        } else {
            pos[(*npos)++] = argv[i];
        }
    }
    if (*npos < min_pos)
        return tool_usage_error(cmd, "missing arguments");
    return TOOL_OK;
}

int tool_parse_int(const struct tool_cmd *cmd, const char *option, const char *text,
                   int64_t min, int64_t max, int64_t *out)
{
    if (!text)
        return TOOL_OK;
    char *end;
    errno = 0;
    intmax_t v = strtoimax(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || v < min || v > max)
        return tool_usage_error(cmd, "%s wants a whole number from %" PRId64 " to %" PRId64
                                     ", got \"%s\"", option, min, max, text);
    *out = (int64_t)v;
    return TOOL_OK;
}
