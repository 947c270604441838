/* metadata.h - key/value metadata on users and channels, and the keys a
 * connection subscribes to (IRCv3 draft/metadata-3). */
#ifndef EVIRCD_METADATA_H
#define EVIRCD_METADATA_H

#include <sys/queue.h>

#define METADATA_MAX_KEYS 20   /* per user or channel */
#define METADATA_MAX_SUBS 50   /* keys one connection subscribes to */
#define METADATA_KEY_MAX 64    /* bytes */
#define METADATA_VALUE_MAX 300 /* bytes */

/* The capability value: the limits above (check_metadata.c holds them in
 * step), and METADATA allowed before registration. */
#define METADATA_CAP_VALUE                                                                     \
	"before-connect,max-subs=50,max-keys=20,max-key-bytes=64,max-value-bytes=300"

struct metadata {
	char *key;
	char *value;
	TAILQ_ENTRY(metadata) link;
};

/* The keys of one user or channel, in the order they were first set. */
struct metadata_list {
	TAILQ_HEAD(, metadata) head;
	unsigned count;
};

/* A connection's subscriptions: a small set of valid keys. */
struct metadata_subs {
	char **keys;
	unsigned count;
};

/* 1 when key is a valid name: 1 to METADATA_KEY_MAX of a-z 0-9 _ . / - */
int metadata_key_valid(const char *key);
/* 1 when value may be stored: UTF-8, 1 to METADATA_VALUE_MAX bytes. */
int metadata_value_valid(const char *value);

void metadata_init(struct metadata_list *l);
const char *metadata_get(const struct metadata_list *l, const char *key);
/* Set (value != NULL) or delete; -1 when a new key would pass the limit. */
int metadata_set(struct metadata_list *l, const char *key, const char *value);
void metadata_clear(struct metadata_list *l);

int metadata_sub_has(const struct metadata_subs *s, const char *key);
/* 1 when added, 0 when already there, -1 when the set is full. */
int metadata_sub_add(struct metadata_subs *s, const char *key);
void metadata_sub_del(struct metadata_subs *s, const char *key);
void metadata_sub_clear(struct metadata_subs *s);

#endif
