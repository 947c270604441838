/* metadata.c - small per-object key/value lists. */
#include <stdlib.h>
#include <string.h>

#include "metadata.h"
#include "util.h"

int
metadata_key_valid(const char *key)
{
	size_t len = strlen(key);

	return len > 0 && len <= METADATA_KEY_MAX &&
	       strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_./-") == len;
}

static struct metadata *
find(const struct metadata_list *l, const char *key)
{
	struct metadata *m;

	LIST_FOREACH (m, l, link)
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

const char *
metadata_get(const struct metadata_list *l, const char *key)
{
	struct metadata *m = find(l, key);
	return m ? m->value : NULL;
}

static void
entry_free(struct metadata *m)
{
	LIST_REMOVE(m, link);
	free(m->key);
	free(m->value);
	free(m);
}

int
metadata_set(struct metadata_list *l, unsigned *count, const char *key, const char *value)
{
	struct metadata *m = find(l, key);

	if (value == NULL) {
		if (m != NULL) {
			entry_free(m);
			(*count)--;
		}
		return 0;
	}
	if (m != NULL) {
		free(m->value);
		m->value = xstrdup(value);
		return 0;
	}
	if (*count >= METADATA_MAX_KEYS)
		return -1;
	m = xcalloc(1, sizeof(*m));
	m->key = xstrdup(key);
	m->value = xstrdup(value);
	LIST_INSERT_HEAD(l, m, link);
	(*count)++;
	return 0;
}

void
metadata_clear(struct metadata_list *l, unsigned *count)
{
	while (!LIST_EMPTY(l))
		entry_free(LIST_FIRST(l));
	*count = 0;
}
