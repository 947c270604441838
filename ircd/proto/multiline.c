/* multiline.c - draft/multiline: gathering a client's batch before it is relayed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/casemap.h"
#include "base/util.h"
#include "proto/multiline.h"
#include "proto/send.h"
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
	free(ml);
	c->local->multiline = NULL;
}

void
multiline_open(struct client *c, const char *id, const char *target)
{
	struct multiline *ml = xcalloc(1, sizeof(*ml));

	multiline_free(c);
	str_copy(ml->id, id, sizeof(ml->id));
	str_copy(ml->target, target, sizeof(ml->target));
	c->local->multiline = ml;
}

static void
ml_fail(struct client *c, struct multiline *ml, const char *code, const char *text)
{
	if (!ml->failed)
		send_fail(c, "BATCH", code, NULL, "%s", text);
	ml->failed = 1;
}

/* A line of an open batch (tag batch=<id>); 1 when it was one. */
int
multiline_take(struct client *c, struct irc_msg *m, const char *batch_id)
{
	struct multiline *ml = c->local->multiline;
	size_t len;

	if (ml == NULL || strcmp(ml->id, batch_id) != 0)
		return 0;
	if ((strcasecmp(m->command, "PRIVMSG") != 0 && strcasecmp(m->command, "NOTICE") != 0) ||
	    m->argc < 2 || irc_strcmp(m->argv[0], ml->target) != 0 ||
	    (ml->cmd[0] != '\0' && strcasecmp(ml->cmd, m->command) != 0)) {
		ml_fail(c, ml, "MULTILINE_INVALID",
		        "Lines must be PRIVMSG or NOTICE to the target");
		return 1;
	}
	len = strlen(m->argv[1]);
	if (ml->nlines == MULTILINE_MAX_LINES) {
		ml_fail(c, ml, "MULTILINE_MAX_LINES", "Too many lines in the batch");
		return 1;
	}
	if (ml->bytes + len > MULTILINE_MAX_BYTES) {
		ml_fail(c, ml, "MULTILINE_MAX_BYTES", "Too many bytes in the batch");
		return 1;
	}
	snprintf(ml->cmd, sizeof(ml->cmd), "%s",
	         strcasecmp(m->command, "NOTICE") ? "PRIVMSG" : "NOTICE");
	ml->lines[ml->nlines].text = xstrdup(m->argv[1]);
	ml->lines[ml->nlines].concat =
	    m->tags != NULL && strstr(m->tags, "draft/multiline-concat") != NULL;
	ml->nlines++;
	ml->bytes += len;
	return 1;
}
