/*
 * Parsing and validation of a safetensors header. Everything about the file
 * except the tensor values is checked here, before any tensor is allocated,
 * so a hostile header costs memory in proportion to its own size only.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "safetensors_internal.h"
#include "tensor_file_internal.h"
#include "utf8_internal.h"

typedef unsigned long long ull;

libnn_status lnn_st_too_short(const char *who, uint64_t file_size)
{
    return lnn_error(LIBNN_E_FORMAT,
                     "%s: file is %llu bytes, shorter than the 8-byte header length at byte 0",
                     who, (ull)file_size);
}

libnn_status lnn_st_header_length(const char *who, const unsigned char *prefix,
                                  uint64_t file_size, uint64_t *length)
{
    uint64_t n = 0;
    for (size_t i = LNN_ST_PREFIX; i-- > 0;)
        n = (n << 8) | prefix[i];
    if (n > LNN_ST_MAX_HEADER)
        return lnn_error(LIBNN_E_FORMAT,
                         "%s: header length %llu (file bytes 0..7) exceeds the cap of %u bytes",
                         who, (ull)n, LNN_ST_MAX_HEADER);
    if (n > file_size - LNN_ST_PREFIX)
        return lnn_error(LIBNN_E_FORMAT,
                         "%s: header length %llu (file bytes 0..7) runs past the end of the file: "
                         "only %llu bytes follow byte 8",
                         who, (ull)n, (ull)(file_size - LNN_ST_PREFIX));
    *length = n;
    return LIBNN_OK;
}

/* Nesting depth just before byte `pos` of a JSON text that parsed up to
 * there: tells a duplicate tensor name (depth 1) from a duplicate key inside
 * an entry or the metadata. */
static size_t json_depth_at(const unsigned char *s, size_t pos)
{
    size_t depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < pos; i++) {
        unsigned char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return depth;
}

/* The parsed header, or NULL: malformed, or out of memory (*out_of_memory).
 * See lnn_json_begin() for why jansson never sees a failed allocation. */
static json_t *load_json(const unsigned char *header, size_t length, json_error_t *err,
                         bool *out_of_memory)
{
    /* jansson leaves the error code unset when it fails before lexing. */
    memset(err, 0, sizeof *err);
    lnn_json_begin();
    json_t *root = json_loadb((const char *)header, length, JSON_REJECT_DUPLICATES, err);
    *out_of_memory = lnn_json_failed() || (!root && json_error_code(err) == json_error_out_of_memory);
    if (*out_of_memory) {
        json_decref(root);
        return NULL;
    }
    return root;
}

/* Bytes of a JSON number or literal (true, false, null). */
static bool scalar_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '-' || c == '+' || c == '.';
}

/* Count the JSON values of a header before jansson builds them, and refuse
 * a header with more than the cap or a string above its cap. Malformed JSON
 * is jansson's to report: this scan only has to stay within the bytes. */
static libnn_status check_costs(const char *who, const unsigned char *s, size_t n)
{
    size_t values = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '"') {
            size_t start = i;
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
            if (i - start - 1 > LNN_ST_MAX_STRING)
                return lnn_error(LIBNN_E_FORMAT,
                                 "%s: the string at file byte %llu is %llu bytes long, above "
                                 "the cap of %u",
                                 who, (ull)(LNN_ST_PREFIX + start),
                                 (ull)((i < n ? i : n) - start - 1), LNN_ST_MAX_STRING);
        } else if (c != '{' && c != '[' &&
                   !(scalar_byte(c) && (i == 0 || !scalar_byte(s[i - 1])))) {
            continue; /* inside a scalar, punctuation, white space */
        }
        if (++values > LNN_ST_MAX_VALUES)
            return lnn_error(LIBNN_E_FORMAT,
                             "%s: header holds more than %u JSON values (the cap, reached at "
                             "file byte %llu): no model needs that many",
                             who, LNN_ST_MAX_VALUES, (ull)(LNN_ST_PREFIX + (i < n ? i : n)));
    }
    return LIBNN_OK;
}

static libnn_status parse_json(const char *who, const unsigned char *header, size_t length,
                               json_t **root)
{
    size_t bad;
    if (!lnn_utf8_valid(header, length, &bad))
        return lnn_error(LIBNN_E_FORMAT,
                         "%s: header is not valid UTF-8: byte 0x%02x at file byte %llu", who,
                         header[bad], (ull)(LNN_ST_PREFIX + bad));
    if (length == 0 || header[0] != '{')
        return lnn_error(LIBNN_E_FORMAT, "%s: header does not start with '{' at file byte 8", who);
    libnn_status st = check_costs(who, header, length);
    if (st != LIBNN_OK)
        return st;
    json_error_t err;
    bool out_of_memory;
    *root = load_json(header, length, &err, &out_of_memory);
    if (*root)
        return LIBNN_OK; /* an object, as it starts with '{' */
    if (out_of_memory)
        return lnn_error_nomem(who, length);
    size_t pos = err.position > 0 ? (size_t)err.position : 0;
    ull at = (ull)(LNN_ST_PREFIX + pos);
    if (json_error_code(&err) != json_error_duplicate_key)
        return lnn_error(LIBNN_E_FORMAT, "%s: header is not valid JSON at file byte %llu: %s", who,
                         at, err.text);
    if (json_depth_at(header, pos < length ? pos : length) == 1)
        return lnn_error(LIBNN_E_FORMAT, "%s: duplicate tensor name before file byte %llu (%s)",
                         who, at, err.text);
    return lnn_error(LIBNN_E_FORMAT,
                     "%s: duplicate key inside an entry or the metadata before file byte %llu (%s)",
                     who, at, err.text);
}

static bool get_uint(const json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

/* Names in messages are cut so that the rest of the message survives. */
#define NAME "tensor \"%.200s\""

static libnn_status parse_dtype(const char *who, const char *name, const json_t *v,
                                lnn_st_info *info)
{
    const json_t *dtype = json_object_get(v, "dtype");
    if (!json_is_string(dtype))
        return lnn_error(LIBNN_E_FORMAT, "%s: " NAME ": \"dtype\" is %s", who, name,
                         dtype ? "not a string" : "missing");
    const char *text = json_string_value(dtype);
    libnn_status st = lnn_st_dtype_parse(text, &info->dtype);
    if (st == LIBNN_E_UNSUPPORTED)
        return lnn_error(st, "%s: " NAME ": dtype %s is not supported by libnn", who, name, text);
    if (st != LIBNN_OK)
        return lnn_error(st, "%s: " NAME ": unknown dtype \"%.40s\"", who, name, text);
    return LIBNN_OK;
}

static libnn_status shape_overflow(const char *who, const char *name, const lnn_st_info *info,
                                   size_t dim)
{
    return lnn_error(LIBNN_E_FORMAT,
                     "%s: " NAME ": shape overflows: its element count times %zu bytes (%s) "
                     "passes 2^63 at dimension %zu",
                     who, name, lnn_st_dtype_size(info->dtype), lnn_st_dtype_name(info->dtype),
                     dim);
}

static libnn_status parse_shape(const char *who, const char *name, const json_t *v,
                                lnn_st_info *info, size_t *bytes)
{
    const json_t *shape = json_object_get(v, "shape");
    if (!json_is_array(shape))
        return lnn_error(LIBNN_E_FORMAT, "%s: " NAME ": \"shape\" is %s", who, name,
                         shape ? "not an array" : "missing");
    size_t count = 1;
    info->rank = json_array_size(shape);
    for (size_t i = 0; i < info->rank; i++) {
        uint64_t dim;
        if (!get_uint(json_array_get(shape, i), &dim))
            return lnn_error(LIBNN_E_FORMAT,
                             "%s: " NAME ": shape element %zu is not a non-negative integer", who,
                             name, i);
        if (i < LIBNN_MAX_RANK)
            info->shape[i] = (int64_t)dim;
        /* As the reference, stop at the first overflow even if a later
         * dimension is 0. */
        if (dim > SIZE_MAX || !lnn_mul_size(count, (size_t)dim, &count))
            return shape_overflow(who, name, info, i);
    }
    if (!lnn_mul_size(count, lnn_st_dtype_size(info->dtype), bytes) || *bytes > (size_t)INT64_MAX)
        return shape_overflow(who, name, info, info->rank);
    info->count = count;
    return LIBNN_OK;
}

static libnn_status parse_offsets(const char *who, const char *name, const json_t *v,
                                  uint64_t data_start, uint64_t data_size, size_t bytes,
                                  lnn_st_info *info)
{
    const json_t *off = json_object_get(v, "data_offsets");
    if (!json_is_array(off) || json_array_size(off) != 2 ||
        !get_uint(json_array_get(off, 0), &info->begin) ||
        !get_uint(json_array_get(off, 1), &info->end))
        return lnn_error(LIBNN_E_FORMAT,
                         "%s: " NAME ": \"data_offsets\" is %s", who, name,
                         off ? "not an array of two non-negative integers" : "missing");
    ull b = info->begin, e = info->end;
    if (e < b)
        return lnn_error(LIBNN_E_FORMAT,
                         "%s: " NAME ": data_offsets [%llu, %llu] end before they begin", who, name,
                         b, e);
    if (e > data_size)
        return lnn_error(LIBNN_E_FORMAT,
                         "%s: " NAME ": data_offsets [%llu, %llu] run past the end of the data "
                         "section (%llu bytes, ending at file byte %llu)",
                         who, name, b, e, (ull)data_size, (ull)(data_start + data_size));
    if (e - b != bytes) {
        char shape[200];
        size_t shown = info->rank < LIBNN_MAX_RANK ? info->rank : LIBNN_MAX_RANK;
        return lnn_error(LIBNN_E_FORMAT,
                         "%s: " NAME ": shape %s of %s needs %zu bytes, but data_offsets "
                         "[%llu, %llu] (file byte %llu) hold %llu",
                         who, name, lnn_format_shape(shape, sizeof shape, shown, info->shape),
                         lnn_st_dtype_name(info->dtype), bytes, b, e, (ull)(data_start + b), e - b);
    }
    return LIBNN_OK;
}

static libnn_status parse_entry(const char *who, const char *name, const json_t *v,
                                uint64_t data_start, uint64_t data_size, lnn_st_info *info)
{
    if (!json_is_object(v))
        return lnn_error(LIBNN_E_FORMAT, "%s: " NAME ": entry is not a JSON object", who, name);
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)v, key, value) {
        if (strcmp(key, "dtype") != 0 && strcmp(key, "shape") != 0 &&
            strcmp(key, "data_offsets") != 0)
            return lnn_error(LIBNN_E_FORMAT,
                             "%s: " NAME ": unknown key \"%.40s\" (allowed: dtype, shape, "
                             "data_offsets)",
                             who, name, key);
    }
    info->name = name;
    size_t bytes = 0;
    libnn_status st = parse_dtype(who, name, v, info);
    if (st == LIBNN_OK)
        st = parse_shape(who, name, v, info, &bytes);
    if (st == LIBNN_OK)
        st = parse_offsets(who, name, v, data_start, data_size, bytes, info);
    return st;
}

static libnn_status check_metadata(const char *who, const json_t *m)
{
    if (!json_is_object(m))
        return lnn_error(LIBNN_E_FORMAT, "%s: \"" LNN_ST_METADATA_KEY "\" is not a JSON object",
                         who);
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)m, key, value) {
        if (!json_is_string(value))
            return lnn_error(LIBNN_E_FORMAT, "%s: metadata \"%.200s\": value is not a string", who,
                             key);
    }
    return LIBNN_OK;
}

static int info_cmp(const void *pa, const void *pb)
{
    const lnn_st_info *a = pa, *b = pb;
    if (a->begin != b->begin)
        return a->begin < b->begin ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* Sorted by offset, the tensors must tile the data section exactly. */
static libnn_status check_layout(const char *who, const lnn_st_header *h, uint64_t data_size)
{
    uint64_t pos = 0;
    const char *prev = NULL;
    ull base = h->data_start;
    for (size_t i = 0; i < h->count; i++) {
        const lnn_st_info *t = &h->infos[i];
        if (t->begin > pos)
            return lnn_error(LIBNN_E_FORMAT,
                             "%s: data bytes [%llu, %llu) (file bytes [%llu, %llu)) belong to no "
                             "tensor: a gap before " NAME,
                             who, (ull)pos, (ull)t->begin, base + pos, base + t->begin, t->name);
        if (t->begin < pos)
            return lnn_error(LIBNN_E_FORMAT,
                             "%s: " NAME " at data bytes [%llu, %llu) overlaps tensor \"%.200s\", "
                             "which ends at data byte %llu (file byte %llu)",
                             who, t->name, (ull)t->begin, (ull)t->end, prev, (ull)pos, base + pos);
        pos = t->end;
        prev = t->name;
    }
    if (pos != data_size)
        return lnn_error(LIBNN_E_FORMAT,
                         "%s: %llu trailing bytes after the tensor data, at file bytes "
                         "[%llu, %llu)",
                         who, (ull)(data_size - pos), base + pos, base + data_size);
    return LIBNN_OK;
}

static libnn_status check_ranks(const char *who, const lnn_st_header *h)
{
    for (size_t i = 0; i < h->count; i++)
        if (h->infos[i].rank > LIBNN_MAX_RANK)
            return lnn_error(LIBNN_E_UNSUPPORTED, "%s: " NAME ": rank %zu is above libnn's %d",
                             who, h->infos[i].name, h->infos[i].rank, LIBNN_MAX_RANK);
    return LIBNN_OK;
}

static libnn_status parse_entries(const char *who, lnn_st_header *h, uint64_t data_size)
{
    size_t n = json_object_size(h->root);
    h->infos = lnn_calloc(n ? n : 1, sizeof *h->infos);
    if (!h->infos)
        return lnn_error_nomem(who, n * sizeof *h->infos);
    const char *key;
    json_t *value;
    json_object_foreach(h->root, key, value) {
        if (strcmp(key, LNN_ST_METADATA_KEY) == 0) {
            if (json_is_null(value))
                continue;
            libnn_status st = check_metadata(who, value);
            if (st != LIBNN_OK)
                return st;
            h->metadata = value;
            continue;
        }
        lnn_st_info *info = &h->infos[h->count];
        libnn_status st = parse_entry(who, key, value, h->data_start, data_size, info);
        if (st != LIBNN_OK)
            return st;
        info->order = h->count++;
    }
    return LIBNN_OK;
}

libnn_status lnn_st_header_parse(const char *who, const unsigned char *header, size_t length,
                                 uint64_t file_size, lnn_st_header *out)
{
    memset(out, 0, sizeof *out);
    out->data_start = LNN_ST_PREFIX + (uint64_t)length;
    uint64_t data_size = file_size - out->data_start;
    libnn_status st = parse_json(who, header, length, &out->root);
    if (st == LIBNN_OK)
        st = parse_entries(who, out, data_size);
    if (st == LIBNN_OK) {
        qsort(out->infos, out->count, sizeof *out->infos, info_cmp);
        st = check_layout(who, out, data_size);
    }
    if (st == LIBNN_OK)
        st = check_ranks(who, out);
    if (st != LIBNN_OK)
        lnn_st_header_clear(out);
    return st;
}

void lnn_st_header_clear(lnn_st_header *h)
{
    json_decref(h->root);
    lnn_free(h->infos);
    memset(h, 0, sizeof *h);
}
