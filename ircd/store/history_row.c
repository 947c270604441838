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
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
history_row_copy(struct history_row *dst, const struct history_row *src)
{
	*dst = *src;
	dst->account = dup_or_null(src->account);
	dst->tags = dup_or_null(src->tags);
	dst->body = dup_or_null(src->body);
}

void
history_row_free(struct history_row *r)
{
	free(r->account);
	free(r->tags);
	free(r->body);
}

void
history_rows_free(struct history_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		history_row_free(&rows[i]);
	free(rows);
}
