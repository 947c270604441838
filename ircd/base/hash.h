/* hash.h - open-addressing hash tables: by casemapped name and by pointer. */
#ifndef EVIRCD_HASH_H
#define EVIRCD_HASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * strmap: name -> object, compared with the rfc1459 casemapping.  The key
 * is borrowed: it points into the object (a nick or channel name field), so
 * an object must be removed before its key changes.  Linear probing with
 * backward-shift deletion: no tombstones, lookups stay short.
 */
struct strmap_slot {
	uint32_t hash;
	const char *key; /* NULL = empty */
	void *value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t mask; /* capacity - 1, capacity a power of two */
	size_t count;
};

void strmap_init(struct strmap *m, size_t capacity_hint);
void strmap_free(struct strmap *m);
void *strmap_get(const struct strmap *m, const char *key);
/* Insert or replace. */
void strmap_put(struct strmap *m, const char *key, void *value);
/* Remove; returns the removed value or NULL. */
void *strmap_del(struct strmap *m, const char *key);
size_t strmap_memory(const struct strmap *m);

#define strmap_foreach(m, slot)                                                                \
	for (struct strmap_slot *slot = (m)->slots;                                            \
	     slot != NULL && slot <= (m)->slots + (m)->mask; slot++)                           \
		if (slot->key != NULL)

/* ptrmap: pointer -> object, same scheme, keyed by address. */
struct ptrmap_slot {
	const void *key; /* NULL = empty */
	void *value;
};

struct ptrmap {
	struct ptrmap_slot *slots;
	uint32_t mask;
	uint32_t count;
};

void ptrmap_init(struct ptrmap *m);
void ptrmap_free(struct ptrmap *m);
void *ptrmap_get(const struct ptrmap *m, const void *key);
void ptrmap_put(struct ptrmap *m, const void *key, void *value);
void *ptrmap_del(struct ptrmap *m, const void *key);
size_t ptrmap_memory(const struct ptrmap *m);

#endif
