/* metastore.h - a logged-in user's own metadata, kept with its account. */
#ifndef EVIRCD_METASTORE_H
#define EVIRCD_METASTORE_H

struct client;

/*
 * c has just logged in: the account's stored keys join those c already
 * has (c's own values win), and the result is stored back.  loaded (or
 * NULL) hears of each key that came from the store.
 */
typedef void (*metastore_loaded_fn)(struct client *c, const char *key, const char *value);
void metastore_login(struct client *c, metastore_loaded_fn loaded);
/*
 * c changed its own key (value NULL: removed); stored when logged in.
 * 1 when a write was queued (its answer waits for the commit), else 0.
 */
int metastore_set(const struct client *c, const char *key, const char *value);
/* c cleared all its keys; 1 when a write was queued. */
int metastore_clear(const struct client *c);

#endif
