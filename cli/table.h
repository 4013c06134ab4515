/*
 * table.h - vsh-table compatible text table renderer for vnetctl.
 *
 * Design note: virsh prints its lists (net-list, net-dhcp-leases, ...) with
 * tools/vsh-table.c, and scripts parse that layout, so we reproduce it byte
 * for byte.  A table is a header row plus data rows of the same width.
 * Rendering: every cell is printed as " " + text; every cell except the last
 * one in a row is then padded with (column width - cell width + 2) spaces;
 * a row ends with "\n".  Below the header comes a rule of sum(width + 3)
 * dashes.  Column width is the widest cell of the column, header included,
 * measured in terminal columns (wcwidth) after control characters (and a
 * literal backslash followed by 'x') have been replaced by "\xNN" escapes,
 * exactly as vsh-table does.  The renderer returns a malloc'd string so the
 * unit tests can compare exact bytes.
 */
#ifndef VNETCTL_TABLE_H
#define VNETCTL_TABLE_H

#include <stdbool.h>
#include <stddef.h>

struct cli_table;

/* New table with the given header cells (NULL terminated).  NULL on ENOMEM
 * or when no header cell is given. */
struct cli_table *cli_table_new(const char *header, ...);

/* Same, from an array of @ncols header cells. */
struct cli_table *cli_table_newv(size_t ncols, const char *const *headers);

/* Append a row (NULL terminated cells).  The number of cells must equal the
 * number of header cells: returns -1 (errno EINVAL) otherwise, -1 (ENOMEM)
 * on allocation failure, 0 on success.  Cells are copied. */
int cli_table_add_row(struct cli_table *t, const char *cell, ...);

/* Same, from an array of cli_table_ncols() cells; NULL cells print "-". */
int cli_table_add_rowv(struct cli_table *t, const char *const *cells);

size_t cli_table_ncols(const struct cli_table *t);
size_t cli_table_nrows(const struct cli_table *t); /* data rows only */

/* Render the table (with the header and rule when @header is true) into a
 * newly allocated NUL-terminated string; NULL on ENOMEM. */
char *cli_table_render(const struct cli_table *t, bool header);

void cli_table_free(struct cli_table *t);

/* vsh-table's escaping of one cell: returns a malloc'd copy of @s where
 * control and non-printable characters are "\xNN" escaped; *width gets the
 * display width.  Exposed for the unit tests. */
char *cli_table_escape(const char *s, size_t *width);

#endif /* VNETCTL_TABLE_H */
