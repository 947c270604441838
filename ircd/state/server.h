/* server.h - server records: this server and those linked to it (TS6), as a tree. */
#ifndef EVIRCD_SERVER_H
#define EVIRCD_SERVER_H

#include <sys/queue.h>
#include <time.h>

#include "base/bounds.h"
#include "base/hash.h"

struct client;
struct link;

/*
 * The network is a tree rooted at me.  Each server knows the server that
 * introduced it (uplink) and the directly linked server its traffic goes
 * through (via), so routing a message to any server or client is one
 * pointer away, and a split walks only the subtree that left.
 */
struct server {
	char name[SERVLEN + 1];
	char sid[SIDLEN + 1];
	char *description;
	struct server *uplink; /* the server that introduced it; NULL for me */
	struct server *via;    /* the direct link towards it: itself if direct; NULL for me */
	unsigned hopcount;     /* 0 for me, 1 for a direct link */
	struct link *link;     /* a direct link's session (proto/link.c), else NULL */
	unsigned eob : 1;      /* its burst is complete */
	unsigned users;        /* registered clients on this server */
	time_t linked_at;
	LIST_HEAD(, client) clients;  /* its registered clients */
	LIST_HEAD(, server) children; /* the servers it introduced */
	LIST_ENTRY(server) sibling;   /* in uplink->children */
};

/* What server_new_remote refuses; nothing is changed then. */
enum server_result {
	SERVER_OK = 0,
	SERVER_INVALID, /* name longer than SERVLEN, or SID not SIDLEN characters */
	SERVER_NAME_IN_USE,
	SERVER_SID_IN_USE,
};

/* This server. */
extern struct server me;
extern struct strmap servers_by_name;
extern struct strmap servers_by_sid;
extern time_t server_started;

void server_init(const char *name, const char *sid, const char *description);
struct server *server_find(const char *name_or_sid);
struct server *server_find_sid(const char *sid);
/* Every server, this one included. */
unsigned server_count(void);

/*
 * A server introduced by uplink (me for a direct link), hopcount hops away.
 * On SERVER_OK *out is the new record, in both tables and uplink's children.
 */
enum server_result server_new_remote(struct server *uplink, const char *name, const char *sid,
                                     unsigned hopcount, const char *description,
                                     struct server **out);

/*
 * s and every server behind it leave.  visit(c, arg) is called once for
 * each client on them, with c->server still valid, to end it (client_exit,
 * which frees it); a client it leaves, or every one when visit is NULL, is
 * freed quietly.  Cost: the clients and servers behind s, nothing else.
 */
void server_split(struct server *s, void (*visit)(struct client *c, void *arg), void *arg);

#endif
