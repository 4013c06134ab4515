/*
 * table.c - vsh-table compatible text table renderer (see table.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "table.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#define ESC_LEN 4 /* strlen("\\xNN") */

struct cli_table {
    size_t ncols;
    size_t nrows;   /* rows[0] is the header */
    size_t cap;
    char ***rows;
};

static void row_free(char **row, size_t ncols)
{
    if (!row)
        return;
    for (size_t i = 0; i < ncols; i++)
        free(row[i]);
    free(row);
}

static int table_append(struct cli_table *t, const char *const *cells)
{
    char **row;

    if (t->nrows == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 8;
        char ***nrows = realloc(t->rows, ncap * sizeof(*nrows));
        if (!nrows)
            return -1;
        t->rows = nrows;
        t->cap = ncap;
    }
    row = calloc(t->ncols, sizeof(*row));
    if (!row)
        return -1;
    for (size_t i = 0; i < t->ncols; i++) {
        row[i] = strdup(cells[i] ? cells[i] : "-");
        if (!row[i]) {
            row_free(row, t->ncols);
            return -1;
        }
    }
    t->rows[t->nrows++] = row;
    return 0;
}

struct cli_table *cli_table_newv(size_t ncols, const char *const *headers)
{
    struct cli_table *t;

    if (ncols == 0) {
        errno = EINVAL;
        return NULL;
    }
    t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->ncols = ncols;
    if (table_append(t, headers) < 0) {
        cli_table_free(t);
        return NULL;
    }
    return t;
}

/* Collect a NULL terminated vararg list into a malloc'd array. */
static const char **collect_args(const char *first, va_list ap, size_t *n)
{
    size_t cap = 8, cnt = 0;
    const char **v = malloc(cap * sizeof(*v));
    const char *s = first;

    if (!v)
        return NULL;
    while (s) {
        if (cnt == cap) {
            const char **nv = realloc(v, cap * 2 * sizeof(*v));
            if (!nv) {
                free(v);
                return NULL;
            }
            v = nv;
            cap *= 2;
        }
        v[cnt++] = s;
        s = va_arg(ap, const char *);
    }
    *n = cnt;
    return v;
}

struct cli_table *cli_table_new(const char *header, ...)
{
    struct cli_table *t;
    const char **cells;
    size_t n = 0;
    va_list ap;

    va_start(ap, header);
    cells = collect_args(header, ap, &n);
    va_end(ap);
    if (!cells)
        return NULL;
    t = cli_table_newv(n, cells);
    free(cells);
    return t;
}

int cli_table_add_rowv(struct cli_table *t, const char *const *cells)
{
    return table_append(t, cells);
}

int cli_table_add_row(struct cli_table *t, const char *cell, ...)
{
    const char **cells;
    size_t n = 0;
    va_list ap;
    int rc;

    va_start(ap, cell);
    cells = collect_args(cell, ap, &n);
    va_end(ap);
    if (!cells)
        return -1;
    if (n != t->ncols) {
        free(cells);
        errno = EINVAL;
        return -1;
    }
    rc = table_append(t, cells);
    free(cells);
    return rc;
}

size_t cli_table_ncols(const struct cli_table *t)
{
    return t->ncols;
}

size_t cli_table_nrows(const struct cli_table *t)
{
    return t->nrows - 1;
}

void cli_table_free(struct cli_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows; i++)
        row_free(t->rows[i], t->ncols);
    free(t->rows);
    free(t);
}

static int is_ascii_cntrl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

static int is_ascii_print(unsigned char c)
{
    return c >= 0x20 && c < 0x7f;
}

char *cli_table_escape(const char *s, size_t *width)
{
    size_t sz = s ? strlen(s) : 0;
    char *ret = malloc(sz * ESC_LEN + 1);
    char *buf = ret;
    const char *p = s;
    mbstate_t st;

    if (!ret)
        return NULL;
    memset(&st, 0, sizeof(st));
    *width = 0;

    while (p && *p) {
        unsigned char c = (unsigned char)*p;

        if ((c == '\\' && p[1] == 'x') || is_ascii_cntrl(c)) {
            snprintf(buf, ESC_LEN + 1, "\\x%02x", c);
            buf += ESC_LEN;
            *width += ESC_LEN;
            p++;
            continue;
        }

        wchar_t wc;
        size_t len = mbrtowc(&wc, p, MB_CUR_MAX, &st);

        if (len == 0)
            break;
        if (len == (size_t)-1 || len == (size_t)-2) {
            /* Invalid sequence: keep printable ASCII, escape the rest. */
            memset(&st, 0, sizeof(st));
            len = 1;
            if (!is_ascii_print(c)) {
                snprintf(buf, ESC_LEN + 1, "\\x%02x", c);
                buf += ESC_LEN;
                *width += ESC_LEN;
            } else {
                *buf++ = (char)c;
                (*width)++;
            }
        } else if (!iswprint((wint_t)wc)) {
            for (size_t i = 0; i < len; i++) {
                snprintf(buf, ESC_LEN + 1, "\\x%02x", (unsigned char)p[i]);
                buf += ESC_LEN;
                *width += ESC_LEN;
            }
        } else {
            int w = wcwidth(wc);
            memcpy(buf, p, len);
            buf += len;
            *width += w > 0 ? (size_t)w : 0;
        }
        p += len;
    }
    *buf = '\0';
    return ret;
}

/* Growable output buffer. */
struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        char *ns = realloc(b->s, ncap);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = ncap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_fill(struct sbuf *b, char c, size_t n)
{
    char chunk[64];

    memset(chunk, c, sizeof(chunk));
    while (n) {
        size_t k = n < sizeof(chunk) ? n : sizeof(chunk);
        sb_add(b, chunk, k);
        n -= k;
    }
}

static void render_row(struct sbuf *b, size_t ncols, char **cells,
                       const size_t *widths, const size_t *maxw)
{
    for (size_t i = 0; i < ncols; i++) {
        sb_add(b, " ", 1);
        sb_add(b, cells[i], strlen(cells[i]));
        if (i < ncols - 1)
            sb_fill(b, ' ', maxw[i] - widths[i] + 2);
    }
    sb_add(b, "\n", 1);
}

char *cli_table_render(const struct cli_table *t, bool header)
{
    size_t nc = t->ncols, nr = t->nrows;
    size_t *maxw = calloc(nc, sizeof(*maxw));
    size_t *widths = calloc(nr * nc, sizeof(*widths));
    char **esc = calloc(nr * nc, sizeof(*esc));
    struct sbuf b = { 0 };
    char *ret = NULL;

    if (!maxw || !widths || !esc)
        goto out;

    for (size_t r = header ? 0 : 1; r < nr; r++) {
        for (size_t c = 0; c < nc; c++) {
            size_t w = 0;
            esc[r * nc + c] = cli_table_escape(t->rows[r][c], &w);
            if (!esc[r * nc + c])
                goto out;
            widths[r * nc + c] = w;
            if (w > maxw[c])
                maxw[c] = w;
        }
    }

    sb_add(&b, "", 0); /* always return a string, even for no rows */
    if (header) {
        render_row(&b, nc, &esc[0], &widths[0], maxw);
        for (size_t c = 0; c < nc; c++)
            sb_fill(&b, '-', maxw[c] + 3);
        sb_add(&b, "\n", 1);
    }
    for (size_t r = 1; r < nr; r++)
        render_row(&b, nc, &esc[r * nc], &widths[r * nc], maxw);

    if (!b.oom) {
        ret = b.s;
        b.s = NULL;
    }

out:
    free(b.s);
    if (esc) {
        for (size_t i = 0; i < nr * nc; i++)
            free(esc[i]);
    }
    free(esc);
    free(widths);
    free(maxw);
    return ret;
}
