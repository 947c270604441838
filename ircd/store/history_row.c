/* history_row.c - copying and freeing stored history lines. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/history_row.h"

int
history_is_event(const char *cmd)
{
	return strcmp(cmd, "PRIVMSG") != 0 && strcmp(cmd, "NOTICE") != 0 &&
	       strcmp(cmd, "TAGMSG") != 0;
}

static char *
put(char **at, const char *s, size_t len)
{
	char *start = *at;

	memcpy(start, s, len);
	start[len] = '\0';
	*at += len + 1;
	return start;
}

void
history_row_set_text(struct history_row *r, const char *account, const char *tags,
                     const char *body, size_t body_len)
{
	size_t alen = account != NULL ? strlen(account) + 1 : 0;
	size_t tlen = tags != NULL ? strlen(tags) + 1 : 0;
	struct history_text *t = xmalloc(sizeof(*t) + alen + tlen + body_len + 1);
	char *at = t->data;

	t->refs = 1;
	r->account = account != NULL ? put(&at, account, alen - 1) : NULL;
	r->tags = tags != NULL ? put(&at, tags, tlen - 1) : NULL;
	r->body = put(&at, body, body_len);
	r->text = t;
}

void
history_row_copy(struct history_row *dst, const struct history_row *src)
{
	*dst = *src;
	if (dst->text != NULL)
		dst->text->refs++;
}

void
history_row_free(struct history_row *r)
{
	if (r->text != NULL && --r->text->refs == 0)
		free(r->text);
	r->text = NULL;
	r->account = r->tags = r->body = NULL;
}

void
history_rows_free(struct history_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		history_row_free(&rows[i]);
	free(rows);
}
