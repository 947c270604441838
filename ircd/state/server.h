/* server.h - server records: this server now, linked ones with TS6 later. */
#ifndef EVIRCD_SERVER_H
#define EVIRCD_SERVER_H

#include <sys/queue.h>
#include <time.h>

#include "base/hash.h"
#include "base/bounds.h"

struct server {
	char name[SERVLEN + 1];
	char sid[SIDLEN + 1];
	char *description;
	struct server *uplink; /* NULL for this server */
	unsigned hopcount;
	unsigned users; /* clients on this server */
	time_t linked_at;
	LIST_ENTRY(server) link;
};

/* This server. */
extern struct server me;
extern struct strmap servers_by_name;
extern struct strmap servers_by_sid;
extern time_t server_started;

void server_init(const char *name, const char *sid, const char *description);
struct server *server_find(const char *name_or_sid);
unsigned server_count(void);

#endif
