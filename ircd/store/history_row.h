/* history_row.h - one line of chat history as it is stored and read back. */
#ifndef EVIRCD_HISTORY_ROW_H
#define EVIRCD_HISTORY_ROW_H

#include <stddef.h>
#include <stdint.h>

#include "base/bounds.h"

/* A target's key: a casemapped channel name, or "@a,b" for two accounts. */
#define HISTORY_KEY_MAX (CHANNELLEN_MAX + 2 * NICKLEN_MAX + 4)

/*
 * The body is the line as it was sent, without tags or CRLF (at most 510
 * bytes); its tags are kept apart, so a replay can give each reader the
 * tags its capabilities ask for and still the whole body.
 */
/*
 * account, tags and body of a row live in one counted block: the batch on
 * its way to sqlite and the in-memory window share the line instead of
 * copying it (one allocation a message, not six). References change on the
 * loop only; the writer thread reads a batch's rows and never frees them.
 */
struct history_text {
	unsigned refs;
	char data[];
};

struct history_row {
	char target[HISTORY_KEY_MAX];
	char msgid[24];
	int64_t time_ms;
	char cmd[8];
	char uid[UIDLEN + 1]; /* the sender's session, for redaction */
	int bot;              /* the sender was a bot (+B) */
	const char *account;  /* the sender's account, or NULL; in text */
	const char *tags;     /* the sender's client-only tags ("+a=b;+c"), or NULL; in text */
	const char *body;     /* in text */
	struct history_text *text;
};

/* PRIVMSG, NOTICE and TAGMSG are messages; anything else is a channel event. */
int history_is_event(const char *cmd);
/* Copies account, tags (either may be NULL) and body_len bytes of body into a new block. */
void history_row_set_text(struct history_row *r, const char *account, const char *tags,
                          const char *body, size_t body_len);
/* dst becomes src, sharing its text. */
void history_row_copy(struct history_row *dst, const struct history_row *src);
void history_row_free(struct history_row *r);
void history_rows_free(struct history_row *rows, size_t n);

#endif
