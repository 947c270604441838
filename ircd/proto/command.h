/* command.h - the declarative command table and the dispatcher. */
#ifndef EVIRCD_COMMAND_H
#define EVIRCD_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#include "proto/parse.h"

struct client;
struct server;

/* What a handler reports: whether its client still exists for more input. */
typedef enum { IRC_OK = 0, IRC_CLOSED = 1 } irc_result_t;

/* Where a message came from; the command table says which each command takes. */
enum origin {
	ORIGIN_LOCAL = 0x01,  /* a client connected here */
	ORIGIN_REMOTE = 0x02, /* a user behind a server link */
	ORIGIN_SERVER = 0x04, /* a server: the link itself or one behind it */
};

struct source {
	enum origin origin;
	struct client *client; /* LOCAL and REMOTE: the user */
	struct server *server; /* SERVER: the server; REMOTE: the user's server */
	struct server *link;   /* REMOTE and SERVER: the link it came through */
};

typedef irc_result_t (*cmd_handler)(struct client *c, struct irc_msg *m);
typedef irc_result_t (*server_handler)(struct source *src, struct irc_msg *m);

/* Client states a local command is allowed in. */
#define CMD_UNREG 0x01 /* before registration */
#define CMD_USER 0x02  /* registered users */
#define CMD_OPER 0x04  /* IRC operators only (checked after CMD_USER) */

/*
 * One row of the command table (modules/commands.c).  A handler slot per
 * origin, as ircd-hybrid has them: NULL means the command is not taken
 * from that origin.  allowed, min_params and penalty are checked for
 * local clients before their handler runs, so handlers never re-check.
 */
struct command {
	const char *name;
	cmd_handler local;
	cmd_handler remote;
	server_handler server;
	uint8_t allowed;
	uint8_t min_params;
	uint8_t penalty; /* flood-control cost, local clients only */
	uint64_t count;  /* STATS m */
	uint64_t bytes;
};

/* Install the table (sorted by name) and index it; modules call this at start-up. */
void command_table_install(struct command *table, size_t n);
struct command *command_find(const char *name);
/* Parse and run one line from a client connected here. */
irc_result_t command_dispatch_local(struct client *c, char *line, size_t len);
/*
 * Parse and run one line that came over a server link: the source is
 * resolved (and must lie behind link), then the command's remote or
 * server slot runs.  None of the local-client checks apply.
 */
irc_result_t command_dispatch_link(struct server *link, char *line, size_t len);
/* For STATS m and HELP: iterate the table in name order. */
size_t command_table(struct command **table);

#endif
