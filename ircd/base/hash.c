/* hash.c - open-addressing hash tables with backward-shift deletion. */
#include <stdlib.h>
#include <string.h>

#include "base/casemap.h"
#include "base/hash.h"
#include "base/util.h"

#define MIN_CAPACITY 8

static size_t
round_pow2(size_t n)
{
	size_t c = MIN_CAPACITY;
	while (c < n)
		c <<= 1;
	return c;
}

void
strmap_init(struct strmap *m, size_t capacity_hint)
{
	size_t cap = round_pow2(capacity_hint * 2);
	m->slots = xcalloc(cap, sizeof(*m->slots));
	m->mask = cap - 1;
	m->count = 0;
}

void
strmap_free(struct strmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->mask = 0;
	m->count = 0;
}

static struct strmap_slot *
strmap_find(const struct strmap *m, const char *key, uint32_t hash)
{
	size_t i = hash & m->mask;

	for (;;) {
		struct strmap_slot *s = &m->slots[i];
		if (s->key == NULL)
			return s;
		if (s->hash == hash && irc_strcmp(s->key, key) == 0)
			return s;
		i = (i + 1) & m->mask;
	}
}

static void
strmap_grow(struct strmap *m)
{
	struct strmap old = *m;

	m->slots = xcalloc((old.mask + 1) * 2, sizeof(*m->slots));
	m->mask = (old.mask + 1) * 2 - 1;
	for (size_t i = 0; i <= old.mask; i++) {
		struct strmap_slot *s = &old.slots[i];
		if (s->key != NULL)
			*strmap_find(m, s->key, s->hash) = *s;
	}
	free(old.slots);
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	if (m->count == 0)
		return NULL;
	return strmap_find(m, key, irc_strhash(key))->value;
}

void
strmap_put(struct strmap *m, const char *key, void *value)
{
	uint32_t hash = irc_strhash(key);
	struct strmap_slot *s;

	if ((m->count + 1) * 4 > (m->mask + 1) * 3)
		strmap_grow(m);
	s = strmap_find(m, key, hash);
	if (s->key == NULL)
		m->count++;
	s->hash = hash;
	s->key = key;
	s->value = value;
}

void *
strmap_del(struct strmap *m, const char *key)
{
	struct strmap_slot *s;
	void *value;
	size_t i, j;

	if (m->count == 0)
		return NULL;
	s = strmap_find(m, key, irc_strhash(key));
	if (s->key == NULL)
		return NULL;
	value = s->value;
	m->count--;
	/* Backward shift: pull later members of the cluster into the hole. */
	i = (size_t)(s - m->slots);
	j = i;
	for (;;) {
		size_t home;
		j = (j + 1) & m->mask;
		if (m->slots[j].key == NULL)
			break;
		home = m->slots[j].hash & m->mask;
		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].key = NULL;
	m->slots[i].value = NULL;
	return value;
}

size_t
strmap_memory(const struct strmap *m)
{
	return (m->mask + 1) * sizeof(*m->slots);
}

/* Pointers are aligned: mix the bits so consecutive objects spread out. */
static uint32_t
ptr_hash(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

void
ptrmap_init(struct ptrmap *m)
{
	m->slots = NULL;
	m->mask = 0;
	m->count = 0;
}

void
ptrmap_free(struct ptrmap *m)
{
	free(m->slots);
	ptrmap_init(m);
}

static struct ptrmap_slot *
ptrmap_find(const struct ptrmap *m, const void *key)
{
	uint32_t i = ptr_hash(key) & m->mask;

	while (m->slots[i].key != NULL && m->slots[i].key != key)
		i = (i + 1) & m->mask;
	return &m->slots[i];
}

static void
ptrmap_resize(struct ptrmap *m, uint32_t cap)
{
	struct ptrmap old = *m;

	m->slots = xcalloc(cap, sizeof(*m->slots));
	m->mask = cap - 1;
	for (uint32_t i = 0; old.slots != NULL && i <= old.mask; i++)
		if (old.slots[i].key != NULL)
			*ptrmap_find(m, old.slots[i].key) = old.slots[i];
	free(old.slots);
}

void *
ptrmap_get(const struct ptrmap *m, const void *key)
{
	if (m->count == 0)
		return NULL;
	return ptrmap_find(m, key)->value;
}

void
ptrmap_put(struct ptrmap *m, const void *key, void *value)
{
	struct ptrmap_slot *s;

	if (m->slots == NULL)
		ptrmap_resize(m, MIN_CAPACITY);
	else if ((m->count + 1) * 4 > (m->mask + 1) * 3)
		ptrmap_resize(m, (m->mask + 1) * 2);
	s = ptrmap_find(m, key);
	if (s->key == NULL)
		m->count++;
	s->key = key;
	s->value = value;
}

void *
ptrmap_del(struct ptrmap *m, const void *key)
{
	struct ptrmap_slot *s;
	void *value;
	uint32_t i, j;

	if (m->count == 0)
		return NULL;
	s = ptrmap_find(m, key);
	if (s->key == NULL)
		return NULL;
	value = s->value;
	m->count--;
	i = (uint32_t)(s - m->slots);
	j = i;
	for (;;) {
		uint32_t home;
		j = (j + 1) & m->mask;
		if (m->slots[j].key == NULL)
			break;
		home = ptr_hash(m->slots[j].key) & m->mask;
		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].key = NULL;
	m->slots[i].value = NULL;
	if (m->count == 0)
		ptrmap_free(m);
	return value;
}

size_t
ptrmap_memory(const struct ptrmap *m)
{
	return m->slots ? (m->mask + 1) * sizeof(*m->slots) : 0;
}
