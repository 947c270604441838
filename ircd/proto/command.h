/* command.h - the declarative command table and the dispatcher. */
#ifndef EVIRCD_COMMAND_H
#define EVIRCD_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#include "proto/parse.h"

struct client;

/* What a handler reports: whether its client still exists for more input. */
typedef enum { IRC_OK = 0, IRC_CLOSED = 1 } irc_result_t;

typedef irc_result_t (*cmd_handler)(struct client *c, struct irc_msg *m);

/* Client states a command is allowed in. */
#define CMD_UNREG 0x01 /* before registration */
#define CMD_USER 0x02  /* registered users */
#define CMD_OPER 0x04  /* IRC operators only (checked after CMD_USER) */

struct command {
	const char *name;
	cmd_handler handler;
	uint8_t allowed;
	uint8_t min_params;
	uint8_t penalty; /* flood-control cost */
	uint64_t count;  /* STATS m */
	uint64_t bytes;
};

void command_init(void);
struct command *command_find(const char *name);
/* Parse and run one line from a local client. */
irc_result_t command_dispatch(struct client *c, char *line, size_t len);
/* For STATS m and HELP: iterate the table in name order. */
size_t command_table(struct command **table);

#endif
