/* batch.c - reply batches (a small stack per client) and labeled responses. */
#include <stdio.h>
#include <string.h>

#include "base/bounds.h"
#include "base/log.h"
#include "base/util.h"
#include "net/conn.h"
#include "proto/batch.h"
#include "proto/cap.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"

/* Tags ahead of a line we frame: ours, the line's own, and a separator. */
#define FRAMED_MAX (IRC_TAGS_MAX + OUT_LINE_MAX + 96)

enum label_state {
	LABEL_NONE,    /* nothing sent for the labeled command yet */
	LABEL_HELD,    /* one line held back: it may be the only one */
	LABEL_WRAPPED, /* a labeled-response batch is open on the stack */
	LABEL_PLAIN,   /* several lines, no batch capability: sent unlabeled */
	LABEL_TAKEN,   /* the command answers later (label_take) */
};

/* One command runs at a time, so one labeled command is in flight. */
static struct {
	struct client *client;
	enum label_state state;
	int aside;        /* lines now are a side effect, not the response */
	uint32_t wrapper; /* the labeled-response batch's reference */
	char label[LABEL_MAX + 1];
	char held[FRAMED_MAX];
	size_t held_len;
} lab;

static uint32_t batch_serial;

void
batch_ref_new(char *out, size_t size)
{
	snprintf(out, size, "%u", ++batch_serial);
}

struct outmsg *
batch_shared_open(const struct client *from, const char *ref, const char *type,
                  const char *params)
{
	const char *sep = params != NULL ? " " : "";

	if (params == NULL)
		params = "";
	if (from == NULL)
		return msg_build(":%s BATCH +%s %s%s%s", me.name, ref, type, sep, params);
	return msg_from(from, "BATCH +%s %s%s%s", ref, type, sep, params);
}

struct outmsg *
batch_shared_close(const struct client *from, const char *ref)
{
	struct outmsg *om = from == NULL ? msg_build(":%s BATCH -%s", me.name, ref)
	                                 : msg_build(":%s!%s@%s BATCH -%s", from->nick,
	                                             from->user, from->host, ref);

	/* The end of a message, no message of its own: no msgid. */
	outmsg_part_of(om, "");
	return om;
}

static void
output_hook_update(struct client *c)
{
	struct conn *cn = c->local->conn;

	if (c->local->batch_depth > 0 || lab.client == c)
		cn->flags |= CONN_OUTPUT_HOOK;
	else
		cn->flags &= ~CONN_OUTPUT_HOOK;
}

static int
has_batch_tag(const char *line, size_t len)
{
	const char *end = line[0] == '@' ? memchr(line, ' ', len) : NULL;

	for (const char *p = line + 1; end != NULL && p < end; p++)
		if ((p == line + 1 || p[-1] == ';') && strncmp(p, "batch=", 6) == 0)
			return 1;
	return 0;
}

/* Queue line (with CRLF) behind one more tag, merged into any it has. */
static void
send_with_tag(struct client *c, const char *tag, const char *line, size_t len)
{
	char out[FRAMED_MAX];
	int n;

	if (line[0] == '@')
		n = snprintf(out, sizeof(out), "@%s;%.*s", tag, (int)len - 1, line + 1);
	else
		n = snprintf(out, sizeof(out), "@%s %.*s", tag, (int)len, line);
	if (n > 0 && (size_t)n < sizeof(out))
		conn_send_bytes(c->local->conn, out, (size_t)n);
}

/* A line into the innermost open batch, unless it belongs to one already. */
static void
send_in_batch(struct client *c, const char *line, size_t len)
{
	struct local *l = c->local;
	char tag[24];

	if (l->batch_depth == 0 || has_batch_tag(line, len)) {
		conn_send_bytes(l->conn, line, len);
		return;
	}
	snprintf(tag, sizeof(tag), "batch=%u", l->batch_refs[l->batch_depth - 1]);
	send_with_tag(c, tag, line, len);
}

static void
stack_push(struct client *c, uint32_t ref)
{
	struct local *l = c->local;

	/* Deeper than clients need: the lines go in the innermost one we have. */
	if (l->batch_depth < BATCH_DEPTH_MAX)
		l->batch_refs[l->batch_depth] = ref;
	l->batch_depth++;
	output_hook_update(c);
}

static uint32_t
stack_pop(struct client *c)
{
	struct local *l = c->local;
	uint32_t ref = 0;

	if (l->batch_depth == 0)
		return 0;
	l->batch_depth--;
	if (l->batch_depth < BATCH_DEPTH_MAX)
		ref = l->batch_refs[l->batch_depth];
	output_hook_update(c);
	return ref;
}

/*
 * The labeled-response batch is the outermost: batches the command opened
 * since its first line sit inside it.
 */
static void
stack_insert_bottom(struct client *c, uint32_t ref)
{
	struct local *l = c->local;
	unsigned n = l->batch_depth < BATCH_DEPTH_MAX ? l->batch_depth : BATCH_DEPTH_MAX - 1;

	memmove(l->batch_refs + 1, l->batch_refs, n * sizeof(l->batch_refs[0]));
	l->batch_refs[0] = ref;
	l->batch_depth++;
	output_hook_update(c);
}

/* A second line for the labeled command: open labeled-response around both. */
static void
label_wrap(struct client *c, const char *line, size_t len)
{
	char open[OUT_LINE_MAX], tag[LABEL_MAX + 8];
	int n;

	if (!(c->local->caps & CAP_BATCH)) {
		lab.state = LABEL_PLAIN;
		conn_send_bytes(c->local->conn, lab.held, lab.held_len);
		conn_send_bytes(c->local->conn, line, len);
		return;
	}
	lab.wrapper = ++batch_serial;
	n = snprintf(open, sizeof(open), ":%s BATCH +%u labeled-response\r\n", me.name,
	             lab.wrapper);
	snprintf(tag, sizeof(tag), "label=%s", lab.label);
	send_with_tag(c, tag, open, (size_t)n);
	stack_insert_bottom(c, lab.wrapper);
	lab.state = LABEL_WRAPPED;
	/* The held line came first: before any batch the command opened after it. */
	snprintf(tag, sizeof(tag), "batch=%u", lab.wrapper);
	if (has_batch_tag(lab.held, lab.held_len))
		conn_send_bytes(c->local->conn, lab.held, lab.held_len);
	else
		send_with_tag(c, tag, lab.held, lab.held_len);
	send_in_batch(c, line, len);
}

/* A side effect of the labeled command: outside its labeled-response batch. */
static void
send_aside(struct client *c, const char *line, size_t len)
{
	if (lab.state == LABEL_WRAPPED && c->local->batch_depth == 1)
		conn_send_bytes(c->local->conn, line, len);
	else
		send_in_batch(c, line, len);
}

void
batch_filter(struct client *c, const char *line, size_t len)
{
	if (c != lab.client) {
		send_in_batch(c, line, len);
		return;
	}
	if (lab.aside) {
		send_aside(c, line, len);
		return;
	}
	switch (lab.state) {
	case LABEL_NONE:
		if (len > sizeof(lab.held)) {
			lab.state = LABEL_PLAIN;
			send_in_batch(c, line, len);
			return;
		}
		memcpy(lab.held, line, len);
		lab.held_len = len;
		lab.state = LABEL_HELD;
		return;
	case LABEL_HELD: label_wrap(c, line, len); return;
	default: send_in_batch(c, line, len); return;
	}
}

static void
send_framing_line(struct client *c, const char *label, const char *line, size_t len)
{
	char tag[LABEL_MAX + 8];

	if (label == NULL || label[0] == '\0') {
		if (c->local->conn->flags & CONN_OUTPUT_HOOK)
			batch_filter(c, line, len);
		else
			conn_send_bytes(c->local->conn, line, len);
		return;
	}
	snprintf(tag, sizeof(tag), "label=%s", label);
	send_with_tag(c, tag, line, len);
}

void
batch_open(struct client *c, const char *label, const char *type, const char *params)
{
	char line[OUT_LINE_MAX];
	uint32_t ref;
	int n;

	if (c->local == NULL || !(c->local->caps & CAP_BATCH))
		return;
	ref = ++batch_serial;
	n = snprintf(line, sizeof(line), ":%s BATCH +%u %s%s%s\r\n", me.name, ref, type,
	             params ? " " : "", params ? params : "");
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	send_framing_line(c, label, line, (size_t)n);
	stack_push(c, ref);
}

void
batch_close(struct client *c)
{
	char line[OUT_LINE_MAX];
	uint32_t ref;
	int n;

	if (c->local == NULL || !(c->local->caps & CAP_BATCH) || c->local->batch_depth == 0)
		return;
	ref = stack_pop(c);
	n = snprintf(line, sizeof(line), ":%s BATCH -%u\r\n", me.name, ref);
	send_framing_line(c, NULL, line, (size_t)n);
}

void
label_begin(struct client *c, const char *label)
{
	lab.client = c;
	lab.state = LABEL_NONE;
	lab.aside = 0;
	lab.held_len = 0;
	str_copy(lab.label, label, sizeof(lab.label));
	output_hook_update(c);
}

void
label_aside(struct client *c, int on)
{
	if (lab.client == c)
		lab.aside = on;
}

void
label_take(struct client *c, char *out, size_t size)
{
	out[0] = '\0';
	/* Once a reply went out labeled, the rest follows it unlabeled. */
	if (lab.client != c || lab.state != LABEL_NONE)
		return;
	str_copy(out, lab.label, size);
	lab.state = LABEL_TAKEN;
}

int
label_resume(struct client *c, const char *label)
{
	if (label == NULL || label[0] == '\0' || lab.client == c)
		return 0;
	label_begin(c, label);
	return 1;
}

void
label_send_opening(struct client *c, struct outmsg *om)
{
	struct msgbuf *mb;
	char tag[LABEL_MAX + 8];

	if (c->local == NULL)
		return;
	if (lab.client != c || lab.state != LABEL_NONE) {
		send_msg(c, om);
		return;
	}
	/* The batch is the whole answer: no ACK, no labeled-response batch around it. */
	lab.state = LABEL_TAKEN;
	mb = outmsg_flavour(om, c->local->tags_wanted);
	snprintf(tag, sizeof(tag), "label=%s", lab.label);
	send_with_tag(c, tag, mb->data, mb->len);
}

void
label_end(struct client *c)
{
	char line[OUT_LINE_MAX], tag[LABEL_MAX + 8];
	enum label_state state = lab.state;
	int n;

	lab.client = NULL;
	if (c->local == NULL || c->local->conn->state == CONN_CLOSING) {
		if (c->local != NULL)
			output_hook_update(c);
		return;
	}
	output_hook_update(c);
	snprintf(tag, sizeof(tag), "label=%s", lab.label);
	switch (state) {
	case LABEL_NONE:
		n = snprintf(line, sizeof(line), ":%s ACK\r\n", me.name);
		send_with_tag(c, tag, line, (size_t)n);
		return;
	case LABEL_HELD:
		if (c->local->batch_depth > 0)
			send_in_batch(c, lab.held, lab.held_len);
		else
			send_with_tag(c, tag, lab.held, lab.held_len);
		return;
	case LABEL_WRAPPED: batch_close(c); return;
	default: return;
	}
}

void
batch_close_all(struct client *c, const char *why)
{
	/* The labeled-response batch is label_end's to close. */
	unsigned keep = lab.client == c && lab.state == LABEL_WRAPPED;

	if (c->local == NULL || c->local->batch_depth <= keep)
		return;
	log_warn("%s left %u batch(es) open to %s: closed", why, c->local->batch_depth - keep,
	         client_name(c));
	while (c->local->batch_depth > keep) {
		unsigned depth = c->local->batch_depth;
		batch_close(c);
		if (c->local->batch_depth == depth) /* the batch cap went meanwhile */
			stack_pop(c);
	}
}
