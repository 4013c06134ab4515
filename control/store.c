#include "control/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct store {
	char *dir;
};

static int path_of(const struct store *s, const char *rel, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", s->dir, rel);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) == 0 ? 0 : -errno;
	close(fd);
	return r;
}

static void sweep_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		char p[PATH_MAX];
		if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    !strncmp(e->d_name, ".tmp-", 5)) {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		} else if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			sweep_tmp(p);
		}
	}
	closedir(d);
}

struct store *store_open(const char *dir)
{
	struct store *s = calloc(1, sizeof(*s));
	if (!s || !(s->dir = strdup(dir)) || mkdirs(dir) != 0) {
		store_close(s);
		return NULL;
	}
	sweep_tmp(dir);
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	free(s->dir);
	free(s);
}

const char *store_dir(const struct store *s)
{
	return s->dir;
}

int store_mkdir(struct store *s, const char *sub)
{
	char p[PATH_MAX];
	int r = path_of(s, sub, p, sizeof(p));
	return r ? r : mkdirs(p);
}

int store_write(struct store *s, const char *rel, const void *data, size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX];
	int r = path_of(s, rel, path, sizeof(path));
	if (r)
		return r;
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	*slash = 0;
	/* The temporary name does not repeat the target's: a target name may
	 * use all of NAME_MAX. */
	static unsigned seq;
	if (snprintf(tmp, sizeof(tmp), "%s/.tmp-%d-%u", dir, (int)getpid(), seq++) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto fail;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) != 0) {
		r = -errno;
		goto fail;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) != 0) {
		r = -errno;
		goto fail;
	}
	return fsync_dir(dir);
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

int store_read(struct store *s, const char *rel, char **data, size_t *len)
{
	char path[PATH_MAX];
	int r = path_of(s, rel, path, sizeof(path));
	if (r)
		return r;
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (n < cap - 1)
			break;
		if (cap >= (16u << 20)) { /* state files are small */
			free(buf);
			buf = NULL;
			fclose(f);
			return -EFBIG;
		}
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	int err = ferror(f);
	fclose(f);
	if (!buf)
		return -ENOMEM;
	if (err) {
		free(buf);
		return -EIO;
	}
	buf[n] = 0;
	*data = buf;
	if (len)
		*len = n;
	return 0;
}

int store_remove(struct store *s, const char *rel)
{
	char path[PATH_MAX];
	int r = path_of(s, rel, path, sizeof(path));
	if (r)
		return r;
	if (unlink(path) != 0 && errno != ENOENT)
		return -errno;
	char *slash = strrchr(path, '/');
	*slash = 0;
	return fsync_dir(path);
}

int store_unlink(struct store *s, const char *rel)
{
	char path[PATH_MAX];
	int r = path_of(s, rel, path, sizeof(path));
	if (r)
		return r;
	return unlink(path) != 0 && errno != ENOENT ? -errno : 0;
}

bool store_exists(struct store *s, const char *rel)
{
	char path[PATH_MAX];
	return path_of(s, rel, path, sizeof(path)) == 0 && access(path, F_OK) == 0;
}

int store_touch(struct store *s, const char *rel)
{
	return store_write(s, rel, "", 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int store_list(struct store *s, const char *sub, const char *suffix, char ***names,
	       size_t *n)
{
	char path[PATH_MAX];
	int r = path_of(s, sub, path, sizeof(path));
	if (r)
		return r;
	*names = NULL;
	*n = 0;
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	size_t cap = 0, sl = strlen(suffix);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (e->d_name[0] == '.' || l <= sl || strcmp(e->d_name + l - sl, suffix))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nn = realloc(*names, cap * sizeof(char *));
			if (!nn)
				break;
			*names = nn;
		}
		(*names)[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(char *), cmp_str);
	return 0;
}

void store_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
