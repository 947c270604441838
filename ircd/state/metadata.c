/* metadata.c - small per-object key/value lists and subscription sets. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "state/metadata.h"

int
metadata_key_valid(const char *key)
{
	size_t len = strlen(key);

	return len > 0 && len <= METADATA_KEY_MAX &&
	       strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_./-") == len;
}

int
metadata_value_valid(const char *value)
{
	size_t len = strlen(value);

	return len > 0 && len <= METADATA_VALUE_MAX && utf8_valid(value, len);
}

void
metadata_init(struct metadata_list *l)
{
	TAILQ_INIT(&l->head);
	l->count = 0;
}

static struct metadata *
find(const struct metadata_list *l, const char *key)
{
	struct metadata *m;

	TAILQ_FOREACH (m, &l->head, link)
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
entry_free(struct metadata_list *l, struct metadata *m)
{
	TAILQ_REMOVE(&l->head, m, link);
	l->count--;
	free(m->key);
	free(m->value);
	free(m);
}

int
metadata_set(struct metadata_list *l, const char *key, const char *value)
{
	struct metadata *m = find(l, key);

	if (value == NULL) {
		if (m != NULL)
			entry_free(l, m);
		return 0;
	}
	if (m != NULL) {
		free(m->value);
		m->value = xstrdup(value);
		return 0;
	}
	if (l->count >= METADATA_MAX_KEYS)
		return -1;
	m = xcalloc(1, sizeof(*m));
	m->key = xstrdup(key);
	m->value = xstrdup(value);
	TAILQ_INSERT_TAIL(&l->head, m, link);
	l->count++;
	return 0;
}

void
metadata_clear(struct metadata_list *l)
{
	while (!TAILQ_EMPTY(&l->head))
		entry_free(l, TAILQ_FIRST(&l->head));
}

int
metadata_sub_has(const struct metadata_subs *s, const char *key)
{
	for (unsigned i = 0; i < s->count; i++)
		if (strcmp(s->keys[i], key) == 0)
			return 1;
	return 0;
}

int
metadata_sub_add(struct metadata_subs *s, const char *key)
{
	if (metadata_sub_has(s, key))
		return 0;
	if (s->count >= METADATA_MAX_SUBS)
		return -1;
	s->keys = xrealloc(s->keys, (s->count + 1) * sizeof(char *));
	s->keys[s->count++] = xstrdup(key);
	return 1;
}

void
metadata_sub_del(struct metadata_subs *s, const char *key)
{
	for (unsigned i = 0; i < s->count; i++) {
		if (strcmp(s->keys[i], key) == 0) {
			free(s->keys[i]);
			s->keys[i] = s->keys[--s->count];
			return;
		}
	}
}

void
metadata_sub_clear(struct metadata_subs *s)
{
	for (unsigned i = 0; i < s->count; i++)
		free(s->keys[i]);
	free(s->keys);
	s->keys = NULL;
	s->count = 0;
}
