/* metadata.h - key/value metadata on users and channels (draft/metadata-2). */
#ifndef EVIRCD_METADATA_H
#define EVIRCD_METADATA_H

#include <sys/queue.h>

#define METADATA_MAX_KEYS 20   /* per user or channel */
#define METADATA_MAX_SUBS 50   /* keys one client subscribes to */
#define METADATA_VALUE_MAX 300 /* bytes */
#define METADATA_KEY_MAX 64

struct metadata {
	char *key;
	char *value;
	LIST_ENTRY(metadata) link;
};
LIST_HEAD(metadata_list, metadata);

/* 1 when key is a valid name: a-z 0-9 _ . / - only. */
int metadata_key_valid(const char *key);
const char *metadata_get(const struct metadata_list *l, const char *key);
/* Set (value != NULL) or delete; -1 when the list is full. */
int metadata_set(struct metadata_list *l, unsigned *count, const char *key, const char *value);
void metadata_clear(struct metadata_list *l, unsigned *count);

#endif
