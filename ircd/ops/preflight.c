/* preflight.c - the files a configuration names, checked before start. */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "ops/preflight.h"

struct preflight {
	const struct config *c;
	int notes;
	int problems;
};

PRINTF(3, 4)
static void
problem(struct preflight *p, const char *key, const char *fmt, ...)
{
	char text[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s:0: %s: %s\n", p->c->path, key, text);
	p->problems++;
}

/* The folder path is in, as a new string. */
static char *
folder_of(const char *path)
{
	char *tmp = xstrdup(path), *dir = xstrdup(dirname(tmp));

	free(tmp);
	return dir;
}

/* The deepest folder above path that exists (path itself when it does). */
static char *
existing_ancestor(const char *path)
{
	char *dir = xstrdup(path), *up;
	struct stat st;

	while (stat(dir, &st) != 0 && strcmp(dir, "/") != 0 && strcmp(dir, ".") != 0) {
		up = folder_of(dir);
		free(dir);
		dir = up;
	}
	return dir;
}

/* A file that must be there already: a certificate or key. */
static void
need_file(struct preflight *p, const char *key, const char *path, const char *how)
{
	if (access(path, R_OK) == 0)
		return;
	if (errno == ENOENT)
		problem(p, key, "%s does not exist: %s", path, how);
	else
		problem(p, key, "%s: cannot read: %s", path, strerror(errno));
}

/* A file the server reads and writes, making it (and its folders) when absent. */
static void
made_file(struct preflight *p, const char *key, const char *path, int mode, const char *what)
{
	char *dir, *base;
	struct stat st;

	if (stat(path, &st) == 0) {
		if (access(path, mode) != 0)
			problem(p, key, "%s: cannot %s it: %s", path,
			        mode == W_OK    ? "write"
			        : (mode & W_OK) ? "read and write"
			                        : "read",
			        strerror(errno));
		return;
	}
	dir = folder_of(path);
	base = existing_ancestor(dir);
	if (stat(base, &st) == 0 && !S_ISDIR(st.st_mode))
		problem(p, key, "%s is not a folder: %s needs one at %s", base, what, dir);
	else if (strcmp(base, dir) != 0 && access(base, W_OK | X_OK) != 0 && p->notes)
		fprintf(
		    stderr,
		    "%s: note: %s: folder %s does not exist yet and this user cannot make "
		    "it in %s: make it for the server's user (install -d -m 750 -o USER %s)\n",
		    p->c->path, key, dir, base, dir);
	else if (strcmp(base, dir) == 0 && access(dir, W_OK | X_OK) != 0)
		problem(p, key, "%s does not exist and folder %s is not writable: %s", path,
		        dir, strerror(errno));
	else if (p->notes)
		fprintf(stderr, "%s: note: %s: %s does not exist yet: made at start (%s)\n",
		        p->c->path, key, path, what);
	free(base);
	free(dir);
}

static void
check_tls(struct preflight *p)
{
	const struct conf_tls *t = &p->c->tls;
	char how[600], *dir;

	if (t->certificate == NULL)
		return;
	dir = folder_of(t->certificate);
	snprintf(how, sizeof(how),
	         "make a self-signed one with \"evircd-mkcert %s\" (tools/mkcert %s in the "
	         "source tree), which writes cert.pem and key.pem there, or point [tls] "
	         "certificate and key at yours",
	         dir, dir);
	need_file(p, "certificate", t->certificate, how);
	if (t->key != NULL && strcmp(t->key, t->certificate) != 0 &&
	    access(t->certificate, F_OK) == 0)
		need_file(p, "key", t->key, how);
	free(dir);
}

int
preflight_files(const struct config *c, int notes)
{
	struct preflight p = {.c = c, .notes = notes};

	check_tls(&p);
	if (c->cloak.enabled && c->cloak.key == NULL && c->cloak.key_file != NULL)
		made_file(&p, "key_file", c->cloak.key_file, R_OK,
		          "a random cloak key; or set [cloak] key");
	if (c->database_path != NULL)
		made_file(&p, "database", c->database_path, R_OK | W_OK,
		          "the sqlite3 database");
	if (c->log.file != NULL)
		made_file(&p, "file", c->log.file, W_OK, "the log file");
	return p.problems;
}
