/* lifecycle.c - rehash, shutdown and restart. */
#include <stdio.h>

#include "base/conf.h"
#include "net/conn.h"
#include "net/dns.h"
#include "net/listener.h"
#include "ops/lifecycle.h"
#include "proto/authlimit.h"
#include "proto/control.h"
#include "proto/oper.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/cloak.h"
#include "store/history.h"
#include <string.h>
#include "base/log.h"
#include "base/notify.h"
#include "modules/modules.h"
#include "net/reactor.h"
#include "net/tls.h"
#include "net/worker.h"
#include "ops/metrics.h"
#include "state/server.h"
#include "state/whowas.h"
#include "store/store.h"

static int restart_requested;

/* Point every connection at the same-named class of the new config. */
static void
conns_adopt_classes(struct config *next)
{
	struct conn *cn;

	TAILQ_FOREACH (cn, &conns, link) {
		struct conf_class *cl = config_find_class(next, cn->class->name);
		cn->class = cl ? cl : TAILQ_FIRST(&next->classes);
		if (cn->state == CONN_REGISTERED)
			cn->class->clients++;
	}
}

int debug_logging;

/* What only a restart changes: say so rather than ignore it silently. */
static void
warn_unreloadable(const struct config *next)
{
	if (strcmp(next->sid, conf->sid) != 0)
		log_warn("rehash: [server] sid changes only on restart");
	if (strcmp(next->database_path, conf->database_path) != 0)
		log_warn("rehash: [server] database changes only on restart");
	if (next->metrics.enabled != conf->metrics.enabled ||
	    next->metrics.port != conf->metrics.port)
		log_warn("rehash: [metrics] changes only on restart");
}

/* Operators keep their status with their block's current privileges. */
static void
opers_adopt_blocks(void)
{
	struct conn *cn;

	TAILQ_FOREACH (cn, &conns, link) {
		struct client *c = cn->client;
		const struct conf_oper *o;
		if (c == NULL || c->oper_name == NULL)
			continue;
		o = config_find_oper(conf, c->oper_name);
		if (o == NULL) {
			send_notice(c,
			            "*** Your operator block %s was removed: you are no longer "
			            "an operator",
			            c->oper_name);
			if (c->umodes & UMODE_SNOTICE)
				send_line(c, ":%s!%s@%s MODE %s :-os", c->nick, c->user,
				          c->host, c->nick);
			else
				send_line(c, ":%s!%s@%s MODE %s :-o", c->nick, c->user, c->host,
				          c->nick);
			oper_down(c);
		} else {
			c->privileges = o->privileges;
		}
	}
}

/*
 * Switch TLS, DNS and cloaking to next, or none of them: a step that fails
 * puts the ones before it back on the running configuration.
 */
static int
adopt_subsystems(struct config *next, char *err, size_t size)
{
	if (tls_configure(next) != 0) {
		snprintf(err, size, "TLS: %s", tls_last_error());
		return -1;
	}
	if (dns_configure(next) != 0) {
		snprintf(err, size, "DNS: the resolver could not be set up from [dns]");
		goto undo_tls;
	}
	if (cloak_configure(next) != 0) {
		snprintf(err, size, "[cloak]: the key could not be loaded");
		goto undo_dns;
	}
	return 0;
undo_dns:
	dns_configure(conf);
undo_tls:
	tls_configure(conf);
	return -1;
}

static int
rehash_apply(char *err, size_t size)
{
	struct config *next;

	log_info("rehashing %s", conf->path);
	next = config_load(conf->path);
	if (next == NULL) {
		snprintf(err, size, "%s", config_last_error());
		log_error("rehash failed (%s): keeping the running configuration", err);
		return -1;
	}
	if (adopt_subsystems(next, err, size) != 0) {
		log_error("rehash failed: %s; keeping the running configuration", err);
		config_free(next);
		return -1;
	}
	warn_unreloadable(next);
	history_open(next);
	if (!debug_logging)
		log_set_level(next->log.level);
	log_open(next->log.file, next->log.syslog);
	conns_adopt_classes(next);
	if (next->limits.whowas_size != conf->limits.whowas_size)
		whowas_init(next->limits.whowas_size);
	config_free(conf);
	conf = next;
	server_init(conf->server_name, me.sid, conf->description);
	opers_adopt_blocks();
	authlimit_configure();
	motd_load();
	isupport_load();
	log_info("rehash done");
	return 0;
}

/* systemd (Type=notify) shows the unit as reloading until READY=1. */
int
ircd_rehash(char *err, size_t size)
{
	int r;

	service_notify("RELOADING=1");
	r = rehash_apply(err, size);
	service_notify("READY=1");
	return r;
}

static struct rtimer deferred;
static int deferred_on, shutting_down;
static char deferred_reason[200];

void
ircd_shutdown(const char *reason)
{
	/* A SIGTERM after DIE, or DIE and RESTART in one turn: one shutdown. */
	if (shutting_down)
		return;
	shutting_down = 1;
	service_notify("STOPPING=1");
	if (deferred_on)
		rtimer_stop(&deferred);
	log_info("shutting down: %s", reason);
	history_keep_channels();
	conn_close_all(reason);
	listener_close_all();
	metrics_close();
	history_flush_at_exit();
	worker_stop(); /* each lane finishes its queue, in order */
	history_close();
	dns_shutdown();
	store_close();
	reactor_stop();
}

void
ircd_restart(const char *reason)
{
	restart_requested = 1;
	ircd_shutdown(reason);
}

static void
shutdown_deferred(struct rtimer *t)
{
	deferred_on = 0;
	ircd_shutdown(deferred_reason);
}

/*
 * From a command handler: the connection that asked is still in use up
 * the stack, so the shutdown (which frees every connection) waits for the
 * loop to come round.
 */
void
ircd_shutdown_soon(const char *reason, int restart)
{
	/* The first request of the turn wins; a second must not re-arm the timer. */
	if (deferred_on || shutting_down)
		return;
	str_copy(deferred_reason, reason, sizeof(deferred_reason));
	restart_requested = restart;
	deferred_on = 1;
	rtimer_start(&deferred, 0.0, 0, shutdown_deferred);
}

int
ircd_restart_requested(void)
{
	return restart_requested;
}

const struct daemon_control lifecycle_control = {
    .rehash = ircd_rehash,
    .shutdown_soon = ircd_shutdown_soon,
};
