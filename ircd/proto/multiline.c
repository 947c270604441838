/* multiline.c - draft/multiline: gathering a client's batch before it is relayed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/casemap.h"
#include "base/util.h"
#include "proto/multiline.h"
#include "proto/parse.h"
#include "state/client.h"
#include "state/local.h"

void
multiline_free(struct client *c)
{
	struct multiline *ml = c->local->multiline;

	if (ml == NULL)
		return;
	for (int i = 0; i < ml->nlines; i++)
		free(ml->lines[i].text);
	free(ml->client_tags);
	free(ml);
	c->local->multiline = NULL;
}

void
multiline_open(struct client *c, const char *id, const char *target, const char *client_tags)
{
	struct multiline *ml = xcalloc(1, sizeof(*ml));

	multiline_free(c);
	str_copy(ml->id, id, sizeof(ml->id));
	str_copy(ml->target, target, sizeof(ml->target));
	ml->client_tags = client_tags != NULL && client_tags[0] ? xstrdup(client_tags) : NULL;
	c->local->multiline = ml;
}

void
multiline_fail(struct multiline *ml, const char *code, const char *context, const char *text)
{
	if (ml->failed)
		return;
	ml->failed = 1;
	str_copy(ml->fail_code, code, sizeof(ml->fail_code));
	str_copy(ml->fail_context, context ? context : "", sizeof(ml->fail_context));
	str_copy(ml->fail_text, text, sizeof(ml->fail_text));
}

static void
fail_limit(struct multiline *ml, const char *code, unsigned limit, const char *text)
{
	char context[16];

	snprintf(context, sizeof(context), "%u", limit);
	multiline_fail(ml, code, context, text);
}

/* A line of an open batch (tag batch=<id>); 1 when it was one. */
int
multiline_take(struct client *c, struct irc_msg *m, const char *batch_id)
{
	struct multiline *ml = c->local->multiline;
	int concat;
	size_t len;

	if (ml == NULL || strcmp(ml->id, batch_id) != 0)
		return 0;
	if ((strcasecmp(m->command, "PRIVMSG") != 0 && strcasecmp(m->command, "NOTICE") != 0) ||
	    m->argc < 2 || (ml->cmd[0] != '\0' && strcasecmp(ml->cmd, m->command) != 0)) {
		multiline_fail(ml, "MULTILINE_INVALID", NULL,
		               "Lines must be PRIVMSG or NOTICE to the target");
		return 1;
	}
	if (irc_strcmp(m->argv[0], ml->target) != 0) {
		char context[sizeof(ml->fail_context)];
		snprintf(context, sizeof(context), "%s %s", param_word(ml->target),
		         param_word(m->argv[0]));
		multiline_fail(ml, "MULTILINE_INVALID_TARGET", context,
		               "Invalid multiline target");
		return 1;
	}
	len = strlen(m->argv[1]);
	concat = tag_present(m->tags, "draft/multiline-concat");
	/* A blank line joined to the previous one would be nothing at all. */
	if (concat && len == 0) {
		multiline_fail(ml, "MULTILINE_INVALID", NULL,
		               "A blank line cannot be draft/multiline-concat");
		return 1;
	}
	if (ml->nlines == MULTILINE_MAX_LINES) {
		fail_limit(ml, "MULTILINE_MAX_LINES", MULTILINE_MAX_LINES,
		           "Too many lines in the batch");
		return 1;
	}
	/* Each line feed that joins two lines counts as a byte. */
	if (ml->bytes + len + (ml->nlines > 0 && !concat) > MULTILINE_MAX_BYTES) {
		fail_limit(ml, "MULTILINE_MAX_BYTES", MULTILINE_MAX_BYTES,
		           "Too many bytes in the batch");
		return 1;
	}
	snprintf(ml->cmd, sizeof(ml->cmd), "%s",
	         strcasecmp(m->command, "NOTICE") ? "PRIVMSG" : "NOTICE");
	ml->lines[ml->nlines].text = xstrdup(m->argv[1]);
	ml->lines[ml->nlines].concat = concat;
	ml->bytes += len + (ml->nlines > 0 && !concat);
	ml->nlines++;
	return 1;
}
