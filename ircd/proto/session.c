/* session.c - the transport's hooks: a local client from accept to exit. */
#include <stdio.h>
#include <string.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/stats.h"
#include "base/util.h"
#include "net/conn.h"
#include "net/dns.h"
#include "net/iplimit.h"
#include "net/tls.h"
#include "proto/clientjob.h"
#include "proto/command.h"
#include "proto/exit.h"
#include "proto/link.h"
#include "proto/multiline.h"
#include "proto/sasl.h"
#include "proto/send.h"
#include "proto/session.h"
#include "proto/snomask.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"
#include "store/xline.h"

#define LISTENERS_MAX 8

static const struct session_events *listeners[LISTENERS_MAX];
static unsigned nlisteners;

void
session_listen(const struct session_events *ev)
{
	if (nlisteners == LISTENERS_MAX)
		log_fatal("session_listen: more than %d listeners", LISTENERS_MAX);
	listeners[nlisteners++] = ev;
}

void
session_logged_in(struct client *c)
{
	for (unsigned i = 0; c->local != NULL && i < nlisteners; i++)
		if (listeners[i]->logged_in != NULL)
			listeners[i]->logged_in(c);
}

/* D-lines first, then the class and its per-IP limits. */
static const char *
session_admit(const char *ip, struct conf_class **class, char *group)
{
	static char reason[300];
	const struct xline *x = xline_match_ip(ip);
	struct conf_auth *a;
	const char *refusal;

	if (x != NULL) {
		snprintf(reason, sizeof(reason), "D-lined: %s", x->reason);
		snomask_send(SNO_REJECT, "Refused D-lined connection from %s", ip);
		return reason;
	}
	a = config_find_auth(conf, "*", ip, ip);
	*class = a ? a->class : TAILQ_FIRST(&conf->classes);
	if ((refusal = iplimit_admit(ip, *class, group)) != NULL) {
		snomask_send(SNO_REJECT, "Refused connection from %s: %s", ip, refusal);
		return refusal;
	}
	return NULL;
}

static void
session_open(struct conn *cn, const char *ip, int tls)
{
	(void)tls;
	cn->client = client_new_local(cn, ip);
}

static void
session_ready(struct conn *cn)
{
	struct client *c = cn->client;
	char fp[2 * 64 + 1];

	if (cn->ssl != NULL) {
		c->secure = 1;
		tls_certfp(cn->ssl, fp, sizeof(fp));
		if (fp[0] != '\0')
			c->certfp = xstrdup(fp);
	}
	for (unsigned i = 0; i < nlisteners; i++)
		if (listeners[i]->ready != NULL)
			listeners[i]->ready(c);
}

static int
session_line(struct conn *cn, char *line, size_t len)
{
	if (memchr(line, '\0', len) != NULL) {
		stats.parse_errors++;
		conn_charge(cn, 1);
		send_notice(cn->client, "*** Line discarded: it contains a NUL byte");
		return 0;
	}
	return command_dispatch_local(cn->client, line, len) == IRC_CLOSED ? -1 : 0;
}

static void
session_ping(struct conn *cn)
{
	send_line(cn->client, "PING :%s", me.name);
}

static void
session_second(struct conn *cn)
{
	for (unsigned i = 0; i < nlisteners && cn->state != CONN_CLOSING; i++)
		if (listeners[i]->second != NULL)
			listeners[i]->second(cn->client);
}

/* Nothing may answer this client later: cancel what waits for it. */
static void
session_drop_pending(struct client *c)
{
	struct local *l = c->local;

	if (l->dns != NULL) {
		dns_cancel(l->dns);
		l->dns = NULL;
	}
	sasl_abort(c, 0);
	multiline_free(c);
	client_jobs_orphan(c);
	for (unsigned i = 0; i < nlisteners; i++)
		if (listeners[i]->exit != NULL)
			listeners[i]->exit(c);
}

static void
session_exit(struct conn *cn)
{
	struct client *c = cn->client;
	char line[OUT_LINE_MAX];
	int n;

	n = snprintf(line, sizeof(line), "ERROR :Closing Link: %s (%s)\r\n", c->host,
	             cn->close_reason);
	if (n >= (int)sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 2] = '\r';
		line[n - 1] = '\n';
	}
	session_drop_pending(c);
	/* A killed user's KILL went to the links already; anyone else quits. */
	if (c->registered && !c->killed)
		links_send(NULL, ":%s QUIT :%s", c->uid, cn->close_reason);
	iplimit_release(cn->ipgroup);
	if (c->registered && cn->class->clients > 0)
		cn->class->clients--;
	client_exit(c, cn->close_reason);
	conn_send_final(cn, line, (size_t)n);
}

static const struct conn_hooks hooks = {
    .admit = session_admit,
    .open = session_open,
    .ready = session_ready,
    .line = session_line,
    .ping = session_ping,
    .second = session_second,
    .exit = session_exit,
};

void
session_init(void)
{
	conn_system_init();
	conn_set_hooks(CONN_KIND_CLIENT, &hooks);
}
