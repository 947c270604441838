/* multiline.h - draft/multiline batches from a client, gathered line by line. */
#ifndef EVIRCD_MULTILINE_H
#define EVIRCD_MULTILINE_H

#include <stddef.h>

#include "base/bounds.h"
#include "proto/parse.h"

struct client;

#define MULTILINE_MAX_BYTES 4096
#define MULTILINE_MAX_LINES 32

struct ml_line {
	char *text;
	int concat; /* draft/multiline-concat: joins the previous line */
};

/* An open multiline batch: one per connection at a time. */
struct multiline {
	char id[32];
	char target[CHANNELLEN_MAX + 1];
	char cmd[8]; /* PRIVMSG or NOTICE, fixed by the first line */
	struct ml_line lines[MULTILINE_MAX_LINES];
	int nlines;
	size_t bytes;
	char *client_tags;         /* those of the opening BATCH, for the relayed batch */
	char label[LABEL_MAX + 1]; /* of the opening BATCH: answered at BATCH - */
	/* The first thing wrong, told at BATCH - (the batch is then dropped). */
	int failed;
	char fail_code[32];
	char fail_context[2 * CHANNELLEN_MAX + 2];
	char fail_text[64];
};

/* Open a batch to gather (replacing any open one) / drop it. */
void multiline_open(struct client *c, const char *id, const char *target,
                    const char *client_tags);
void multiline_free(struct client *c);
/* A line tagged with the open batch: gathered, not run; 1 when it was one. */
int multiline_take(struct client *c, struct irc_msg *m, const char *batch_id);
/* Mark the batch failed (the first failure is the one told). */
void multiline_fail(struct multiline *ml, const char *code, const char *context,
                    const char *text);

#endif
