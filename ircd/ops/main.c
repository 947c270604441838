/* main.c - start-up, signals, rehash and shutdown. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/casemap.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/notify.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "net/dns.h"
#include "net/iplimit.h"
#include "net/listener.h"
#include "net/reactor.h"
#include "net/tls.h"
#include "net/worker.h"
#include "ops/lifecycle.h"
#include "ops/metrics.h"
#include "ops/preflight.h"
#include "ops/privdrop.h"
#include "proto/authlimit.h"
#include "proto/command.h"
#include "proto/control.h"
#include "proto/link.h"
#include "proto/session.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/cloak.h"
#include "state/server.h"
#include "state/whowas.h"
#include "store/account.h"
#include "store/history.h"
#include "store/store.h"
#include "store/xline.h"

static struct rtimer minute_timer;

static void
usage(FILE *fp)
{
	fprintf(fp,
	        "usage: evircd [-dhtv] [-c FILE] [--config-keys] [--help] [--version]\n"
	        "  -c FILE        configuration file (default %s)\n"
	        "  -t             check the configuration and its files, then exit\n"
	        "  -d             debug logging\n"
	        "  -h, --help     print this help and exit\n"
	        "  -v, --version  print the version and exit\n"
	        "  --config-keys  print every configuration key and exit\n"
	        "Signals: HUP reloads the configuration and the MOTD, USR1 reopens the\n"
	        "log file, TERM and INT shut down. See evircd(8) and ircd.conf(5).\n",
	        DEFAULT_CONFIG);
}

static void
on_sighup(int signum)
{
	char err[300];

	ircd_rehash(err, sizeof(err));
}

static void
on_sigusr1(int signum)
{
	log_reopen();
	log_info("log file reopened");
}

static void
on_sigterm(int signum)
{
	ircd_shutdown(signum == SIGTERM ? "Server shutting down" : "Server terminating");
}

/* Once a minute: expire temporary bans and unverified accounts, save the record counts. */
static void
minutely(struct rtimer *t)
{
	xline_expire(xline_expired);
	account_purge_expired();
	iplimit_sweep();
	authlimit_sweep();
	store_save_counts();
}

int
main(int argc, char **argv)
{
	const char *path = DEFAULT_CONFIG;
	int check_only = 0, debug = 0, opt;
	static const struct option long_options[] = {
	    {"config-keys", no_argument, NULL, 'K'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};

	while ((opt = getopt_long(argc, argv, "c:tdvh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 't': check_only = 1; break;
		case 'd': debug = 1; break;
		case 'v': printf("evircd %s\n", PACKAGE_VERSION); return 0;
		case 'K': config_print_schema(stdout); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "evircd: unexpected argument %s\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/* Before any name table is filled: its hashes depend on the key. */
	if (irc_strhash_seed() != 0) {
		fprintf(stderr, "evircd: getrandom: %s\n", strerror(errno));
		return 1;
	}
	conf = config_load(path);
	if (conf == NULL)
		return 1;
	if (preflight_files(conf, check_only) != 0) {
		config_free(conf);
		return 1;
	}
	if (tls_configure(conf) != 0) {
		fprintf(stderr, "%s:0: tls: %s\n", path, tls_last_error());
		config_free(conf);
		return 1;
	}
	if (check_only) {
		fprintf(stderr, "%s: configuration OK\n", path);
		config_free(conf);
		return 0;
	}
	debug_logging = debug;
	log_set_level(debug ? LOG_LEVEL_DEBUG : conf->log.level);
	if (log_open(conf->log.file, conf->log.syslog) != 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	reactor_init();
	control_install(&lifecycle_control);
	server_init(conf->server_name, conf->sid, conf->description);
	client_tables_init();
	channel_tables_init();
	channel_on_end(history_channel_ended);
	modules_init();
	whowas_init(conf->limits.whowas_size);
	motd_load();
	if (store_open(conf->database_path) != 0)
		return 1;
	xline_load();
	if (history_open(conf) != 0)
		return 1;
	isupport_load(); /* after history_open: CHATHISTORY depends on it */
	if (dns_configure(conf) != 0 || cloak_configure(conf) != 0)
		return 1;
	session_init();
	link_init();
	if (listener_open_all(conf) != 0 || metrics_open(conf) != 0)
		return 1;
	/* Bound, files open, no thread started yet: root is no longer needed. */
	if (privileges_drop(conf) != 0)
		return 1;
	reactor_on_signal(SIGTERM, on_sigterm);
	reactor_on_signal(SIGINT, on_sigterm);
	reactor_on_signal(SIGHUP, on_sighup);
	reactor_on_signal(SIGUSR1, on_sigusr1);
	worker_start();
	authlimit_configure();
	rtimer_start(&minute_timer, 60.0, 60.0, minutely);
	log_info("evircd %s ready: %s (SID %s)", PACKAGE_VERSION, me.name, me.sid);
	service_notify("READY=1"); /* Type=notify: "systemctl start" returns now */
	reactor_run();
	whowas_init(0);
	config_free(conf);
	if (ircd_restart_requested()) {
		log_info("restarting: exec %s", argv[0]);
		execv("/proc/self/exe", argv);
		log_fatal("restart: exec failed");
	}
	log_info("exited cleanly");
	return 0;
}
