/* main.c - start-up, signals, rehash and shutdown. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "client.h"
#include "command.h"
#include "conf.h"
#include "conn.h"
#include "listener.h"
#include "log.h"
#include "reactor.h"
#include "server.h"
#include "store.h"
#include "tls.h"
#include "whowas.h"
#include "../modules/modules.h"

static struct rtimer save_timer;

static void
usage(void)
{
	fprintf(stderr, "usage: evircd [-t] [-d] [-c config]\n"
	                "  -c FILE  configuration file (default %s)\n"
	                "  -t       check the configuration and exit\n"
	                "  -d       debug logging\n"
	                "  -v       print the version and exit\n",
	        DEFAULT_CONFIG);
	exit(2);
}

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

static void
rehash(int signum)
{
	struct config *next;

	log_info("rehashing %s", conf->path);
	next = config_load(conf->path);
	if (next == NULL) {
		log_error("rehash failed: keeping the running configuration");
		return;
	}
	if (tls_configure(next) != 0) {
		log_error("rehash failed: TLS: %s; keeping the running configuration",
		          tls_last_error());
		config_free(next);
		return;
	}
	conns_adopt_classes(next);
	config_free(conf);
	conf = next;
	server_init(conf->server_name, me.sid, conf->description);
	whowas_init(conf->limits.whowas_size);
	motd_load();
}

static void
shutdown_server(int signum)
{
	log_info("signal %d: shutting down", signum);
	conn_close_all(signum == SIGTERM ? "Server shutting down" : "Server terminating");
	listener_close_all();
	store_close();
	reactor_stop();
}

static void
save_state(struct rtimer *t)
{
	store_save_counts();
}

int
main(int argc, char **argv)
{
	const char *path = DEFAULT_CONFIG;
	int check_only = 0, opt;

	while ((opt = getopt(argc, argv, "c:tdvh")) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 't': check_only = 1; break;
		case 'd': log_set_level(LOG_DEBUG); break;
		case 'v': printf("evircd %s\n", PACKAGE_VERSION); return 0;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	conf = config_load(path);
	if (conf == NULL)
		return 1;
	if (tls_configure(conf) != 0) {
		fprintf(stderr, "%s:0: tls: %s\n", path, tls_last_error());
		return 1;
	}
	if (check_only) {
		fprintf(stderr, "%s: configuration OK\n", path);
		config_free(conf);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	reactor_init();
	server_init(conf->server_name, conf->sid, conf->description);
	client_tables_init();
	channel_tables_init();
	command_init();
	whowas_init(conf->limits.whowas_size);
	motd_load();
	if (store_open(conf->database_path) != 0)
		return 1;
	conn_system_init();
	if (listener_open_all(conf) != 0)
		return 1;
	reactor_on_signal(SIGTERM, shutdown_server);
	reactor_on_signal(SIGINT, shutdown_server);
	reactor_on_signal(SIGHUP, rehash);
	rtimer_start(&save_timer, 60.0, 60.0, save_state);
	log_info("evircd %s ready: %s (SID %s)", PACKAGE_VERSION, me.name, me.sid);
	reactor_run();
	whowas_init(0);
	config_free(conf);
	log_info("exited cleanly");
	return 0;
}
