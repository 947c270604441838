/* lifecycle.c - rehash, shutdown and restart. */
#include <stdio.h>

#include "cloak.h"
#include "conf.h"
#include "conn.h"
#include "dns.h"
#include "lifecycle.h"
#include "history.h"
#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "reactor.h"
#include "server.h"
#include "store.h"
#include "tls.h"
#include "whowas.h"
#include "worker.h"
#include "../modules/modules.h"

static int restart_requested;

/* Point every connection at the same-named class of the new config. */
static void
conns_adopt_classes(struct config *next)
{
	struct conn *cn;

	TAILQ_FOREACH(cn, &conns, link) {
		struct conf_class *cl = config_find_class(next, cn->class->name);
		cn->class = cl ? cl : TAILQ_FIRST(&next->classes);
		if (cn->state == CONN_REGISTERED)
			cn->class->clients++;
	}
}

int
ircd_rehash(char *err, size_t size)
{
	struct config *next;

	log_info("rehashing %s", conf->path);
	next = config_load(conf->path);
	if (next == NULL) {
		snprintf(err, size, "%s", config_last_error());
		log_error("rehash failed: keeping the running configuration");
		return -1;
	}
	if (tls_configure(next) != 0) {
		snprintf(err, size, "TLS: %s", tls_last_error());
		log_error("rehash failed: %s; keeping the running configuration", err);
		config_free(next);
		return -1;
	}
	if (dns_configure(next) != 0) {
		snprintf(err, size, "DNS: the resolver could not be set up from [dns]");
		dns_configure(conf);
		config_free(next);
		return -1;
	}
	if (cloak_configure(next) != 0) {
		snprintf(err, size, "[cloak]: the key could not be loaded");
		cloak_configure(conf);
		dns_configure(conf);
		config_free(next);
		return -1;
	}
	history_open(next);
	log_set_level(next->log.level);
	log_open(next->log.file, next->log.syslog);
	conns_adopt_classes(next);
	config_free(conf);
	conf = next;
	server_init(conf->server_name, me.sid, conf->description);
	whowas_init(conf->limits.whowas_size);
	motd_load();
	return 0;
}

void
ircd_shutdown(const char *reason)
{
	log_info("shutting down: %s", reason);
	conn_close_all(reason);
	listener_close_all();
	metrics_close();
	history_close();
	worker_stop();
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

int
ircd_restart_requested(void)
{
	return restart_requested;
}
