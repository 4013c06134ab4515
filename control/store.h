/* store — the state directory: atomic files.
 *
 * Design: every write goes to a temporary file in the same directory, is
 * fsync'd, renamed over the target and the directory fsync'd, so a crash
 * (kill -9, power loss) leaves either the old or the new file, never half of
 * one.  Leftover temporary files (".tmp-*") from a crash are removed by
 * store_open().  Paths are relative to the state directory; names come from
 * validated user input (no '/', no leading '.').
 * Threads: control thread only.  Errors: 0 or negative errno.
 */
#ifndef VNETD_STORE_H
#define VNETD_STORE_H

#include <stdbool.h>
#include <stddef.h>

struct store;

struct store *store_open(const char *dir);
void store_close(struct store *s);
const char *store_dir(const struct store *s);

/* Creates sub directory (and parents) if missing. */
int store_mkdir(struct store *s, const char *sub);
int store_write(struct store *s, const char *rel, const void *data, size_t len);
/* Reads a whole file (NUL-terminated, *len without the NUL); caller frees. */
int store_read(struct store *s, const char *rel, char **data, size_t *len);
int store_remove(struct store *s, const char *rel); /* -ENOENT is not an error */
/* The same without the directory fsync: for a file whose removal need not
 * be durable (a leftover that the next load ignores or removes again). */
int store_unlink(struct store *s, const char *rel);
bool store_exists(struct store *s, const char *rel);
/* Symlink-style marker files (autostart): empty file written atomically. */
int store_touch(struct store *s, const char *rel);
/* Lists regular files in sub ending with suffix; names sorted, caller frees
 * each and the array. */
int store_list(struct store *s, const char *sub, const char *suffix, char ***names,
	       size_t *n);
void store_list_free(char **names, size_t n);

#endif
