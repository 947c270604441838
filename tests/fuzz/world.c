/* world.c - a whole evircd in the fuzzer's process, fed through socketpairs.
 *
 * The start-up is main()'s (ircd/ops/main.c) without listeners, metrics,
 * signals or DNS; a connection is one end of a socketpair handed to
 * conn_new() as the listener would hand an accepted socket, so every byte
 * takes the real path: recvq, framer, parser, command table, handlers,
 * sendq, and the link handshake and dispatch for CONN_KIND_SERVER. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/casemap.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/util.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "net/reactor.h"
#include "net/worker.h"
#include "ops/lifecycle.h"
#include "proto/authlimit.h"
#include "proto/control.h"
#include "proto/link.h"
#include "proto/session.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/cloak.h"
#include "state/server.h"
#include "state/whowas.h"
#include "store/history.h"
#include "store/store.h"
#include "store/xline.h"
#include "world.h"

static const char config_text[] = "[server]\n"
                                  "name = irc.fuzz\n"
                                  "sid = 0FZ\n"
                                  "description = evircd fuzzing\n"
                                  "network = FuzzNet\n"
                                  "database = evircd.db\n"
                                  "\n"
                                  "[listen v4]\n"
                                  "host = 127.0.0.1\n"
                                  "port = 1\n"
                                  "\n"
                                  "[class default]\n"
                                  "sendq = 1048576\n"
                                  "recvq = 16384\n"
                                  "ping_frequency = 120\n"
                                  "connection_timeout = 30\n"
                                  "flood_rate = 0\n"
                                  "max_per_ip = 0\n"
                                  "throttle_count = 0\n"
                                  "\n"
                                  "[auth everyone]\n"
                                  "mask = *@*\n"
                                  "class = default\n"
                                  "\n"
                                  "[accounts]\n"
                                  "registration = %s\n"
                                  "auth_rate = 0\n"
                                  "\n"
                                  "[history]\n"
                                  "enabled = yes\n"
                                  "flush_interval = 10000\n"
                                  "\n"
                                  "[dns]\n"
                                  "enabled = no\n"
                                  "\n"
                                  "[log]\n"
                                  "level = %s\n"
                                  "\n"
                                  "[link peer.test]\n"
                                  "host = 127.0.0.1\n"
                                  "port = 1\n"
                                  "dialect = charybdis\n"
                                  "send_password = linkpass\n"
                                  "accept_password = linkpass\n"
                                  "autoconnect = no\n"
                                  "\n"
                                  "[link hybrid.test]\n"
                                  "host = 127.0.0.1\n"
                                  "port = 1\n"
                                  "dialect = hybrid\n"
                                  "send_password = linkpass\n"
                                  "accept_password = linkpass\n"
                                  "autoconnect = no\n";

/* A plain listener's connections: no TLS, WebSocket or PROXY preamble. */
static const struct listen_opts plain_opts;
static char dir[64];
static char conf_path[128];
static int started;
/* A local user who stays: what inputs do reaches someone (fan-out, numerics). */
static int resident = -1;

static void
write_config(const char *registration)
{
	FILE *fp = fopen(conf_path, "w");

	if (fp == NULL) {
		perror(conf_path);
		abort();
	}
	fprintf(fp, config_text, registration, getenv("FUZZ_LOG") ? "debug" : "error");
	fclose(fp);
}

/* Read what the server sent; 1 when it has closed its end. */
static int
drain(int fd, char *out, size_t outsize, size_t *used)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 1;
		if (n < 0)
			return errno == EAGAIN ? 0 : 1;
		if (out != NULL && *used + 1 < outsize) {
			size_t room = outsize - 1 - *used;
			size_t take = (size_t)n < room ? (size_t)n : room;
			memcpy(out + *used, buf, take);
			*used += take;
			out[*used] = '\0';
		}
	}
}

static void add_resident(void);

/*
 * Keep the resident's sendq empty and answer its PINGs.  An input may
 * legitimately take it away (a KILL or a nick collision from the link):
 * then another one comes.
 */
static void
drain_resident(void)
{
	char buf[65536];
	ssize_t n;

	if (resident < 0)
		return;
	while ((n = read(resident, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (strstr(buf, "PING ") != NULL)
			(void)!write(resident, "PONG :resident\r\n", 17);
	}
	if (n == 0 || errno != EAGAIN) {
		if (getenv("FUZZ_LOG"))
			fprintf(stderr, "world: the resident user went; another comes\n");
		close(resident);
		resident = -1;
		add_resident();
	}
}

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Send all of buf, letting the server read while the socket is full. */
static void
feed(int fd, const char *buf, size_t len, char *out, size_t outsize, size_t *used)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno != EAGAIN)
				return; /* the server closed: the rest is never read */
			drain(fd, out, outsize, used);
			drain_resident();
			reactor_run_nowait();
			continue;
		}
		buf += n;
		len -= (size_t)n;
	}
}

void
world_session(enum conn_kind kind, const char *prefix, const uint8_t *data, size_t size,
              char *out, size_t outsize)
{
	int sv[2], closed = 0;
	size_t used = 0;
	double deadline;

	if (out != NULL && outsize > 0)
		out[0] = '\0';
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
		perror("socketpair");
		abort();
	}
	if (conn_new(sv[0], "127.0.0.1", &plain_opts, kind) == NULL) {
		close(sv[1]);
		return;
	}
	feed(sv[1], prefix, strlen(prefix), out, outsize, &used);
	feed(sv[1], (const char *)data, size, out, outsize, &used);
	shutdown(sv[1], SHUT_WR);
	deadline = seconds() + 10.0;
	while (!closed) {
		if (seconds() > deadline) {
			fprintf(stderr,
			        "world: the server did not close a half-closed connection "
			        "within 10 s\n");
			abort();
		}
		reactor_run_nowait();
		drain_resident();
		closed = drain(sv[1], out, outsize, &used);
	}
	if (getenv("FUZZ_SHOW") != NULL && out != NULL)
		fprintf(stderr, "world: the server sent:\n%s\n", out);
	close(sv[1]);
	/* Let the lingering close see our end go. */
	reactor_run_nowait();
}

/* The account SASL inputs can log in to, made the way a user makes one. */
static void
make_account(void)
{
	static const char reg[] = "CAP LS 302\r\n"
	                          "CAP REQ :draft/account-registration\r\n"
	                          "CAP END\r\n"
	                          "NICK fuzzacct\r\n"
	                          "USER u 0 * :fuzz\r\n"
	                          "REGISTER fuzzacct * fuzzpassword\r\n";
	int sv[2];
	char out[16384];
	size_t used = 0;
	double deadline = seconds() + 60.0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0 ||
	    conn_new(sv[0], "127.0.0.1", &plain_opts, CONN_KIND_CLIENT) == NULL)
		abort();
	out[0] = '\0';
	feed(sv[1], reg, sizeof(reg) - 1, out, sizeof(out), &used);
	while (strstr(out, "REGISTER SUCCESS") == NULL) {
		if (seconds() > deadline || strstr(out, "FAIL REGISTER") != NULL) {
			fprintf(stderr, "world: could not register the fuzz account:\n%s\n",
			        out);
			abort();
		}
		reactor_run_nowait();
		drain(sv[1], out, sizeof(out), &used);
	}
	shutdown(sv[1], SHUT_WR);
	while (!drain(sv[1], out, sizeof(out), &used))
		reactor_run_nowait();
	close(sv[1]);
}

static double seconds(void);

static void
add_resident(void)
{
	static const char hello[] =
	    "CAP LS 302\r\n"
	    "CAP REQ :message-tags server-time batch echo-message extended-join account-notify "
	    "away-notify chghost invite-notify multi-prefix userhost-in-names setname "
	    "account-tag "
	    "draft/metadata-3 draft/chathistory draft/event-playback draft/multiline\r\n"
	    "CAP END\r\n"
	    "NICK %s\r\n"
	    "USER r 0 * :resident\r\n"
	    "JOIN #net,#a,#f,#m,#x,#fz\r\n"
	    "METADATA * SUB avatar status display-name\r\n"
	    "MONITOR + bob,carol,dave,eve,f1,f2,f3,f4\r\n";
	static unsigned generation;
	char nick[32], text[sizeof(hello) + 32], done[64], out[16384];
	int sv[2];
	size_t used = 0;
	double deadline = seconds() + 10.0;

	/*
	 * A new nick each time: an input may hold the old one.  And no bans: an
	 * input may have K- or D-lined everyone (a linked server or an operator
	 * may), which must not keep the next input's resident out.
	 */
	xline_clear();
	if (generation == 0)
		str_copy(nick, "resident", sizeof(nick));
	else
		snprintf(nick, sizeof(nick), "resident%u", generation);
	generation++;
	snprintf(text, sizeof(text), hello, nick);
	snprintf(done, sizeof(done), " 366 %s #fz ", nick);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0 ||
	    conn_new(sv[0], "127.0.0.1", &plain_opts, CONN_KIND_CLIENT) == NULL)
		abort();
	out[0] = '\0';
	feed(sv[1], text, strlen(text), out, sizeof(out), &used);
	while (strstr(out, done) == NULL) {
		if (seconds() > deadline) {
			fprintf(stderr, "world: the resident user could not join:\n%s\n", out);
			abort();
		}
		reactor_run_nowait();
		drain(sv[1], out, sizeof(out), &used);
	}
	resident = sv[1];
}

/* The folder goes with the process (libFuzzer exits through exit()). */
static void
remove_dir(void)
{
	static const char *const files[] = {"ircd.conf", "evircd.db", "evircd.db-wal",
	                                    "evircd.db-shm"};
	char p[192];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

void
world_init(void)
{
	char err[300], db[128];

	if (started)
		return;
	started = 1;
	snprintf(dir, sizeof(dir), "/tmp/evircd-fuzz-%ld", (long)getpid());
	/* No chdir: libFuzzer reads corpus paths relative to where it started. */
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		perror(dir);
		abort();
	}
	atexit(remove_dir);
	snprintf(conf_path, sizeof(conf_path), "%s/ircd.conf", dir);
	snprintf(db, sizeof(db), "%s/evircd.db", dir);
	unlink(db);
	write_config("yes");
	if (irc_strhash_seed() != 0) /* before any name table is filled */
		abort();
	if ((conf = config_load(conf_path)) == NULL)
		abort();
	log_set_level(conf->log.level);
	if (log_open(conf->log.file, conf->log.syslog) != 0)
		abort();
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
		abort();
	xline_load();
	if (history_open(conf) != 0)
		abort();
	isupport_load();
	if (cloak_configure(conf) != 0)
		abort();
	session_init();
	link_init();
	worker_start();
	authlimit_configure();
	make_account();
	add_resident();
	/* A REGISTER per input would keep a core hashing passwords. */
	write_config("no");
	if (ircd_rehash(err, sizeof(err)) != 0) {
		fprintf(stderr, "world: rehash: %s\n", err);
		abort();
	}
}
