/*
 * CSV input: libnn's reader, with the header told from the first row (a
 * row that is not all numbers names the columns).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

/* Is the field [s, end) a number as strtod reads it (quotes and blanks
 * around it allowed)? */
static int is_number(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t' || *s == '"'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '"' || end[-1] == '\r'))
        end--;
    if (s == end)
        return 0;
    char buf[64];
    size_t n = (size_t)(end - s);
    if (n >= sizeof buf)
        return 0; /* no float needs 64 characters; a long name is a header */
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *stop;
    strtod(buf, &stop);
    return *stop == '\0';
}

/* Whether the first non-blank line of the file is a header. A line longer
 * than the buffer is judged on its beginning. */
static int has_header(FILE *f)
{
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        char *s = line;
        if (!strncmp(s, "\xEF\xBB\xBF", 3))
            s += 3; /* a UTF-8 byte order mark */
        if (strspn(s, " \t\r\n") == strlen(s))
            continue;
        char *end = s + strcspn(s, "\n");
        for (char *field = s;;) {
            char *comma = memchr(field, ',', (size_t)(end - field));
            char *stop = comma ? comma : end;
            if (!is_number(field, stop))
                return 1;
            if (!comma)
                return 0;
            field = comma + 1;
        }
    }
    return 0;
}

int tool_csv_load(const char *path, libnn_tensor **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return tool_fail("%s: %s", path, strerror(errno));
    int header = has_header(f);
    fclose(f);
    libnn_csv_reader *r = NULL;
    int rc = TOOL_OK;
    if (libnn_csv_reader_new(&r) != LIBNN_OK ||
        libnn_csv_reader_set_int(r, LIBNN_CSV_HEADER, header) != LIBNN_OK ||
        libnn_csv_reader_load(r, path, out, NULL) != LIBNN_OK)
        rc = tool_fail_libnn(path);
    libnn_csv_reader_free(r);
    return rc;
}
