/*
 * evload -- IRC load generator for evircd (and the peers it is compared with).
 *
 * One program, one scenario per run:
 *   connection_stress   many idle clients: registrations/s, server RSS per client
 *   message_throughput  1:1 PRIVMSG between pairs: msgs/s and latency
 *   channel_load        channel fan-out: deliveries/s and latency
 *   join_storm          JOIN into / NAMES of a big channel: time to 366
 *   mixed_workload      a paced mix of everyday commands, connection churn included
 *   memory_leak         mixed_workload while sampling the server's RSS: slope KB/min
 *   fairness            quiet clients' PING round trips without and with one flooder
 *
 * With --tls every client speaks TLS (OpenSSL, handshake driven by the event
 * loop; --tls-resume 1 offers each client's last TLS 1.3 session ticket when it
 * connects again); connection_stress --reconnect 1 is the reconnect storm.
 *
 * With --caps, a fraction of the clients (--caps-fraction) negotiate IRCv3
 * capabilities (CAP LS 302 / REQ / END) before registering; lines that start
 * with a tag section are classified after it.
 *
 * Every client speaks real IRC: NICK/USER, waits for 001 and for the end of the
 * MOTD (376 or 422), answers PING, and every disconnect is counted with the
 * reason of the ERROR line that preceded it (or flagged as unexplained).
 * See README.md for the options, the output keys and the exact definitions.
 *
 * Only loopback targets are accepted (127.0.0.0/8, ::1). Every run is bounded:
 * phase timers, a global deadline and alarm() as a last resort.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define RBUF_SIZE 65536   /* one read() takes up to this much */
#define CARRY_MAX 10240   /* a partial line kept between reads (tags: up to 8191 + 512) */
#define TS_SLOTS 32       /* timestamps stamped at write time, per client */
#define OBUF_MAX (8u << 20)
#define MAX_CHANS_PER_CLIENT 8
/* Timed text: "L<16 hex ts> <6 hex sender id> <8 hex sequence> <padding>";
 * offsets below are counted from just after the "L". */
#define P_SEQ 24
#define P_PAD 33
#define PAYLOAD_MIN (1 + P_PAD + 1) /* at least one padding byte: no trailing space */

/* ------------------------------------------------------------------ utils */

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("evload: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);
	if (!p)
		die("out of memory");
	return p;
}

static const char HEX[] = "0123456789abcdef";
static signed char unhex[256];

static inline void put_hex(char *p, uint64_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--) {
		p[i] = HEX[v & 15];
		v >>= 4;
	}
}

static inline int get_hex(const char *p, int digits, uint64_t *out)
{
	uint64_t v = 0;
	for (int i = 0; i < digits; i++) {
		int d = unhex[(unsigned char)p[i]];
		if (d < 0)
			return 0;
		v = (v << 4) | (uint64_t)d;
	}
	*out = v;
	return 1;
}

static void base36(char *p, uint64_t v, int digits)
{
	static const char B36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	for (int i = digits - 1; i >= 0; i--) {
		p[i] = B36[v % 36];
		v /= 36;
	}
}

static uint64_t rng_state = 88172645463325252ull;
static inline uint64_t rng(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 2685821657736338717ull;
}
static inline uint32_t rng_below(uint32_t n) { return n ? (uint32_t)((rng() >> 32) % n) : 0; }

/* ---------------------------------------------------------------- options */

static struct opts {
	const char *scenario;
	const char *host;
	int port, port2;
	double split;
	double duration, warmup;
	int pid;
	int clients, pairs, inflight, channels, upc, senders, members, iterations;
	int size, sample, pending, per_worker, joins;
	double rate, delivery_rate, drain, reg_timeout, setup_timeout, pace_us;
	double rss_interval, max_slope, gap_ms;
	int quickack;
	const char *source, *ack;
	const char *caps, *flood;
	double caps_fraction;
	int flood_window;
	int tls, tls_resume, reconnect;
	double reconnect_gap;
	int inflight_set, duration_set, caps_fraction_set;
} O = {
	.host = "127.0.0.1", .port = 6667, .duration = 10, .warmup = 2,
	.clients = 0, .pairs = 100, .inflight = 16, .channels = 1, .upc = 1000,
	.senders = 1, .members = 1000, .iterations = 50, .size = 40, .sample = 16,
	.pending = 8, .joins = 3, .drain = 2, .reg_timeout = 30, .setup_timeout = 120,
	.pace_us = 25, .rss_interval = 1, .max_slope = -1, .gap_ms = 2,
	.caps_fraction = 1, .flood = "self", .flood_window = 65536,
	.reconnect_gap = 1,
};

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
	fputs(
	    "usage: evload SCENARIO [options]\n"
	    "scenarios:\n"
	    "  connection_stress  --clients N [--rate R] [--pid PID] [--per-worker M] [--source 127.0.0.2]\n"
	    "                     [--reconnect 1 [--reconnect-gap S]]   (the reconnect storm)\n"
	    "  message_throughput --pairs P [--inflight K | --rate R]\n"
	    "  channel_load       --channels C --users-per-channel U --senders K [--inflight F | --rate R | --delivery-rate D]\n"
	    "  join_storm         --members N --iterations I\n"
	    "  mixed_workload     [--clients N] [--channels C] [--joins J] [--rate OPS]\n"
	    "  memory_leak        --pid PID [mixed_workload options] [--rss-interval S] [--max-slope KB/min]\n"
	    "  fairness           [--clients N] [--rate PINGS/s] [--flood self|ping] [--flood-window LINES]\n"
	    "  (traffic) --ack all|first   what acknowledges a message in the closed loop\n"
	    "  (join_storm) --gap-ms MS    pause between iterations\n"
	    "common: --host 127.0.0.1 --port 6667 --duration S --warmup S --pid PID --size BYTES\n"
	    "        --port2 P --split F   (channel_load) a fraction F of the members on a linked server\n"
	    "        --sample N --pending N --drain S --reg-timeout S --setup-timeout S --pace-us US\n"
	    "        --quickack 0|1 --caps CAP1,CAP2 --caps-fraction F --tls 0|1 --tls-resume 0|1\n"
	    "See tests-load/README.md.\n",
	    stderr);
	exit(2);
}

static void parse_opts(int argc, char **argv)
{
	struct {
		const char *name;
		char type; /* i int, d double, s string */
		void *p;
		int *set;
	} tab[] = {
		{"--host", 's', &O.host, NULL},
		{"--port", 'i', &O.port, NULL},
		{"--port2", 'i', &O.port2, NULL},
		{"--split", 'd', &O.split, NULL},
		{"--duration", 'd', &O.duration, &O.duration_set},
		{"--warmup", 'd', &O.warmup, NULL},
		{"--pid", 'i', &O.pid, NULL},
		{"--clients", 'i', &O.clients, NULL},
		{"--rate", 'd', &O.rate, NULL},
		{"--delivery-rate", 'd', &O.delivery_rate, NULL},
		{"--pairs", 'i', &O.pairs, NULL},
		{"--inflight", 'i', &O.inflight, &O.inflight_set},
		{"--channels", 'i', &O.channels, NULL},
		{"--users-per-channel", 'i', &O.upc, NULL},
		{"--senders", 'i', &O.senders, NULL},
		{"--members", 'i', &O.members, NULL},
		{"--iterations", 'i', &O.iterations, NULL},
		{"--size", 'i', &O.size, NULL},
		{"--sample", 'i', &O.sample, NULL},
		{"--pending", 'i', &O.pending, NULL},
		{"--per-worker", 'i', &O.per_worker, NULL},
		{"--joins", 'i', &O.joins, NULL},
		{"--drain", 'd', &O.drain, NULL},
		{"--reg-timeout", 'd', &O.reg_timeout, NULL},
		{"--setup-timeout", 'd', &O.setup_timeout, NULL},
		{"--pace-us", 'd', &O.pace_us, NULL},
		{"--rss-interval", 'd', &O.rss_interval, NULL},
		{"--max-slope", 'd', &O.max_slope, NULL},
		{"--gap-ms", 'd', &O.gap_ms, NULL},
		{"--source", 's', &O.source, NULL},
		{"--quickack", 'i', &O.quickack, NULL},
		{"--ack", 's', &O.ack, NULL},
		{"--caps", 's', &O.caps, NULL},
		{"--caps-fraction", 'd', &O.caps_fraction, &O.caps_fraction_set},
		{"--flood", 's', &O.flood, NULL},
		{"--flood-window", 'i', &O.flood_window, NULL},
		{"--tls", 'i', &O.tls, NULL},
		{"--tls-resume", 'i', &O.tls_resume, NULL},
		{"--reconnect", 'i', &O.reconnect, NULL},
		{"--reconnect-gap", 'd', &O.reconnect_gap, NULL},
	};
	if (argc < 2 || argv[1][0] == '-')
		usage();
	O.scenario = argv[1];
	for (int i = 2; i < argc; i++) {
		size_t k;
		for (k = 0; k < sizeof tab / sizeof tab[0]; k++)
			if (!strcmp(argv[i], tab[k].name))
				break;
		if (k == sizeof tab / sizeof tab[0] || i + 1 >= argc) {
			fprintf(stderr, "evload: unknown or incomplete option '%s'\n", argv[i]);
			usage();
		}
		const char *v = argv[++i];
		char *e = NULL;
		if (tab[k].type == 's') {
			*(const char **)tab[k].p = v;
		} else if (tab[k].type == 'i') {
			long x = strtol(v, &e, 10);
			if (*e || x < 0 || x > INT32_MAX)
				die("bad value for %s: %s", tab[k].name, v);
			*(int *)tab[k].p = (int)x;
		} else {
			double x = strtod(v, &e);
			if (*e || x < 0 || !isfinite(x))
				die("bad value for %s: %s", tab[k].name, v);
			*(double *)tab[k].p = x;
		}
		if (tab[k].set)
			*tab[k].set = 1;
	}
	if (O.port <= 0 || O.port > 65535)
		die("bad --port");
	if (O.size < PAYLOAD_MIN)
		O.size = PAYLOAD_MIN;
	if (O.size > 400)
		O.size = 400;
	if (O.sample < 1)
		O.sample = 1;
	if (O.pending < 1)
		O.pending = 1;
	if (O.duration > 86400 || O.warmup > 3600)
		die("--duration/--warmup too large");
	if (O.ack && strcmp(O.ack, "first") && strcmp(O.ack, "all"))
		die("--ack is 'first' or 'all'");
	if (O.caps_fraction > 1)
		die("--caps-fraction is in 0..1");
	if (O.caps_fraction_set && !O.caps)
		die("--caps-fraction needs --caps");
	if (strcmp(O.flood, "self") && strcmp(O.flood, "ping"))
		die("--flood is 'self' or 'ping'");
	if (O.flood_window < 1)
		O.flood_window = 1;
	if (O.tls_resume && !O.tls)
		die("--tls-resume needs --tls 1");
}

/* -------------------------------------------------------------- histogram */

/* Log-linear buckets: 64 per power of two (1.6% resolution), ns up to ~19 h. */
#define H_SUB 64
#define H_BUCKETS (H_SUB * 42)

typedef struct {
	uint64_t b[H_BUCKETS];
	uint64_t n, max;
} hist_t;

static inline unsigned h_index(uint64_t v)
{
	if (v < H_SUB)
		return (unsigned)v;
	unsigned m = 63u - (unsigned)__builtin_clzll(v);
	unsigned shift = m - 6;
	unsigned idx = shift * H_SUB + (unsigned)(v >> shift);
	return idx < H_BUCKETS ? idx : H_BUCKETS - 1;
}

static uint64_t h_value(unsigned idx)
{
	if (idx < 2 * H_SUB)
		return idx;
	unsigned shift = idx / H_SUB - 1;
	uint64_t top = idx - (uint64_t)shift * H_SUB;
	return (top << shift) + ((1ull << shift) >> 1); /* bucket midpoint */
}

static inline void h_add(hist_t *h, uint64_t v)
{
	h->b[h_index(v)]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

static uint64_t h_pct(const hist_t *h, double p)
{
	if (!h->n)
		return 0;
	uint64_t want = (uint64_t)ceil(p * (double)h->n);
	if (want < 1)
		want = 1;
	uint64_t acc = 0;
	for (unsigned i = 0; i < H_BUCKETS; i++) {
		acc += h->b[i];
		if (acc >= want) {
			uint64_t v = h_value(i);
			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

/* --------------------------------------------------------- /proc, cpu use */

static long proc_rss_kb(int pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long kb = -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6)) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/* utime+stime of a process, in ns; -1 if unreadable */
static int64_t proc_cpu_ns(int pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* after ") ": field 3 is state; utime and stime are fields 14 and 15 */
	p += 2;
	unsigned long long ut = 0, st = 0;
	for (int field = 3; field < 14 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || sscanf(p, "%llu %llu", &ut, &st) != 2)
		return -1;
	long hz = sysconf(_SC_CLK_TCK);
	return (int64_t)((ut + st) * (1000000000ull / (unsigned long long)(hz > 0 ? hz : 100)));
}

static int64_t self_cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ll +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ll;
}

/* CPU time of every other process (utime+stime, plus that of its reaped
 * children, so that short-lived jobs such as compilers are counted through
 * their parent), in ns; the generator itself, its children and the server
 * are left out. Kernel threads (ksoftirqd included) count as others. */
static int64_t others_cpu_ns(void)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	long hz = sysconf(_SC_CLK_TCK);
	pid_t self = getpid();
	unsigned long long sum = 0;
	struct dirent *e;
	char path[64], buf[1024];
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		int pid = atoi(e->d_name);
		if (pid == self || (O.pid && pid == O.pid))
			continue;
		snprintf(path, sizeof path, "/proc/%d/stat", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		char *p = strrchr(buf, ')');
		int ppid;
		unsigned long long ut, st, cut, cst;
		/* fields after ")": 3 state, 4 ppid, ... 14 utime 15 stime 16 cutime 17 cstime */
		if (!p || sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu", &ppid, &ut,
				 &st, &cut, &cst) != 5)
			continue;
		if (ppid == self)
			continue;
		sum += ut + st + cut + cst;
	}
	closedir(d);
	return (int64_t)(sum * (1000000000ull / (unsigned long long)(hz > 0 ? hz : 100)));
}

typedef struct {
	uint64_t wall;
	int64_t self, srv, others;
	long rss;
} cpu_snap_t;

static void cpu_snap(cpu_snap_t *s)
{
	s->wall = now_ns();
	s->self = self_cpu_ns();
	s->srv = O.pid ? proc_cpu_ns(O.pid) : -1;
	s->rss = O.pid ? proc_rss_kb(O.pid) : -1;
	s->others = others_cpu_ns();
}

/* --------------------------------------------------- disconnect reasons */

#define MAX_REASONS 48
static struct reason {
	char text[112];
	uint64_t count;
	int explained;
} reasons[MAX_REASONS];
static int nreasons;

static int reason_intern(const char *txt, size_t n, int explained)
{
	if (n > sizeof reasons[0].text - 1)
		n = sizeof reasons[0].text - 1;
	for (int i = 0; i < nreasons; i++)
		if (reasons[i].explained == explained && strlen(reasons[i].text) == n &&
		    !memcmp(reasons[i].text, txt, n))
			return i;
	if (nreasons >= MAX_REASONS - 2) { /* keep two catch-alls */
		txt = explained ? "(other ERROR reasons)" : "(other unexplained reasons)";
		n = strlen(txt);
		for (int i = MAX_REASONS - 2; i < nreasons; i++)
			if (reasons[i].explained == explained)
				return i;
	}
	struct reason *r = &reasons[nreasons];
	memcpy(r->text, txt, n);
	r->text[n] = 0;
	r->explained = explained;
	return nreasons++;
}

/* ---------------------------------------------------------------- clients */

enum { CS_IDLE, CS_CONNECTING, CS_TLS, CS_REGISTERING, CS_REGISTERED, CS_READY, CS_CLOSED };
enum { ROLE_PLAIN, ROLE_SENDER };
enum { CLOSED_EXPECTED, CLOSED_EXPLAINED, CLOSED_UNEXPLAINED };

typedef struct client client_t;
struct client {
	ev_io io; /* must stay first */
	int fd;
	uint32_t idx;
	uint32_t gen; /* bumped at each (re)connect */
	uint8_t state, dirty, want_write, quitting, got_error, in_pending, nick_tries, role;
	uint8_t write_dead, nicklen, reconnecting, away;
	uint8_t alt; /* connects to --port2 (a second, linked server) */
	int8_t prio;
	uint16_t err_reason;
	uint16_t carry_len, n_ts;
	char *carry;
	SSL *ssl;          /* --tls: the connection's TLS state */
	SSL_SESSION *sess; /* --tls-resume: the last session ticket the server gave */
	char *obuf;
	uint32_t olen, ooff, ocap;
	uint32_t ts_off[TS_SLOTS];
	client_t *next_dirty;
	uint64_t t_start, t_reg, t_ready;
	char nick[16];
	/* scenario state */
	int32_t group;
	uint32_t sid;
	uint32_t seq_next, seq_acked; /* sender: next sequence number, first unacknowledged */
	uint32_t *ring;               /* sender, --ack all: receipts per outstanding message */
	char *tmpl;
	uint16_t tmpl_len, tmpl_ts;
	uint64_t t_op;
	uint32_t count;
	int16_t chans[MAX_CHANS_PER_CLIENT];
	uint8_t nchans;
	/* IRCv3 (--caps): negotiates at all; 1 waiting for LS, 2 for ACK/NAK */
	uint8_t capable, cap_wait;
	uint16_t cap_offer, cap_ack; /* bits of the --caps list */
};

typedef struct {
	void (*ready)(client_t *c);
	void (*privmsg)(client_t *c, char *args, char *end);
	void (*numeric)(client_t *c, int code, char *args, char *end);
	void (*other)(client_t *c, const char *src, size_t srclen, char *cmd, char *end);
	void (*closed)(client_t *c, int kind, int was_ready);
	void (*after_read)(client_t *c);
} hooks_t;

static hooks_t H;

/* --caps: the capabilities asked for, and what came of it */
#define MAX_CAPS 16
static struct {
	int n;
	const char *name[MAX_CAPS];
	size_t len[MAX_CAPS];
	uint16_t all;
	uint64_t capable, acked_all, acked_some, naks, none_offered, no_reply;
	uint64_t tagged_lines, tagged_privmsg, privmsg_in, tags_to_plain;
} CAPS;

static void caps_parse(void)
{
	if (!O.caps)
		return;
	char *list = strdup(O.caps), *save = NULL;
	if (!list)
		die("out of memory");
	for (char *t = strtok_r(list, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		if (CAPS.n == MAX_CAPS)
			die("--caps: at most %d capabilities", MAX_CAPS);
		CAPS.name[CAPS.n] = t;
		CAPS.len[CAPS.n] = strlen(t);
		CAPS.all |= (uint16_t)(1u << CAPS.n);
		CAPS.n++;
	}
	if (!CAPS.n)
		die("--caps: empty list");
}

/* Bits of the --caps names found in a CAP list ("a b=c d"). */
static uint16_t caps_match(const char *p, const char *end)
{
	uint16_t bits = 0;
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		const char *t = p;
		while (p < end && *p != ' ')
			p++;
		const char *te = memchr(t, '=', (size_t)(p - t));
		size_t n = (size_t)((te ? te : p) - t);
		for (int i = 0; i < CAPS.n; i++)
			if (n == CAPS.len[i] && !memcmp(t, CAPS.name[i], n))
				bits |= (uint16_t)(1u << i);
	}
	return bits;
}

static struct {
	struct ev_loop *loop;
	client_t *cl;
	uint32_t ncl;
	client_t *dirty;
	char *rbuf;
	uint64_t read_ns; /* clock at the most recent read(): receipt time of its lines */
	char tag[3];
	char letter;
	struct sockaddr_storage dst, dst2, src;
	socklen_t dstlen, srclen;
	int have_src;
	uint64_t bytes_in, bytes_out, lines_in, reads, writes;
	uint64_t registered, ready, setup_failed;
	uint64_t disc_explained, disc_unexplained, quits, nick_retries, overlong;
	uint64_t tls_handshakes, tls_resumed, tls_offered;
	SSL_CTX *tls_ctx;
	hist_t lat, lat_ack, reg_lat;
	int lat_on;
	uint32_t sample_cd;
	int failed;
	char fail_msg[512];
	uint64_t t_setup0, t_setup1;
	ev_prepare prep;
	ev_timer deadline, regcheck;
} G;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	size_t l = strlen(G.fail_msg);
	if (l && l < sizeof G.fail_msg - 3) {
		strcpy(G.fail_msg + l, "; ");
		l += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(G.fail_msg + l, sizeof G.fail_msg - l, fmt, ap);
	va_end(ap);
	G.failed = 1;
}

static void make_nick(client_t *c, char letter, uint64_t n)
{
	c->nick[0] = letter;
	c->nick[1] = G.tag[0];
	c->nick[2] = G.tag[1];
	base36(c->nick + 3, n, 6);
	c->nick[9] = 0;
	c->nicklen = 9;
}

static void cl_set_events(client_t *c, int ev)
{
	ev_io_stop(G.loop, &c->io);
	ev_io_set(&c->io, c->fd, ev);
	ev_io_start(G.loop, &c->io);
}

static inline void cl_mark_dirty(client_t *c)
{
	if (!c->dirty) {
		c->dirty = 1;
		c->next_dirty = G.dirty;
		G.dirty = c;
	}
}

static void cl_close(client_t *c, const char *why);
static void check_setup_done(void);

/* Room for n more output bytes; NULL if the client is gone or overflowed. */
static char *cl_reserve(client_t *c, size_t n)
{
	if (c->state == CS_CLOSED || c->state == CS_IDLE || c->write_dead)
		return NULL;
	if (c->olen + n > c->ocap) {
		if (c->ooff) {
			memmove(c->obuf, c->obuf + c->ooff, c->olen - c->ooff);
			for (unsigned i = 0; i < c->n_ts; i++)
				c->ts_off[i] -= c->ooff;
			c->olen -= c->ooff;
			c->ooff = 0;
		}
		if (c->olen + n > c->ocap) {
			size_t cap = c->ocap ? c->ocap : 2048;
			while (cap < c->olen + n)
				cap *= 2;
			if (cap > OBUF_MAX) {
				cl_close(c, "generator output buffer overflow (server not reading)");
				return NULL;
			}
			char *p = realloc(c->obuf, cap);
			if (!p)
				die("out of memory");
			c->obuf = p;
			c->ocap = (uint32_t)cap;
		}
	}
	return c->obuf + c->olen;
}

static void cl_send(client_t *c, const char *s, size_t n)
{
	char *p = cl_reserve(c, n);
	if (!p)
		return;
	memcpy(p, s, n);
	c->olen += (uint32_t)n;
	cl_mark_dirty(c);
}

static void cl_sendf(client_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cl_sendf(client_t *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		cl_send(c, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* Fill the text after "L": ts placeholder, sender id, sequence, padding, CRLF
 * (O.size - 1 + 2 bytes). */
static void payload_fill(char *q, uint32_t sid, uint32_t seq)
{
	memset(q, '0', 16);
	q[16] = ' ';
	put_hex(q + 17, sid, 6);
	q[23] = ' ';
	put_hex(q + P_SEQ, seq, 8);
	q[P_SEQ + 8] = ' ';
	for (int i = P_PAD; i < O.size - 1; i++)
		q[i] = (char)('a' + i % 26);
	q[O.size - 1] = '\r';
	q[O.size] = '\n';
}

/* The timed text of "target :L...", just after the "L"; NULL if not ours. */
static inline char *payload_text(char *args, char *end)
{
	char *q = memchr(args, ' ', (size_t)(end - args));
	if (!q || end - q < 3 + P_SEQ + 8 || q[1] != ':' || q[2] != 'L')
		return NULL;
	return q + 3;
}

/* Append "CMD target :L<ts> <sid> <seq> pad\r\n"; the ts is stamped when written. */
static void cl_send_payload(client_t *c, const char *cmd, const char *target, uint32_t sid)
{
	char head[96];
	int hl = snprintf(head, sizeof head, "%s %s :L", cmd, target);
	if (hl <= 0 || hl >= (int)sizeof head)
		return;
	size_t n = (size_t)hl + (size_t)O.size - 1 + 2;
	char *p = cl_reserve(c, n);
	if (!p)
		return;
	memcpy(p, head, (size_t)hl);
	char *q = p + hl;
	payload_fill(q, sid, 0);
	if (c->n_ts < TS_SLOTS)
		c->ts_off[c->n_ts++] = (uint32_t)(q - c->obuf);
	else
		put_hex(q, now_ns(), 16);
	c->olen += (uint32_t)n;
	cl_mark_dirty(c);
}

/* The timestamp of "target :L<ts16> ...". */
static inline int parse_ts(char *args, char *end, uint64_t *ts)
{
	char *q = payload_text(args, end);
	return q && get_hex(q, 16, ts);
}

static inline void lat_record(hist_t *h, uint64_t ts)
{
	if (G.lat_on && G.read_ns >= ts)
		h_add(h, G.read_ns - ts);
}

/* SSL_write_ex of up to len bytes (record by record: partial writes are on);
 * -1 with errno EAGAIN when nothing could be written now, EPIPE when the
 * connection is broken. */
static ssize_t tls_write(client_t *c, const char *p, size_t len)
{
	size_t done = 0;
	while (done < len) {
		size_t w = 0;
		ERR_clear_error();
		if (SSL_write_ex(c->ssl, p + done, len - done, &w) > 0) {
			done += w;
			continue;
		}
		int e = SSL_get_error(c->ssl, 0);
		if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
			break;
		if (!done) {
			errno = EPIPE;
			return -1;
		}
		break;
	}
	if (!done) {
		errno = EAGAIN;
		return -1;
	}
	return (ssize_t)done;
}

static void cl_flush(client_t *c)
{
	if (c->state == CS_CLOSED || c->state == CS_IDLE || c->state == CS_CONNECTING || c->state == CS_TLS)
		return;
	uint32_t len = c->olen - c->ooff;
	if (len && !c->write_dead) {
		if (c->n_ts) {
			uint64_t t = now_ns();
			for (unsigned i = 0; i < c->n_ts; i++)
				put_hex(c->obuf + c->ts_off[i], t, 16);
			c->n_ts = 0;
		}
		ssize_t w = c->ssl ? tls_write(c, c->obuf + c->ooff, len) : write(c->fd, c->obuf + c->ooff, len);
		if (w < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				/* the read side will tell why (ERROR, EOF or reset) */
				c->write_dead = 1;
				c->olen = c->ooff = 0;
			}
			w = 0;
		}
		G.writes++;
		G.bytes_out += (uint64_t)w;
		c->ooff += (uint32_t)w;
		if (c->ooff == c->olen)
			c->ooff = c->olen = 0;
	}
	uint8_t ww = c->olen != c->ooff;
	if (ww != c->want_write) {
		c->want_write = ww;
		cl_set_events(c, EV_READ | (ww ? EV_WRITE : 0));
	}
}

static void flush_all(void)
{
	while (G.dirty) {
		client_t *c = G.dirty;
		G.dirty = c->next_dirty;
		c->dirty = 0;
		cl_flush(c);
	}
}

/* ---- launcher: connection attempts, bounded in flight, optionally paced */

typedef struct pacer {
	ev_io io;
	int fd;
	int active;
	double rate;
	uint64_t t0, issued, min_gap, max_burst;
	void (*fire)(uint64_t n);
} pacer_t;

static struct {
	uint32_t *q;
	uint32_t head, tail, cap;
	uint32_t pending, max_pending;
	uint64_t tokens;
	int paced;
	pacer_t pacer;
} L;

static void cl_start(client_t *c);

static void launch_push(client_t *c)
{
	L.q[L.tail++ % L.cap] = c->idx;
}

static void launch_kick(void)
{
	while (L.head != L.tail && L.pending < L.max_pending && (!L.paced || L.tokens)) {
		client_t *c = &G.cl[L.q[L.head++ % L.cap]];
		if (L.paced)
			L.tokens--;
		L.pending++;
		c->in_pending = 1;
		cl_start(c);
	}
}

static void release_pending(client_t *c)
{
	if (c->in_pending) {
		c->in_pending = 0;
		L.pending--;
	}
}

/* Drop the TLS state without a close_notify; marked as shut down so that
 * OpenSSL keeps the session resumable. */
static void tls_free(client_t *c)
{
	if (!c->ssl)
		return;
	SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(c->ssl);
	c->ssl = NULL;
}

static void cl_close(client_t *c, const char *why)
{
	if (c->state == CS_CLOSED || c->state == CS_IDLE)
		return;
	int was_ready = c->state == CS_READY;
	if (c->fd >= 0) {
		ev_io_stop(G.loop, &c->io);
		close(c->fd);
		c->fd = -1;
	}
	tls_free(c);
	release_pending(c);
	c->state = CS_CLOSED;
	c->olen = c->ooff = 0;
	c->n_ts = 0;
	c->carry_len = 0;
	int kind;
	if (c->quitting) {
		G.quits++;
		kind = CLOSED_EXPECTED;
	} else if (c->got_error) {
		reasons[c->err_reason].count++;
		G.disc_explained++;
		kind = CLOSED_EXPLAINED;
	} else {
		if (!why)
			why = "closed without ERROR";
		reasons[reason_intern(why, strlen(why), 0)].count++;
		G.disc_unexplained++;
		kind = CLOSED_UNEXPLAINED;
	}
	if (H.closed)
		H.closed(c, kind, was_ready);
}

static void cl_connected(client_t *c);

/* The TCP connection is up: start the TLS handshake (the loop drives it). */
static void tls_begin(client_t *c)
{
	c->state = CS_TLS;
	c->ssl = SSL_new(G.tls_ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, c->fd))
		die("SSL_new/SSL_set_fd failed");
	SSL_set_app_data(c->ssl, c);
	if (O.tls_resume && c->sess) {
		SSL_set_session(c->ssl, c->sess);
		G.tls_offered++;
	}
	SSL_set_connect_state(c->ssl);
}

/* One step of the handshake; registers the client once it is done. */
static void tls_step(client_t *c)
{
	ERR_clear_error();
	int r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		G.tls_handshakes++;
		if (SSL_session_reused(c->ssl))
			G.tls_resumed++;
		cl_set_events(c, EV_READ);
		cl_connected(c);
		return;
	}
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ) {
		cl_set_events(c, EV_READ);
		return;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		cl_set_events(c, EV_WRITE);
		return;
	}
	char why[160];
	unsigned long err = ERR_get_error();
	if (err) {
		char eb[120];
		ERR_error_string_n(err, eb, sizeof eb);
		snprintf(why, sizeof why, "TLS handshake failed: %s", eb);
	} else if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN) {
		snprintf(why, sizeof why, "TLS handshake failed: %s", errno ? strerror(errno) : "connection closed");
	} else {
		snprintf(why, sizeof why, "TLS handshake failed: SSL error %d", e);
	}
	cl_close(c, why);
}

/* --tls-resume: keep the newest ticket the server sends (TLS 1.3 sends them
 * after the handshake; the client reads them with its first lines). */
static int tls_new_session(SSL *ssl, SSL_SESSION *sess)
{
	client_t *c = SSL_get_app_data(ssl);
	if (!c || !O.tls_resume)
		return 0;
	if (c->sess)
		SSL_SESSION_free(c->sess);
	c->sess = sess;
	return 1; /* we keep the reference */
}

static void tls_init(void)
{
	if (!O.tls)
		return;
	G.tls_ctx = SSL_CTX_new(TLS_client_method());
	if (!G.tls_ctx)
		die("SSL_CTX_new failed");
	SSL_CTX_set_verify(G.tls_ctx, SSL_VERIFY_NONE, NULL); /* loopback test servers, self-signed */
	SSL_CTX_set_min_proto_version(G.tls_ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(G.tls_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_read_ahead(G.tls_ctx, 1);
	if (O.tls_resume) {
		SSL_CTX_set_session_cache_mode(G.tls_ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(G.tls_ctx, tls_new_session);
	} else {
		SSL_CTX_set_session_cache_mode(G.tls_ctx, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_options(G.tls_ctx, SSL_OP_NO_TICKET);
	}
}

static void cl_connected(client_t *c)
{
	if (O.tls && !c->ssl) {
		tls_begin(c);
		tls_step(c);
		return;
	}
	c->state = CS_REGISTERING;
	if (c->capable) {
		/* a server without CAP ignores it or answers 421 and registers us anyway */
		c->cap_wait = 1;
		cl_send(c, "CAP LS 302\r\n", 12);
	}
	cl_sendf(c, "NICK %s\r\nUSER %s 0 * :evload %s\r\n", c->nick, c->nick, O.scenario);
}

static void io_cb(EV_P_ ev_io *w, int revents);

static void cl_start(client_t *c)
{
	c->gen++;
	c->state = CS_CONNECTING;
	c->quitting = c->got_error = c->write_dead = c->want_write = 0;
	c->nick_tries = 0;
	c->cap_wait = 0;
	c->cap_offer = c->cap_ack = 0;
	c->carry_len = 0;
	c->olen = c->ooff = 0;
	c->n_ts = 0;
	c->t_start = now_ns();
	tls_free(c);
	int fd = socket(G.dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		char why[96];
		snprintf(why, sizeof why, "socket(): %s", strerror(errno));
		c->fd = -1;
		cl_close(c, why);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (G.have_src) {
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&G.src, G.srclen) < 0) {
			char why[96];
			snprintf(why, sizeof why, "bind(source): %s", strerror(errno));
			close(fd);
			c->fd = -1;
			cl_close(c, why);
			return;
		}
	}
	c->fd = fd;
	int r = connect(fd, (struct sockaddr *)(c->alt ? &G.dst2 : &G.dst), G.dstlen);
	if (r < 0 && errno != EINPROGRESS) {
		char why[96];
		snprintf(why, sizeof why, "connect(): %s", strerror(errno));
		cl_close(c, why);
		return;
	}
	ev_io_init(&c->io, io_cb, fd, r == 0 ? EV_READ : EV_WRITE);
	ev_set_priority(&c->io, c->prio);
	ev_io_start(G.loop, &c->io);
	if (r == 0)
		cl_connected(c);
}

/* ------------------------------------------------------ line dispatching */

static void on_error_line(client_t *c, char *p, char *end)
{
	if (p < end && *p == ':')
		p++;
	/* "Closing Link: nick[host] (Excess Flood)": keep what is in the last
	 * parentheses, so that reasons group across clients */
	char *open = NULL;
	if (end > p && end[-1] == ')')
		for (char *q = end - 1; q >= p; q--)
			if (*q == '(') {
				open = q;
				break;
			}
	char buf[128];
	int n;
	if (open)
		n = snprintf(buf, sizeof buf, "ERROR (%.*s)", (int)(end - open - 2), open + 1);
	else
		n = snprintf(buf, sizeof buf, "ERROR %.*s", (int)(end - p), p);
	if (n < 0)
		return;
	if (!c->quitting) {
		c->got_error = 1;
		c->err_reason = (uint16_t)reason_intern(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1, 1);
	}
}

static void on_numeric(client_t *c, int code, char *args, char *end)
{
	switch (code) {
	case 1:
		if (c->cap_wait) { /* registered without finishing CAP: the server has none */
			c->cap_wait = 0;
			CAPS.no_reply++;
		}
		if (c->state < CS_REGISTERED) {
			c->state = CS_REGISTERED;
			c->t_reg = G.read_ns;
			G.registered++;
			h_add(&G.reg_lat, c->t_reg - c->t_start);
		}
		break;
	case 376:
	case 422:
		if (c->state == CS_REGISTERED) {
			c->state = CS_READY;
			c->t_ready = G.read_ns;
			G.ready++;
			release_pending(c);
			if (H.ready)
				H.ready(c);
			check_setup_done();
			return;
		}
		break;
	case 432:
	case 433:
	case 436:
	case 437:
		if (c->state < CS_REGISTERED && c->nick_tries < 5) {
			static const char alt[] = "_^`{}";
			c->nick[1] = alt[c->nick_tries++];
			G.nick_retries++;
			cl_sendf(c, "NICK %s\r\n", c->nick);
			return;
		}
		break;
	}
	if (H.numeric)
		H.numeric(c, code, args, end);
}

/* "CAP <nick> LS|ACK|NAK [*] :<list>", p just after "CAP ". */
static void on_cap(client_t *c, char *p, char *end)
{
	char *sp = memchr(p, ' ', (size_t)(end - p));
	if (!sp || !c->cap_wait)
		return;
	char *sub = sp + 1;
	sp = memchr(sub, ' ', (size_t)(end - sub));
	size_t sublen = (size_t)((sp ? sp : end) - sub);
	p = sp ? sp + 1 : end;
	int more = end - p >= 2 && p[0] == '*' && p[1] == ' ';
	if (more)
		p += 2;
	if (p < end && *p == ':')
		p++;
	if (sublen == 2 && !memcmp(sub, "LS", 2) && c->cap_wait == 1) {
		c->cap_offer |= caps_match(p, end);
		if (more)
			return;
		if (!c->cap_offer) {
			CAPS.none_offered++;
			c->cap_wait = 0;
			cl_send(c, "CAP END\r\n", 9);
			return;
		}
		char req[600];
		size_t n = 9;
		memcpy(req, "CAP REQ :", 9);
		for (int i = 0; i < CAPS.n; i++)
			if (c->cap_offer & (1u << i) && n + CAPS.len[i] + 3 < sizeof req) {
				if (n > 9)
					req[n++] = ' ';
				memcpy(req + n, CAPS.name[i], CAPS.len[i]);
				n += CAPS.len[i];
			}
		memcpy(req + n, "\r\n", 2);
		cl_send(c, req, n + 2);
		c->cap_wait = 2;
	} else if (sublen == 3 && c->cap_wait == 2 && (!memcmp(sub, "ACK", 3) || !memcmp(sub, "NAK", 3))) {
		if (sub[0] == 'A') {
			c->cap_ack |= caps_match(p, end);
			if (c->cap_ack == CAPS.all)
				CAPS.acked_all++;
			else
				CAPS.acked_some++;
		} else {
			CAPS.naks++;
		}
		c->cap_wait = 0;
		cl_send(c, "CAP END\r\n", 9);
	}
}

static void handle_line(client_t *c, char *s, char *end)
{
	const char *src = NULL;
	size_t srclen = 0;
	char *p = s;
	unsigned tagged = 0;
	G.lines_in++;
	if (*p == '@') { /* IRCv3 tags: skip the section, nothing is parsed in it */
		char *sp = memchr(p, ' ', (size_t)(end - p));
		if (!sp)
			return;
		p = sp + 1;
		tagged = 1;
		CAPS.tagged_lines++;
		if (!c->capable) /* (InspIRCd tags the ACK itself: count only clients that never asked) */
			CAPS.tags_to_plain++;
	}
	if (p < end && *p == ':') {
		char *sp = memchr(p, ' ', (size_t)(end - p));
		if (!sp)
			return;
		src = p + 1;
		srclen = (size_t)(sp - src);
		p = sp + 1;
	}
	size_t rem = (size_t)(end - p);
	if (rem > 8 && !memcmp(p, "PRIVMSG ", 8)) {
		CAPS.privmsg_in++;
		CAPS.tagged_privmsg += tagged;
		if (H.privmsg)
			H.privmsg(c, p + 8, end);
		return;
	}
	if (rem >= 4 && p[3] == ' ' && (unsigned)(p[0] - '0') < 10 && (unsigned)(p[1] - '0') < 10 &&
	    (unsigned)(p[2] - '0') < 10) {
		int code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		char *a = memchr(p + 4, ' ', (size_t)(end - p - 4)); /* skip our own nick */
		on_numeric(c, code, a ? a + 1 : end, end);
		return;
	}
	if (rem >= 4 && !memcmp(p, "PING", 4) && (rem == 4 || p[4] == ' ')) {
		char *r = cl_reserve(c, rem + 2);
		if (r) {
			memcpy(r, "PONG", 4);
			memcpy(r + 4, p + 4, rem - 4);
			r[rem] = '\r';
			r[rem + 1] = '\n';
			c->olen += (uint32_t)rem + 2;
			cl_mark_dirty(c);
		}
		return;
	}
	if (rem >= 5 && !memcmp(p, "ERROR", 5) && (rem == 5 || p[5] == ' ')) {
		on_error_line(c, p + (rem > 5 ? 6 : 5), end);
		return;
	}
	if (rem > 4 && !memcmp(p, "CAP ", 4)) {
		on_cap(c, p + 4, end);
		return;
	}
	if (H.other)
		H.other(c, src, srclen, p, end);
}

/* SSL_read_ex until the socket has nothing more or the buffer is full (read
 * ahead is on, so OpenSSL takes what the socket has in few read()s). Returns
 * bytes, 0 at EOF, -1 with errno EAGAIN or EPROTO. */
static ssize_t tls_read(client_t *c, char *buf, size_t cap)
{
	size_t got = 0;
	while (got + 512 < cap) {
		size_t n = 0;
		ERR_clear_error();
		errno = 0;
		if (SSL_read_ex(c->ssl, buf + got, cap - got, &n) > 0) {
			got += n;
			continue;
		}
		int e = SSL_get_error(c->ssl, 0);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			break;
		if (got) /* report the error at the next read */
			break;
		if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && !ERR_peek_error() && !errno))
			return 0;
		if (e != SSL_ERROR_SYSCALL || ERR_peek_error())
			errno = EPROTO;
		return -1;
	}
	if (!got) {
		errno = EAGAIN;
		return -1;
	}
	return (ssize_t)got;
}

static void cl_read(client_t *c)
{
	char *buf = G.rbuf;
	size_t have = c->carry_len;
	if (have)
		memcpy(buf, c->carry, have);
	ssize_t n = c->ssl ? tls_read(c, buf + have, RBUF_SIZE) : read(c->fd, buf + have, RBUF_SIZE);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		char why[96];
		if (n < 0 && errno == EPROTO)
			snprintf(why, sizeof why, "TLS error while reading");
		else if (n == 0)
			snprintf(why, sizeof why, "closed without ERROR%s",
				 c->state < CS_REGISTERED ? " (before 001)" : "");
		else
			snprintf(why, sizeof why, "read(): %s", strerror(errno));
		cl_close(c, why);
		return;
	}
	G.read_ns = now_ns();
	G.reads++;
	if (O.quickack) { /* ACK at once: keeps a server's Nagle from waiting on our delayed ACK */
		int one = 1;
		setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
	}
	G.bytes_in += (uint64_t)n;
	uint32_t gen = c->gen;
	char *p = buf, *end = buf + have + (size_t)n, *nl;
	while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
		char *le = nl;
		if (le > p && le[-1] == '\r')
			le--;
		handle_line(c, p, le);
		if (c->state == CS_CLOSED || c->gen != gen)
			return;
		p = nl + 1;
	}
	size_t tail = (size_t)(end - p);
	if (tail > CARRY_MAX) {
		G.overlong++;
		tail = 0;
	}
	if (tail) {
		if (!c->carry)
			c->carry = xcalloc(1, CARRY_MAX);
		memcpy(c->carry, p, tail);
	}
	c->carry_len = (uint16_t)tail;
	if (H.after_read)
		H.after_read(c);
	/* the buffer filled up with more decrypted data waiting: the socket may not
	 * signal readiness for it again */
	if (c->ssl && c->state != CS_CLOSED && c->gen == gen && SSL_has_pending(c->ssl))
		ev_feed_event(G.loop, &c->io, EV_READ);
}

static void io_cb(EV_P_ ev_io *w, int revents)
{
	client_t *c = (client_t *)w;
	(void)loop;
	if (c->state == CS_CONNECTING) {
		if (!(revents & EV_WRITE))
			return;
		int err = 0;
		socklen_t el = sizeof err;
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err) {
			char why[96];
			snprintf(why, sizeof why, "connect(): %s", strerror(err));
			cl_close(c, why);
			return;
		}
		cl_set_events(c, EV_READ);
		cl_connected(c);
		return;
	}
	if (c->state == CS_TLS) {
		tls_step(c);
		return;
	}
	if (revents & EV_WRITE)
		cl_mark_dirty(c);
	if (revents & EV_READ)
		cl_read(c);
}

static void prepare_cb(EV_P_ ev_prepare *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	launch_kick();
	flush_all();
}

/* Clients still registering after --reg-timeout are given up. */
static void regcheck_cb(EV_P_ ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	uint64_t now = now_ns(), lim = (uint64_t)(O.reg_timeout * 1e9);
	for (uint32_t i = 0; i < G.ncl; i++) {
		client_t *c = &G.cl[i];
		if (c->state >= CS_CONNECTING && c->state < CS_READY && now - c->t_start > lim)
			cl_close(c, c->state == CS_CONNECTING ? "connect timeout"
				    : c->state == CS_TLS      ? "TLS handshake timeout"
							      : "registration timeout (no 001/376/422)");
	}
}

static void deadline_cb(EV_P_ ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	fail("run exceeded its deadline");
	ev_break(EV_A_ EVBREAK_ALL);
}

/* ------------------------------------------------------------------ pacer */

/* Fires `fire(n)` so that event k happens at t0 + k/rate; a timerfd (ns
 * precision) wakes the loop, never more often than every --pace-us. */
static void pacer_arm(pacer_t *p, uint64_t when)
{
	struct itimerspec its;
	memset(&its, 0, sizeof its);
	its.it_value.tv_sec = (time_t)(when / 1000000000ull);
	its.it_value.tv_nsec = (long)(when % 1000000000ull);
	timerfd_settime(p->fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void pacer_cb(EV_P_ ev_io *w, int revents)
{
	pacer_t *p = (pacer_t *)w;
	uint64_t x;
	(void)loop;
	(void)revents;
	if (read(p->fd, &x, sizeof x) < 0 && errno != EAGAIN)
		return;
	if (!p->active)
		return;
	uint64_t now = now_ns();
	uint64_t due = (uint64_t)((double)(now - p->t0) * p->rate * 1e-9) + 1;
	if (due > p->issued) {
		uint64_t n = due - p->issued;
		p->issued = due;
		if (n > p->max_burst)
			p->max_burst = n;
		p->fire(n);
	}
	uint64_t next = p->t0 + (uint64_t)((double)p->issued * 1e9 / p->rate);
	if (next < now + p->min_gap)
		next = now + p->min_gap;
	pacer_arm(p, next);
}

static void pacer_start(pacer_t *p, double rate, void (*fire)(uint64_t))
{
	if (!p->fd) {
		p->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (p->fd < 0)
			die("timerfd_create: %s", strerror(errno));
		ev_io_init(&p->io, pacer_cb, p->fd, EV_READ);
		ev_set_priority(&p->io, EV_MAXPRI);
	}
	p->rate = rate;
	p->fire = fire;
	p->min_gap = (uint64_t)(O.pace_us * 1000);
	p->t0 = now_ns();
	p->issued = 0;
	p->max_burst = 0;
	p->active = 1;
	ev_io_start(G.loop, &p->io);
	pacer_arm(p, p->t0 + 1000);
}

static void pacer_stop(pacer_t *p)
{
	if (!p->active)
		return;
	p->active = 0;
	struct itimerspec its;
	memset(&its, 0, sizeof its);
	timerfd_settime(p->fd, 0, &its, NULL);
	ev_io_stop(G.loop, &p->io);
}

static void launch_fire(uint64_t n)
{
	L.tokens += n;
	launch_kick();
}

/* ------------------------------------------------------ setup, reporting */

static void (*setup_done_cb)(void);
static uint32_t setup_target;

static void check_setup_done(void)
{
	if (!setup_done_cb || G.ready + G.setup_failed < setup_target)
		return;
	void (*cb)(void) = setup_done_cb;
	setup_done_cb = NULL;
	G.t_setup1 = now_ns();
	if (L.paced)
		pacer_stop(&L.pacer);
	cb();
}

static void loop_init(uint32_t nclients, char letter)
{
	/* not the default loop: its SIGCHLD handler would reap the fairness flooder
	 * before our waitpid() */
	G.loop = ev_loop_new(EVFLAG_AUTO);
	if (!G.loop)
		die("ev_loop_new failed");
	G.rbuf = xcalloc(1, RBUF_SIZE + CARRY_MAX + 16);
	G.ncl = nclients;
	G.cl = xcalloc(nclients, sizeof(client_t));
	G.letter = letter;
	G.sample_cd = (uint32_t)O.sample;
	for (uint32_t i = 0; i < nclients; i++) {
		G.cl[i].idx = i;
		G.cl[i].fd = -1;
		make_nick(&G.cl[i], letter, i);
		/* --caps-fraction F: client i negotiates when floor((i+1)F) > floor(iF),
		 * spreading the capable clients evenly (F = 0.5: every other one) */
		if (CAPS.n && (uint64_t)((double)(i + 1) * O.caps_fraction) > (uint64_t)((double)i * O.caps_fraction)) {
			G.cl[i].capable = 1;
			CAPS.capable++;
		}
	}
	L.cap = nclients ? nclients : 1;
	L.q = xcalloc(L.cap, sizeof(uint32_t));
	ev_prepare_init(&G.prep, prepare_cb);
	ev_prepare_start(G.loop, &G.prep);
	ev_timer_init(&G.regcheck, regcheck_cb, 1, 1);
	ev_timer_start(G.loop, &G.regcheck);
}

/* Connect clients [0, n) and call done() once each is ready or has failed. */
static void setup_clients(uint32_t n, double rate, uint32_t max_pending, void (*done)(void))
{
	setup_target = n;
	setup_done_cb = done;
	L.max_pending = max_pending ? max_pending : 1;
	G.t_setup0 = now_ns();
	for (uint32_t i = 0; i < n; i++)
		launch_push(&G.cl[i]);
	if (rate > 0) {
		L.paced = 1;
		pacer_start(&L.pacer, rate, launch_fire);
	}
	launch_kick();
	if (!n)
		check_setup_done();
}

static void start_deadline(double seconds)
{
	ev_timer_init(&G.deadline, deadline_cb, seconds, 0);
	ev_timer_start(G.loop, &G.deadline);
}

static void teardown_all(void)
{
	for (uint32_t i = 0; i < G.ncl; i++) {
		client_t *c = &G.cl[i];
		if (c->fd >= 0) {
			if (c->state >= CS_REGISTERING && !c->write_dead) {
				ssize_t w = c->ssl ? tls_write(c, "QUIT :evload done\r\n", 19)
						   : write(c->fd, "QUIT :evload done\r\n", 19);
				(void)w;
			}
			ev_io_stop(G.loop, &c->io);
			close(c->fd);
			c->fd = -1;
			tls_free(c);
		}
		c->state = CS_CLOSED;
	}
}

static void kv(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kv(const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s: ", key);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

static void print_head(void)
{
	kv("scenario", "%s", O.scenario);
	kv("target", "%s:%d", O.host, O.port);
	if (O.pid)
		kv("server_pid", "%d", O.pid);
}

static void print_hist(const char *prefix, const hist_t *h, double div, const char *unit)
{
	char k[64];
	snprintf(k, sizeof k, "%s_samples", prefix);
	kv(k, "%" PRIu64, h->n);
	const struct {
		const char *n;
		double p;
	} ps[] = {{"p50", .50}, {"p95", .95}, {"p99", .99}};
	for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
		snprintf(k, sizeof k, "%s_%s_%s", prefix, ps[i].n, unit);
		kv(k, "%.3f", (double)h_pct(h, ps[i].p) / div);
	}
	snprintf(k, sizeof k, "%s_max_%s", prefix, unit);
	kv(k, "%.3f", (double)h->max / div);
}

/* CPU used by every other process over the window: a large other_cpu_pct
 * means something else ran and the figures were disturbed. */
static void print_machine(const cpu_snap_t *a, const cpu_snap_t *b)
{
	double wall = (double)(b->wall - a->wall);
	if (wall <= 0 || a->others < 0 || b->others < 0)
		return;
	double other = 100.0 * (double)(b->others - a->others) / wall;
	kv("other_cpu_pct", "%.1f", other < 0 ? 0 : other);
}

static void print_cpu(const cpu_snap_t *a, const cpu_snap_t *b)
{
	double wall = (double)(b->wall - a->wall);
	if (wall <= 0)
		return;
	kv("gen_cpu_pct", "%.1f", 100.0 * (double)(b->self - a->self) / wall);
	if (O.pid) {
		if (a->srv >= 0 && b->srv >= 0)
			kv("server_cpu_pct", "%.1f", 100.0 * (double)(b->srv - a->srv) / wall);
		else
			kv("server_cpu_pct", "unavailable");
		kv("server_rss_kb", "%ld", b->rss);
	}
	print_machine(a, b);
}

static void print_caps(void)
{
	if (!CAPS.n)
		return;
	kv("caps_requested", "%s", O.caps);
	kv("caps_fraction", "%.3f", O.caps_fraction);
	kv("clients_cap_capable", "%" PRIu64, CAPS.capable);
	kv("clients_caps_acked", "%" PRIu64, CAPS.acked_all);
	kv("clients_caps_acked_partly", "%" PRIu64, CAPS.acked_some);
	kv("clients_caps_nak", "%" PRIu64, CAPS.naks);
	kv("clients_caps_none_offered", "%" PRIu64, CAPS.none_offered);
	kv("clients_caps_no_reply", "%" PRIu64, CAPS.no_reply);
	kv("tagged_lines_in", "%" PRIu64, CAPS.tagged_lines);
	kv("privmsg_in", "%" PRIu64, CAPS.privmsg_in);
	kv("tagged_privmsg_pct", "%.1f",
	   CAPS.privmsg_in ? 100.0 * (double)CAPS.tagged_privmsg / (double)CAPS.privmsg_in : 0.0);
	kv("tagged_lines_to_plain_clients", "%" PRIu64, CAPS.tags_to_plain);
}

static int print_tail(void)
{
	print_caps();
	kv("disconnects_explained", "%" PRIu64, G.disc_explained);
	kv("disconnects_unexplained", "%" PRIu64, G.disc_unexplained);
	for (int i = 0; i < nreasons; i++)
		if (reasons[i].count)
			kv(reasons[i].explained ? "disconnect_reason" : "disconnect_unexplained",
			   "%" PRIu64 " x %s", reasons[i].count, reasons[i].text);
	if (G.overlong)
		kv("overlong_lines", "%" PRIu64, G.overlong);
	if (G.reads) { /* the generator's own I/O over the whole run */
		kv("gen_reads", "%" PRIu64, G.reads);
		kv("gen_lines_per_read", "%.1f", (double)G.lines_in / (double)G.reads);
		kv("gen_writes", "%" PRIu64, G.writes);
		kv("gen_bytes_in_out", "%" PRIu64 " %" PRIu64, G.bytes_in, G.bytes_out);
	}
	if (G.nick_retries)
		kv("nick_retries", "%" PRIu64, G.nick_retries);
	if (O.tls) {
		kv("tls_handshakes", "%" PRIu64, G.tls_handshakes);
		kv("tls_resumed", "%" PRIu64, G.tls_resumed);
		if (O.tls_resume && strcmp(O.scenario, "connection_stress"))
			kv("tls_offered", "%" PRIu64, G.tls_offered);
	}
	if (G.disc_unexplained)
		fail("%" PRIu64 " disconnect(s) without an ERROR line", G.disc_unexplained);
	if (G.failed) {
		kv("status", "FAILED");
		kv("failure", "%s", G.fail_msg);
		return 1;
	}
	if (G.disc_explained)
		kv("status", "ok (%" PRIu64 " disconnects, each after an ERROR)", G.disc_explained);
	else
		kv("status", "ok");
	return 0;
}

/* Setup failed in a traffic scenario: say so and stop. */
static void abort_setup(void)
{
	fail("setup: %" PRIu64 " of %u clients did not get ready", G.setup_failed, setup_target);
	ev_break(G.loop, EVBREAK_ALL);
}

/* --------------------------------------- traffic: channel_load, 1:1 PRIVMSG */

static struct {
	client_t **senders;
	uint32_t nsenders;
	uint32_t fan; /* deliveries per message */
	int running, closed_loop;
	uint32_t cap;
	double rate;
	uint64_t sent, deliv, skipped, rr;
	uint64_t w_sent0, w_deliv0, w_sent, w_deliv;
	cpu_snap_t c0, c1;
	pacer_t pacer;
	ev_timer tm;
	uint64_t drain_until;
	uint32_t joined, join_target;
	int is_chan, ack_all, flush_now;
	char **chan_names;
} T;

static inline void t_send(client_t *s)
{
	char *p = cl_reserve(s, s->tmpl_len);
	if (!p)
		return;
	memcpy(p, s->tmpl, s->tmpl_len);
	put_hex(p + s->tmpl_ts + P_SEQ, s->seq_next++, 8);
	if (s->n_ts < TS_SLOTS)
		s->ts_off[s->n_ts++] = s->olen + s->tmpl_ts;
	else
		put_hex(p + s->tmpl_ts, now_ns(), 16);
	s->olen += s->tmpl_len;
	cl_mark_dirty(s);
	T.sent++;
	T.flush_now = 1;
}

static void t_build_template(client_t *s, const char *target)
{
	char head[96];
	int hl = snprintf(head, sizeof head, "PRIVMSG %s :L", target);
	size_t n = (size_t)hl + (size_t)O.size + 1;
	s->tmpl = xcalloc(1, n + 1);
	memcpy(s->tmpl, head, (size_t)hl);
	payload_fill(s->tmpl + hl, s->sid, 0);
	s->tmpl_len = (uint16_t)n;
	s->tmpl_ts = (uint16_t)hl;
	if (T.ack_all)
		s->ring = xcalloc((size_t)O.inflight, sizeof(uint32_t));
}

/* Messages [seq_acked, up_to) of sender s are acknowledged: record the
 * latency of the one whose receipt did it, and refill the window. */
static void t_ack(client_t *s, uint32_t up_to, char *q)
{
	uint64_t ts;
	uint32_t n = up_to - s->seq_acked;
	s->seq_acked = up_to;
	if (get_hex(q, 16, &ts))
		lat_record(&G.lat_ack, ts);
	if (T.running && T.closed_loop)
		while (n--)
			t_send(s);
}

/* Every delivery: count it; find its sender and sequence number (two short
 * hex fields) for the acknowledgement; parse the timestamp only for acks
 * and every --sample-th line. */
static void t_privmsg(client_t *c, char *args, char *end)
{
	uint64_t sid, seq, ts;
	(void)c;
	T.deliv++;
	char *q = payload_text(args, end);
	if (!q)
		return;
	if (--G.sample_cd == 0) {
		G.sample_cd = (uint32_t)O.sample;
		if (get_hex(q, 16, &ts))
			lat_record(&G.lat, ts);
	}
	if (!get_hex(q + 17, 6, &sid) || sid >= T.nsenders || !get_hex(q + P_SEQ, 8, &seq))
		return;
	client_t *s = T.senders[sid];
	uint32_t d = (uint32_t)seq - s->seq_acked, out = s->seq_next - s->seq_acked;
	if (d >= out)
		return; /* already acknowledged */
	if (!T.ack_all) {
		t_ack(s, (uint32_t)seq + 1, q); /* first receipt anywhere */
		return;
	}
	/* --ack all: acknowledged once every member has it; each member gets a
	 * sender's messages in order, so messages complete in order too */
	uint32_t F = (uint32_t)O.inflight;
	if (++s->ring[(uint32_t)seq % F] < T.fan || d != 0)
		return;
	uint32_t up = s->seq_acked;
	while (up != s->seq_next && s->ring[up % F] >= T.fan)
		s->ring[up++ % F] = 0;
	t_ack(s, up, q);
}

/* Sends released by this read go out now, not after every other member's
 * read of this loop turn. */
static void t_after_read(client_t *c)
{
	(void)c;
	if (T.flush_now) {
		T.flush_now = 0;
		flush_all();
	}
}

static void t_fire(uint64_t n)
{
	while (n--) {
		client_t *s = T.senders[T.rr++ % T.nsenders];
		if (s->state != CS_READY)
			continue;
		if (T.cap && s->seq_next - s->seq_acked >= T.cap) {
			T.skipped++;
			continue;
		}
		t_send(s);
	}
}

static void t_finish(void)
{
	ev_timer_stop(G.loop, &T.tm);
	ev_break(G.loop, EVBREAK_ALL);
}

static void t_drain_cb(EV_P_ ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	if (T.deliv >= T.sent * T.fan || now_ns() >= T.drain_until)
		t_finish();
}

static void t_measured_cb(EV_P_ ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	T.w_sent = T.sent - T.w_sent0;
	T.w_deliv = T.deliv - T.w_deliv0;
	cpu_snap(&T.c1);
	G.lat_on = 0;
	T.running = 0;
	pacer_stop(&T.pacer);
	T.drain_until = now_ns() + (uint64_t)(O.drain * 1e9);
	ev_timer_stop(EV_A_ & T.tm);
	ev_timer_init(&T.tm, t_drain_cb, 0.01, 0.01);
	ev_timer_start(EV_A_ & T.tm);
}

static void t_warm_cb(EV_P_ ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	memset(&G.lat, 0, sizeof G.lat);
	memset(&G.lat_ack, 0, sizeof G.lat_ack);
	G.lat_on = 1;
	T.w_sent0 = T.sent;
	T.w_deliv0 = T.deliv;
	cpu_snap(&T.c0);
	ev_timer_stop(EV_A_ & T.tm);
	ev_timer_init(&T.tm, t_measured_cb, O.duration, 0);
	ev_timer_start(EV_A_ & T.tm);
}

static void t_go(void)
{
	T.running = 1;
	if (T.closed_loop) {
		for (uint32_t i = 0; i < T.nsenders; i++)
			for (uint32_t k = 0; k < (uint32_t)O.inflight; k++)
				t_send(T.senders[i]);
	} else {
		pacer_start(&T.pacer, T.rate, t_fire);
	}
	ev_timer_init(&T.tm, t_warm_cb, O.warmup > 0 ? O.warmup : 1e-6, 0);
	ev_timer_start(G.loop, &T.tm);
}

static void t_settled_cb(EV_P_ ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	t_go();
}

static void t_closed(client_t *c, int kind, int was_ready)
{
	(void)c;
	(void)kind;
	/* a loss after setup is counted (and fails the run if unexplained) */
	if (!was_ready) {
		G.setup_failed++;
		check_setup_done();
	}
}

static void t_all_joined(void)
{
	/* let the JOIN notifications of the last joiners drain first */
	ev_timer_init(&T.tm, t_settled_cb, 0.3, 0);
	ev_timer_start(G.loop, &T.tm);
}

static void t_numeric(client_t *c, int code, char *args, char *end)
{
	(void)args;
	(void)end;
	if (code == 366 && T.is_chan && c->count == 0) {
		c->count = 1;
		if (++T.joined == T.join_target)
			t_all_joined();
	} else if (code >= 400 && code < 600 && T.running) {
		char k[32];
		int n = snprintf(k, sizeof k, "error numeric %03d", code);
		reasons[reason_intern(k, (size_t)n, 1)].count++;
	}
}

static void t_ready_chan(client_t *c)
{
	cl_sendf(c, "JOIN %s\r\n", T.chan_names[c->group]);
}

static void t_setup_done(void)
{
	if (G.setup_failed)
		return abort_setup();
	for (uint32_t i = 0; i < G.ncl; i++) {
		client_t *c = &G.cl[i];
		if (c->role == ROLE_SENDER && !c->tmpl) {
			const char *target = T.is_chan ? T.chan_names[c->group] : G.cl[c->idx + 1].nick;
			t_build_template(c, target);
		}
	}
	if (!T.is_chan)
		t_go();
}

static int t_report(void)
{
	double win = (double)(T.c1.wall - T.c0.wall) / 1e9;
	if (T.c1.wall == 0)
		win = 0;
	kv("setup_s", "%.3f", (double)(G.t_setup1 - G.t_setup0) / 1e9);
	kv("message_bytes", "%d", O.size);
	if (T.closed_loop)
		kv("mode", "inflight %d per sender, acknowledged at %s", O.inflight,
		   T.ack_all ? "receipt by every recipient" : "first receipt by any recipient");
	else
		kv("mode", "rate %.1f msgs/s (paced, %.0f us min gap)%s", T.rate, O.pace_us,
		   T.cap ? ", inflight cap per sender" : "");
	kv("warmup_s", "%.2f", O.warmup);
	kv("duration_s", "%.3f", win);
	kv("sent_msgs", "%" PRIu64, T.w_sent);
	kv("sent_per_s", "%.0f", win > 0 ? (double)T.w_sent / win : 0);
	kv("deliveries", "%" PRIu64, T.w_deliv);
	kv("deliveries_per_s", "%.0f", win > 0 ? (double)T.w_deliv / win : 0);
	print_hist("latency", &G.lat, 1000.0, "us");
	print_hist("ack_latency", &G.lat_ack, 1000.0, "us");
	if (!T.closed_loop) {
		kv("pacer_max_burst", "%" PRIu64, T.pacer.max_burst);
		kv("skipped_sends", "%" PRIu64, T.skipped);
	}
	uint64_t expect = T.sent * T.fan;
	kv("total_sent", "%" PRIu64, T.sent);
	kv("total_deliveries", "%" PRIu64, T.deliv);
	kv("expected_deliveries", "%" PRIu64, expect);
	kv("missing_deliveries", "%" PRId64, (int64_t)(expect - T.deliv));
	if (T.c1.wall)
		print_cpu(&T.c0, &T.c1);
	if (!G.failed && T.c1.wall == 0)
		fail("measurement did not complete");
	if (T.c1.wall && T.w_deliv == 0)
		fail("no deliveries during the measurement");
	if (T.deliv < expect && !G.disc_explained && !G.disc_unexplained)
		fail("%" PRIu64 " deliveries missing after a %.1f s drain", expect - T.deliv, O.drain);
	return print_tail();
}

static void t_modes(void)
{
	T.closed_loop = T.rate <= 0;
	if (!T.closed_loop && O.inflight_set)
		T.cap = (uint32_t)O.inflight;
	if (T.closed_loop && (O.inflight < 1 || O.inflight > 1000000))
		die("--inflight must be in 1..1000000");
	/* default: "all" in the closed loop; the open loop only tracks first receipts */
	T.ack_all = O.ack ? !strcmp(O.ack, "all") : T.closed_loop;
	if (T.ack_all && !T.closed_loop)
		die("--ack all needs the closed loop (--inflight, no --rate)");
}

static double traffic_deadline(void)
{
	return O.setup_timeout + O.warmup + O.duration + O.drain + 15;
}

static int run_channel_load(void)
{
	uint32_t C = (uint32_t)O.channels, U = (uint32_t)O.upc, K = (uint32_t)O.senders;
	if (!C || !U || !K || U < 2 || U < K)
		die("channel_load needs --channels >= 1, --users-per-channel >= 2 and >= --senders >= 1");
	if ((uint64_t)C * U > 19000)
		die("channel_load: at most 19000 clients in one process");
	loop_init(C * U, 'f');
	T.is_chan = 1;
	T.fan = U - 1;
	T.chan_names = xcalloc(C, sizeof(char *));
	for (uint32_t ch = 0; ch < C; ch++) {
		T.chan_names[ch] = xcalloc(1, 32);
		snprintf(T.chan_names[ch], 32, "#evl%s_%u", G.tag, ch);
	}
	T.nsenders = C * K;
	T.senders = xcalloc(T.nsenders, sizeof(client_t *));
	for (uint32_t i = 0; i < G.ncl; i++) {
		client_t *c = &G.cl[i];
		uint32_t ch = i / U, j = i % U;
		c->group = (int32_t)ch;
		if (j < K) {
			c->role = ROLE_SENDER;
			c->sid = ch * K + j;
			T.senders[c->sid] = c;
		} else if (O.port2 > 0 && (double)(j - K) < O.split * (double)(U - K)) {
			c->alt = 1; /* a member on the linked server: the fan-out crosses the link */
		}
	}
	T.join_target = G.ncl;
	T.rate = O.rate;
	if (O.delivery_rate > 0)
		T.rate = O.delivery_rate / T.fan;
	t_modes();
	H = (hooks_t){.ready = t_ready_chan, .privmsg = t_privmsg, .numeric = t_numeric,
		      .closed = t_closed, .after_read = t_after_read};
	setup_clients(G.ncl, 0, (uint32_t)O.pending, t_setup_done);
	start_deadline(traffic_deadline());
	ev_run(G.loop, 0);
	teardown_all();
	print_head();
	kv("channels", "%u", C);
	kv("users_per_channel", "%u", U);
	kv("senders_per_channel", "%u", K);
	if (O.port2 > 0)
		kv("members_on_port2", "%.0f%%", O.split * 100);
	kv("clients", "%u", G.ncl);
	return t_report();
}

static int run_message_throughput(void)
{
	uint32_t P = (uint32_t)O.pairs;
	if (!P || P > 9000)
		die("message_throughput needs 1 <= --pairs <= 9000");
	loop_init(2 * P, 'm');
	T.fan = 1;
	T.nsenders = P;
	T.senders = xcalloc(P, sizeof(client_t *));
	for (uint32_t i = 0; i < P; i++) {
		client_t *a = &G.cl[2 * i], *b = &G.cl[2 * i + 1];
		a->role = ROLE_SENDER;
		a->sid = i;
		a->group = b->group = (int32_t)i;
		T.senders[i] = a;
	}
	T.rate = O.rate;
	t_modes();
	H = (hooks_t){.privmsg = t_privmsg, .numeric = t_numeric, .closed = t_closed,
		      .after_read = t_after_read};
	setup_clients(G.ncl, 0, (uint32_t)O.pending, t_setup_done);
	start_deadline(traffic_deadline());
	ev_run(G.loop, 0);
	teardown_all();
	print_head();
	kv("pairs", "%u", P);
	kv("clients", "%u", G.ncl);
	return t_report();
}

/* ------------------------------------------------------------- join_storm */

static struct {
	uint32_t N, I, it, joined, parts_seen;
	int phase; /* 0 setup, 1 joins, 2 names, 3 done */
	client_t *cur;
	char chan[32];
	hist_t hj, hn;
	uint64_t names_seen, names_last;
	uint64_t t_members0, t_members1;
	ev_timer tm;
} J;

static void js_next(void);

static void js_gap_cb(EV_P_ ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	js_next();
}

static void js_schedule_next(void)
{
	ev_timer_stop(G.loop, &J.tm);
	ev_timer_init(&J.tm, js_gap_cb, O.gap_ms / 1000.0, 0);
	ev_timer_start(G.loop, &J.tm);
}

/* Write a timed command now (not at the end of the loop turn); returns the
 * time taken just before the write. */
static uint64_t js_send_now(client_t *c, const char *line)
{
	cl_send(c, line, strlen(line));
	uint64_t t = now_ns();
	cl_flush(c);
	return t;
}

static void js_next(void)
{
	char line[64];
	if (J.phase == 1 && J.it < J.I) {
		J.cur = &G.cl[J.N + J.it];
		snprintf(line, sizeof line, "JOIN %s\r\n", J.chan);
		J.cur->t_op = js_send_now(J.cur, line);
		return;
	}
	if (J.phase == 1) {
		J.phase = 2;
		J.it = 0;
	}
	if (J.phase == 2 && J.it < J.I) {
		J.cur = &G.cl[0];
		J.names_last = 0;
		snprintf(line, sizeof line, "NAMES %s\r\n", J.chan);
		J.cur->t_op = js_send_now(J.cur, line);
		return;
	}
	J.phase = 3;
	ev_break(G.loop, EVBREAK_ALL);
}

static void js_ready(client_t *c)
{
	if (c->idx < J.N)
		cl_sendf(c, "JOIN %s\r\n", J.chan);
}

static void js_maybe_start(void)
{
	if (J.phase == 0 && !setup_done_cb && J.joined == J.N) {
		J.t_members1 = now_ns();
		J.phase = 1;
		J.it = 0;
		/* let the last members' JOIN notifications drain first */
		ev_timer_init(&J.tm, js_gap_cb, 0.3, 0);
		ev_timer_start(G.loop, &J.tm);
	}
}

static void js_numeric(client_t *c, int code, char *args, char *end)
{
	if (code == 353 && J.phase == 2 && c == J.cur) {
		char *t = memchr(args, ':', (size_t)(end - args));
		if (t)
			for (char *q = t + 1; q < end; q++)
				if (*q != ' ' && (q == t + 1 || q[-1] == ' '))
					J.names_last++;
		return;
	}
	if (code != 366)
		return;
	if (J.phase == 0 && c->idx < J.N && !c->count) {
		c->count = 1;
		J.joined++;
		js_maybe_start();
	} else if (J.phase == 1 && c == J.cur) {
		h_add(&J.hj, G.read_ns - c->t_op);
		cl_sendf(c, "PART %s\r\n", J.chan);
	} else if (J.phase == 2 && c == J.cur) {
		h_add(&J.hn, G.read_ns - c->t_op);
		J.names_seen = J.names_last;
		J.it++;
		js_schedule_next();
	}
}

static void js_other(client_t *c, const char *src, size_t srclen, char *cmd, char *end)
{
	/* An iteration ends once the fresh client's PART has reached every member
	 * and itself: the next JOIN then starts on a quiet server and generator. */
	client_t *f = J.cur;
	if (J.phase == 1 && f && src && srclen > f->nicklen && src[f->nicklen] == '!' &&
	    end - cmd > 5 && !memcmp(cmd, "PART ", 5) && !memcmp(src, f->nick, f->nicklen)) {
		(void)c;
		if (++J.parts_seen == J.N + 1) {
			J.parts_seen = 0;
			J.it++;
			js_schedule_next();
		}
	}
}

static void js_closed(client_t *c, int kind, int was_ready)
{
	(void)c;
	(void)kind;
	if (!was_ready) {
		G.setup_failed++;
		check_setup_done();
	} else {
		fail("a client was lost during the join storm");
		ev_break(G.loop, EVBREAK_ALL);
	}
}

static void js_setup_done(void)
{
	if (G.setup_failed)
		return abort_setup();
	js_maybe_start();
}

static int run_join_storm(void)
{
	J.N = (uint32_t)O.members;
	J.I = (uint32_t)O.iterations;
	if (!J.N || !J.I || J.N + J.I > 19000)
		die("join_storm needs --members >= 1, --iterations >= 1, together <= 19000");
	loop_init(J.N + J.I, 'j');
	snprintf(J.chan, sizeof J.chan, "#evj%s", G.tag);
	for (uint32_t i = 0; i < G.ncl; i++)
		G.cl[i].prio = (i == 0 || i >= J.N) ? EV_MAXPRI : 0;
	H = (hooks_t){.ready = js_ready, .numeric = js_numeric, .other = js_other, .closed = js_closed};
	J.t_members0 = now_ns();
	setup_clients(G.ncl, 0, (uint32_t)O.pending, js_setup_done);
	start_deadline(O.setup_timeout + 10 + J.I * 2.0);
	cpu_snap_t c0, c1;
	cpu_snap(&c0);
	ev_run(G.loop, 0);
	cpu_snap(&c1);
	teardown_all();
	print_head();
	kv("members", "%u", J.N);
	kv("iterations", "%u", J.I);
	if (J.t_members1)
		kv("setup_s", "%.3f", (double)(J.t_members1 - J.t_members0) / 1e9);
	print_hist("join_to_366", &J.hj, 1e6, "ms");
	print_hist("names_to_366", &J.hn, 1e6, "ms");
	kv("names_in_reply", "%" PRIu64, J.names_seen);
	print_cpu(&c0, &c1);
	if (J.phase != 3)
		fail("join storm did not complete (phase %d, iteration %u)", J.phase, J.it);
	else if (J.names_seen && J.names_seen != J.N)
		fail("NAMES listed %" PRIu64 " names, expected %u", J.names_seen, J.N);
	return print_tail();
}

/* ------------------------------------------------ mixed_workload, memory_leak */

enum { OP_CHANMSG, OP_PRIVMSG, OP_NOTICE, OP_PARTJOIN, OP_NICK, OP_TOPIC, OP_WHOIS,
       OP_NAMES, OP_MODE, OP_AWAY, OP_PING, OP_RECONNECT, OP_N };
static const char *op_names[OP_N] = {"chanmsg", "privmsg", "notice", "partjoin", "nick", "topic",
				     "whois", "names", "mode", "away", "ping", "reconnect"};
static const int op_weight[OP_N] = {40, 15, 5, 8, 5, 4, 5, 3, 3, 4, 3, 5};

/* every field a uint64_t: the window is computed field by field */
typedef struct {
	uint64_t ops[OP_N], skipped;
	uint64_t deliv_chan, deliv_priv, notices, joins_seen, parts_seen, nicks_seen, quits_seen;
	uint64_t replies, errors, reconnects_done, err_by_code[600];
} mx_counts_t;

static struct {
	uint32_t N, C, Jn;
	char **chan;
	int running;
	mx_counts_t n, w0, w1; /* live counters; copies at the window's start and end */
	uint64_t nick_seq, joined366;
	cpu_snap_t c0, c1;
	pacer_t pacer;
	ev_timer tm, rss_tm;
	/* RSS samples (memory_leak) */
	double *rss_t;
	long *rss_kb;
	uint32_t nrss, caprss;
	uint64_t rss_t0;
} M;

static int mx_has_chan(client_t *c, int16_t ch)
{
	for (unsigned i = 0; i < c->nchans; i++)
		if (c->chans[i] == ch)
			return 1;
	return 0;
}

static client_t *mx_pick(void)
{
	for (int tries = 0; tries < 16; tries++) {
		client_t *c = &G.cl[rng_below(M.N)];
		if (c->state == CS_READY && !c->quitting)
			return c;
	}
	return NULL;
}

static void mx_join_all(client_t *c)
{
	char line[512];
	size_t n = 5;
	memcpy(line, "JOIN ", 5);
	for (unsigned i = 0; i < c->nchans; i++) {
		int w = snprintf(line + n, sizeof line - n, "%s%s", i ? "," : "", M.chan[c->chans[i]]);
		if (w < 0 || (size_t)w >= sizeof line - n - 2)
			break;
		n += (size_t)w;
	}
	if (c->nchans) {
		memcpy(line + n, "\r\n", 2);
		cl_send(c, line, n + 2);
	}
}

static void mx_op(int op)
{
	client_t *c = mx_pick();
	if (!c) {
		M.n.skipped++;
		return;
	}
	M.n.ops[op]++;
	const char *ch = c->nchans ? M.chan[c->chans[rng_below(c->nchans)]] : NULL;
	switch (op) {
	case OP_CHANMSG:
	case OP_NOTICE:
		if (ch)
			cl_send_payload(c, op == OP_CHANMSG ? "PRIVMSG" : "NOTICE", ch, c->idx);
		break;
	case OP_PRIVMSG: {
		client_t *t = mx_pick();
		if (t)
			cl_send_payload(c, "PRIVMSG", t->nick, c->idx);
		break;
	}
	case OP_PARTJOIN:
		if (c->nchans) {
			unsigned k = rng_below(c->nchans);
			int16_t nw = (int16_t)rng_below(M.C);
			if (mx_has_chan(c, nw))
				break;
			cl_sendf(c, "PART %s :churn\r\nJOIN %s\r\n", M.chan[c->chans[k]], M.chan[nw]);
			c->chans[k] = nw;
		}
		break;
	case OP_NICK: {
		client_t tmp;
		make_nick(&tmp, 'n', M.nick_seq++);
		cl_sendf(c, "NICK %s\r\n", tmp.nick);
		break;
	}
	case OP_TOPIC:
		if (ch)
			cl_sendf(c, "TOPIC %s :evload topic %" PRIu64 "\r\n", ch, M.n.ops[op]);
		break;
	case OP_WHOIS: {
		client_t *t = mx_pick();
		if (t)
			cl_sendf(c, "WHOIS %s\r\n", t->nick);
		break;
	}
	case OP_NAMES:
		if (ch)
			cl_sendf(c, "NAMES %s\r\n", ch);
		break;
	case OP_MODE:
		if (ch)
			cl_sendf(c, "MODE %s\r\n", ch);
		break;
	case OP_AWAY:
		if (c->away)
			cl_sendf(c, "AWAY\r\n");
		else
			cl_sendf(c, "AWAY :evload away\r\n");
		c->away = !c->away;
		break;
	case OP_PING:
		cl_sendf(c, "PING :evload%" PRIu64 "\r\n", M.n.ops[op]);
		break;
	case OP_RECONNECT:
		cl_sendf(c, "QUIT :evload churn\r\n");
		c->quitting = 1;
		break;
	}
}

static void mx_fire(uint64_t n)
{
	static int total;
	if (!total)
		for (int i = 0; i < OP_N; i++)
			total += op_weight[i];
	while (n--) {
		int r = (int)rng_below((uint32_t)total), op = 0;
		while (r >= op_weight[op])
			r -= op_weight[op++];
		mx_op(op);
	}
}

static void mx_privmsg(client_t *c, char *args, char *end)
{
	uint64_t ts;
	if (*args == '#')
		M.n.deliv_chan++;
	else
		M.n.deliv_priv++;
	(void)c;
	if (--G.sample_cd == 0) {
		G.sample_cd = (uint32_t)O.sample;
		if (parse_ts(args, end, &ts))
			lat_record(&G.lat, ts);
	}
}

static void mx_numeric(client_t *c, int code, char *args, char *end)
{
	(void)args;
	(void)end;
	if (code == 366 && !M.running && c->count < M.Jn) {
		c->count++;
		M.joined366++;
	}
	if (code >= 400 && code < 600) {
		M.n.errors++;
		M.n.err_by_code[code]++;
	} else {
		M.n.replies++;
	}
}

static void mx_other(client_t *c, const char *src, size_t srclen, char *cmd, char *end)
{
	size_t n = (size_t)(end - cmd);
	if (n > 7 && !memcmp(cmd, "NOTICE ", 7)) {
		M.n.notices++;
	} else if (n > 5 && !memcmp(cmd, "JOIN ", 5)) {
		M.n.joins_seen++;
	} else if (n > 5 && !memcmp(cmd, "PART ", 5)) {
		M.n.parts_seen++;
	} else if (n > 5 && !memcmp(cmd, "QUIT ", 5)) {
		M.n.quits_seen++;
	} else if (n > 5 && !memcmp(cmd, "NICK ", 5)) {
		M.n.nicks_seen++;
		/* our own nick change: adopt the new nick */
		if (src && srclen > c->nicklen && src[c->nicklen] == '!' && !memcmp(src, c->nick, c->nicklen)) {
			char *nn = cmd + 5;
			if (*nn == ':')
				nn++;
			size_t l = (size_t)(end - nn);
			if (l && l < sizeof c->nick) {
				memcpy(c->nick, nn, l);
				c->nick[l] = 0;
				c->nicklen = (uint8_t)l;
			}
		}
	}
}

static void mx_ready(client_t *c)
{
	if (c->reconnecting) {
		c->reconnecting = 0;
		M.n.reconnects_done++;
	}
	mx_join_all(c);
}

static void mx_closed(client_t *c, int kind, int was_ready)
{
	if (kind == CLOSED_EXPECTED) {
		/* churn: the same slot comes back with a new nick and its channels */
		c->away = 0;
		c->reconnecting = 1;
		make_nick(c, 'r', M.nick_seq++);
		if (M.running)
			launch_push(c);
		return;
	}
	if (!was_ready && !M.running) {
		G.setup_failed++;
		check_setup_done();
	}
}

static void mx_rss_sample(void)
{
	if (!O.pid)
		return;
	long kb = proc_rss_kb(O.pid);
	if (kb < 0)
		return;
	if (M.nrss == M.caprss) {
		M.caprss = M.caprss ? M.caprss * 2 : 256;
		M.rss_t = realloc(M.rss_t, M.caprss * sizeof *M.rss_t);
		M.rss_kb = realloc(M.rss_kb, M.caprss * sizeof *M.rss_kb);
		if (!M.rss_t || !M.rss_kb)
			die("out of memory");
	}
	M.rss_t[M.nrss] = (double)(now_ns() - M.rss_t0) / 1e9;
	M.rss_kb[M.nrss++] = kb;
}

static void mx_rss_cb(EV_P_ ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	mx_rss_sample();
}

static void mx_finish_cb(EV_P_ ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(EV_A_ EVBREAK_ALL);
}

static void mx_measured_cb(EV_P_ ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	cpu_snap(&M.c1);
	M.w1 = M.n;
	mx_rss_sample();
	ev_timer_stop(EV_A_ & M.rss_tm);
	G.lat_on = 0;
	M.running = 0;
	pacer_stop(&M.pacer);
	ev_timer_init(&M.tm, mx_finish_cb, O.drain > 0 ? O.drain : 1e-6, 0);
	ev_timer_start(EV_A_ & M.tm);
}

static void mx_warm_cb(EV_P_ ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	memset(&G.lat, 0, sizeof G.lat);
	G.lat_on = 1;
	M.w0 = M.n;
	cpu_snap(&M.c0);
	M.nrss = 0;
	M.rss_t0 = now_ns();
	mx_rss_sample();
	if (O.pid) {
		ev_timer_init(&M.rss_tm, mx_rss_cb, O.rss_interval, O.rss_interval);
		ev_timer_start(EV_A_ & M.rss_tm);
	}
	ev_timer_init(&M.tm, mx_measured_cb, O.duration, 0);
	ev_timer_start(EV_A_ & M.tm);
}

static void mx_go(void)
{
	M.running = 1;
	pacer_start(&M.pacer, O.rate, mx_fire);
	ev_timer_init(&M.tm, mx_warm_cb, O.warmup > 0 ? O.warmup : 1e-6, 0);
	ev_timer_start(G.loop, &M.tm);
}

static void mx_wait_joined_cb(EV_P_ ev_timer *w, int revents)
{
	(void)revents;
	if (M.joined366 >= (uint64_t)M.N * M.Jn || now_ns() - G.t_setup1 > 10000000000ull) {
		ev_timer_stop(EV_A_ w);
		mx_go();
	}
}

static void mx_setup_done(void)
{
	if (G.setup_failed)
		return abort_setup();
	ev_timer_init(&M.tm, mx_wait_joined_cb, 0.01, 0.01);
	ev_timer_start(G.loop, &M.tm);
}

static double slope_kb_per_min(void)
{
	if (M.nrss < 3)
		return 0;
	double st = 0, sk = 0, stt = 0, stk = 0, n = M.nrss;
	for (uint32_t i = 0; i < M.nrss; i++) {
		st += M.rss_t[i];
		sk += (double)M.rss_kb[i];
		stt += M.rss_t[i] * M.rss_t[i];
		stk += M.rss_t[i] * (double)M.rss_kb[i];
	}
	double d = n * stt - st * st;
	return d > 0 ? (n * stk - st * sk) / d * 60.0 : 0;
}

static int run_mixed(int leak)
{
	M.N = O.clients ? (uint32_t)O.clients : 200;
	M.C = O.channels > 1 ? (uint32_t)O.channels : 20;
	M.Jn = (uint32_t)(O.joins < 1 ? 1 : O.joins > MAX_CHANS_PER_CLIENT ? MAX_CHANS_PER_CLIENT : O.joins);
	if (M.Jn > M.C)
		M.Jn = M.C;
	if (M.N < 2 || M.N > 19000)
		die("mixed_workload needs 2 <= --clients <= 19000");
	if (O.rate <= 0)
		O.rate = 2000;
	if (leak && !O.pid)
		die("memory_leak needs --pid");
	loop_init(M.N, 'x');
	M.chan = xcalloc(M.C, sizeof(char *));
	for (uint32_t i = 0; i < M.C; i++) {
		M.chan[i] = xcalloc(1, 32);
		snprintf(M.chan[i], 32, "#evx%s_%u", G.tag, i);
	}
	for (uint32_t i = 0; i < M.N; i++) {
		client_t *c = &G.cl[i];
		for (uint32_t k = 0; k < M.Jn; k++) {
			int16_t ch = (int16_t)((i + k * (M.C / M.Jn + 1)) % M.C);
			if (!mx_has_chan(c, ch))
				c->chans[c->nchans++] = ch;
		}
	}
	M.Jn = 1; /* count only the first 366 of each client's JOIN list as "joined" */
	H = (hooks_t){.ready = mx_ready, .privmsg = mx_privmsg, .numeric = mx_numeric,
		      .other = mx_other, .closed = mx_closed};
	setup_clients(M.N, 0, (uint32_t)O.pending, mx_setup_done);
	start_deadline(O.setup_timeout + O.warmup + O.duration + O.drain + 25);
	ev_run(G.loop, 0);
	teardown_all();
	print_head();
	kv("clients", "%u", M.N);
	kv("channels", "%u", M.C);
	kv("rate_ops_per_s", "%.0f", O.rate);
	double win = M.c1.wall > M.c0.wall ? (double)(M.c1.wall - M.c0.wall) / 1e9 : 0;
	kv("setup_s", "%.3f", (double)(G.t_setup1 - G.t_setup0) / 1e9);
	kv("warmup_s", "%.2f", O.warmup);
	kv("duration_s", "%.3f", win);
	/* counts over the measurement window */
	mx_counts_t d;
	{
		uint64_t *x = (uint64_t *)&d, *e = (uint64_t *)&M.w1, *b = (uint64_t *)&M.w0;
		for (size_t i = 0; i < sizeof d / sizeof(uint64_t); i++)
			x[i] = M.c1.wall ? e[i] - b[i] : 0;
	}
	uint64_t tot = 0;
	for (int i = 0; i < OP_N; i++) {
		char k[32];
		snprintf(k, sizeof k, "ops_%s", op_names[i]);
		kv(k, "%" PRIu64, d.ops[i]);
		tot += d.ops[i];
	}
	kv("ops_total", "%" PRIu64, tot);
	kv("ops_per_s", "%.0f", win > 0 ? (double)tot / win : 0);
	kv("ops_skipped_no_ready_client", "%" PRIu64, d.skipped);
	kv("reconnects_completed", "%" PRIu64, d.reconnects_done);
	kv("quits_whole_run", "%" PRIu64, G.quits);
	kv("deliveries_channel", "%" PRIu64, d.deliv_chan);
	kv("deliveries_private", "%" PRIu64, d.deliv_priv);
	kv("deliveries_per_s", "%.0f", win > 0 ? (double)(d.deliv_chan + d.deliv_priv) / win : 0);
	kv("notices_received", "%" PRIu64, d.notices);
	kv("lines_join_part_nick_quit", "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64, d.joins_seen,
	   d.parts_seen, d.nicks_seen, d.quits_seen);
	kv("numeric_replies", "%" PRIu64, d.replies);
	kv("numeric_errors", "%" PRIu64, d.errors);
	{
		char buf[512];
		size_t l = 0;
		buf[0] = 0;
		for (int code = 400; code < 600 && l < sizeof buf - 24; code++)
			if (d.err_by_code[code])
				l += (size_t)snprintf(buf + l, sizeof buf - l, "%s%d x %" PRIu64, l ? ", " : "", code,
						      d.err_by_code[code]);
		kv("numeric_errors_by_code", "%s", l ? buf : "none");
	}
	print_hist("latency", &G.lat, 1000.0, "us");
	kv("pacer_max_burst", "%" PRIu64, M.pacer.max_burst);
	if (M.c1.wall)
		print_cpu(&M.c0, &M.c1);
	if (O.pid && M.nrss) {
		long mn = M.rss_kb[0], mxv = M.rss_kb[0];
		for (uint32_t i = 0; i < M.nrss; i++) {
			if (M.rss_kb[i] < mn)
				mn = M.rss_kb[i];
			if (M.rss_kb[i] > mxv)
				mxv = M.rss_kb[i];
		}
		double sl = slope_kb_per_min();
		if (fabs(sl) < 0.05)
			sl = 0; /* no "-0.0" */
		kv("rss_samples", "%u", M.nrss);
		kv("rss_first_kb", "%ld", M.rss_kb[0]);
		kv("rss_last_kb", "%ld", M.rss_kb[M.nrss - 1]);
		kv("rss_min_kb", "%ld", mn);
		kv("rss_max_kb", "%ld", mxv);
		kv("rss_slope_kb_per_min", "%.1f", sl);
		if (leak) {
			char buf[2048];
			size_t l = 0;
			uint32_t step = M.nrss > 60 ? (M.nrss + 59) / 60 : 1;
			for (uint32_t i = 0; i < M.nrss && l < sizeof buf - 32; i += step)
				l += (size_t)snprintf(buf + l, sizeof buf - l, "%s%.0f:%ld", l ? " " : "", M.rss_t[i],
						      M.rss_kb[i]);
			kv("rss_series_s_kb", "%s", buf);
			if (O.max_slope >= 0 && sl > O.max_slope)
				fail("RSS grows %.1f KB/min, above --max-slope %.1f", sl, O.max_slope);
		}
	}
	if (!M.c1.wall)
		fail("measurement did not complete");
	return print_tail();
}

/* ------------------------------------------------------ connection_stress */

/* Worker side: connect n clients, report, hold until the parent closes the
 * command pipe, report again, exit. */
static struct {
	int in, out;
	ev_io cmd;
	int phase1_sent;
	int storm; /* --reconnect: 1 while the storm runs, 2 once it is over */
	uint64_t storm_t0;
	ev_timer gap;
} W;

static void wr_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

static void wprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void wprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		wr_all(W.out, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void cs_setup_done(void);

static void cs_storm_done(void)
{
	uint64_t last_reg = 0, last_ready = 0;
	for (uint32_t i = 0; i < G.ncl; i++) {
		client_t *c = &G.cl[i];
		if (c->t_reg >= W.storm_t0 && c->t_reg > last_reg)
			last_reg = c->t_reg;
		if (c->t_ready >= W.storm_t0 && c->t_ready > last_ready)
			last_ready = c->t_ready;
	}
	wprintf("storm %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
		"\n",
		G.registered, G.ready, G.setup_failed, W.storm_t0, last_reg, last_ready, G.tls_resumed, G.tls_offered);
	for (unsigned i = 0; i < H_BUCKETS; i++)
		if (G.reg_lat.b[i])
			wprintf("sh %u %" PRIu64 "\n", i, G.reg_lat.b[i]);
	wprintf("shmax %" PRIu64 "\n", G.reg_lat.max);
	W.storm = 2;
	wprintf("end1\n");
	W.phase1_sent = 1;
}

/* The reconnect storm: every client is dropped (QUIT, close) and, after
 * --reconnect-gap, all of them connect again at once (--pending of them in
 * the handshake at a time). */
static void cs_storm_go(EV_P_ ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	G.registered = G.ready = G.setup_failed = 0;
	G.tls_resumed = G.tls_offered = 0;
	memset(&G.reg_lat, 0, sizeof G.reg_lat);
	W.storm = 1;
	W.storm_t0 = now_ns();
	setup_clients(G.ncl, 0, L.max_pending, cs_storm_done);
}

static void cs_storm_begin(void)
{
	for (uint32_t i = 0; i < G.ncl; i++) {
		client_t *c = &G.cl[i];
		if (c->state != CS_READY)
			continue;
		c->quitting = 1;
		cl_send(c, "QUIT :reconnect storm\r\n", 24);
		cl_flush(c);
		cl_close(c, NULL);
		c->state = CS_IDLE;
	}
	ev_timer_init(&W.gap, cs_storm_go, O.reconnect_gap, 0);
	ev_timer_start(G.loop, &W.gap);
}

static void cs_setup_done(void)
{
	uint64_t first = UINT64_MAX, last_reg = 0, last_ready = 0;
	for (uint32_t i = 0; i < G.ncl; i++) {
		client_t *c = &G.cl[i];
		if (c->t_start && c->t_start < first)
			first = c->t_start;
		if (c->t_reg > last_reg)
			last_reg = c->t_reg;
		if (c->t_ready > last_ready)
			last_ready = c->t_ready;
	}
	wprintf("phase1 %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", G.registered,
		G.ready, G.setup_failed, first == UINT64_MAX ? 0 : first, last_reg, last_ready);
	for (unsigned i = 0; i < H_BUCKETS; i++)
		if (G.reg_lat.b[i])
			wprintf("h %u %" PRIu64 "\n", i, G.reg_lat.b[i]);
	wprintf("hmax %" PRIu64 "\ncpu1 %" PRId64 "\ntls1 %" PRIu64 " %" PRIu64 "\n", G.reg_lat.max, self_cpu_ns(),
		G.tls_handshakes, G.tls_resumed);
	if (O.reconnect && !W.storm) {
		cs_storm_begin();
		return;
	}
	wprintf("end1\n");
	W.phase1_sent = 1;
}

static void cs_closed(client_t *c, int kind, int was_ready)
{
	(void)c;
	(void)kind;
	if (!was_ready && setup_done_cb) {
		G.setup_failed++;
		check_setup_done();
	}
}

/* Give up on whatever is not ready by the setup deadline. */
static void cs_setup_deadline_cb(EV_P_ ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	if (!setup_done_cb)
		return;
	L.head = L.tail; /* nothing more starts */
	for (uint32_t i = 0; i < G.ncl; i++) {
		client_t *c = &G.cl[i];
		if (c->state == CS_IDLE) {
			static const char r[] = "not started before --setup-timeout";
			reasons[reason_intern(r, sizeof r - 1, 0)].count++;
			G.disc_unexplained++;
			G.setup_failed++;
		} else if (c->state < CS_READY && c->state != CS_CLOSED) {
			cl_close(c, "not ready before --setup-timeout");
		}
	}
	check_setup_done();
}

static void cs_cmd_cb(EV_P_ ev_io *w, int revents)
{
	char b[64];
	(void)revents;
	ssize_t n = read(w->fd, b, sizeof b);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	ev_break(EV_A_ EVBREAK_ALL); /* EOF (or anything): the hold is over */
}

/* how long connecting may take: --setup-timeout, plus N/rate when paced */
static double cs_setup_limit(void)
{
	return O.setup_timeout + (O.rate > 0 ? O.clients / O.rate : 0);
}

static void cs_worker(int id, uint32_t n, double rate, uint32_t pending, int in, int out)
{
	W.in = in;
	W.out = out;
	loop_init(n, 'c');
	/* distinct nicks across workers: the index space is split by worker id */
	for (uint32_t i = 0; i < n; i++)
		make_nick(&G.cl[i], 'c', (uint64_t)id * 1000000u + i);
	H = (hooks_t){.closed = cs_closed};
	fcntl(in, F_SETFL, O_NONBLOCK);
	ev_io_init(&W.cmd, cs_cmd_cb, in, EV_READ);
	ev_io_start(G.loop, &W.cmd);
	ev_timer sd;
	ev_timer_init(&sd, cs_setup_deadline_cb, cs_setup_limit(), 0);
	ev_timer_start(G.loop, &sd);
	setup_clients(n, rate, pending, cs_setup_done);
	ev_run(G.loop, 0);
	if (!W.phase1_sent) {
		setup_done_cb = NULL;
		if (W.storm)
			cs_storm_done();
		else
			cs_setup_done();
		if (!W.phase1_sent) { /* the storm never started */
			wprintf("end1\n");
			W.phase1_sent = 1;
		}
	}
	uint64_t still = 0;
	for (uint32_t i = 0; i < G.ncl; i++)
		if (G.cl[i].state == CS_READY)
			still++;
	teardown_all();
	wprintf("final %" PRId64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", self_cpu_ns(), G.disc_explained,
		G.disc_unexplained, still);
	if (CAPS.n)
		wprintf("caps %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", CAPS.capable,
			CAPS.acked_all, CAPS.acked_some, CAPS.naks, CAPS.none_offered, CAPS.no_reply);
	for (int i = 0; i < nreasons; i++)
		if (reasons[i].count)
			wprintf("reason %d %" PRIu64 " %s\n", reasons[i].explained, reasons[i].count, reasons[i].text);
	wprintf("end2\n");
	close(out);
	_exit(0);
}

static int hard_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_max > 10000000 ? 10000000 : (int)rl.rlim_max;
}

/* Read one '\n'-terminated line from a worker pipe (blocking, bounded by alarm). */
static int read_line(FILE *f, char *buf, size_t n)
{
	if (!fgets(buf, (int)n, f))
		return 0;
	buf[strcspn(buf, "\n")] = 0;
	return 1;
}

static int run_connection_stress(void)
{
	uint32_t N = (uint32_t)O.clients;
	if (!N)
		die("connection_stress needs --clients N");
	int limit = hard_nofile();
	uint32_t per = O.per_worker ? (uint32_t)O.per_worker : (uint32_t)(limit > 200 ? limit - 64 : limit / 2);
	if (per < 1)
		per = 1;
	uint32_t nw = (N + per - 1) / per;
	if (nw > 200)
		die("too many workers (%u)", nw);
	if (nw > 1 && G.dst.ss_family != AF_INET)
		die("more than %u clients needs IPv4 (several 127.0.0.x source addresses)", per);
	if (nw > 1 && O.reconnect)
		die("--reconnect: at most %u clients (one worker)", per);
	if (!O.duration_set)
		O.duration = 5;

	long rss0 = O.pid ? proc_rss_kb(O.pid) : -1;
	cpu_snap_t s0, s1, s2;
	cpu_snap(&s0);
	alarm((unsigned)(cs_setup_limit() + O.duration + 60));

	pid_t *pids = xcalloc(nw, sizeof(pid_t));
	int *to_w = xcalloc(nw, sizeof(int));
	FILE **from_w = xcalloc(nw, sizeof(FILE *));
	fflush(stdout);
	for (uint32_t w = 0; w < nw; w++) {
		uint32_t n = N / nw + (w < N % nw ? 1 : 0);
		int a[2], b[2];
		if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0)
			die("pipe: %s", strerror(errno));
		pid_t p = fork();
		if (p < 0)
			die("fork: %s", strerror(errno));
		if (p == 0) {
			close(a[1]);
			close(b[0]);
			for (uint32_t k = 0; k < w; k++) {
				close(to_w[k]);
				fclose(from_w[k]);
			}
			if (nw > 1 || O.source) {
				struct sockaddr_in *s = (struct sockaddr_in *)&G.src;
				memset(&G.src, 0, sizeof G.src);
				s->sin_family = AF_INET;
				inet_pton(AF_INET, O.source ? O.source : "127.0.0.2", &s->sin_addr);
				s->sin_addr.s_addr = htonl(ntohl(s->sin_addr.s_addr) + w);
				if ((ntohl(s->sin_addr.s_addr) >> 24) != 127)
					_exit(3);
				G.srclen = sizeof *s;
				G.have_src = 1;
			}
			alarm((unsigned)(cs_setup_limit() + O.duration + 50));
			cs_worker((int)w, n, O.rate / nw, (uint32_t)O.pending / nw + 1, a[0], b[1]);
		}
		close(a[0]);
		close(b[1]);
		pids[w] = p;
		to_w[w] = a[1];
		from_w[w] = fdopen(b[0], "r");
	}

	/* phase 1: every worker has connected (or given up on) its clients */
	uint64_t reg = 0, ready = 0, failed = 0, first = UINT64_MAX, last_reg = 0, last_ready = 0;
	hist_t *hr = xcalloc(1, sizeof *hr), *hs = xcalloc(1, sizeof *hs);
	int64_t gen_cpu1 = 0;
	uint64_t tls_hs = 0, tls_res = 0, st[8] = {0};
	int stormed = 0;
	char line[512];
	for (uint32_t w = 0; w < nw; w++) {
		while (read_line(from_w[w], line, sizeof line)) {
			unsigned long long a, b, c, d, e, f;
			unsigned idx;
			if (sscanf(line, "phase1 %llu %llu %llu %llu %llu %llu", &a, &b, &c, &d, &e, &f) == 6) {
				reg += a;
				ready += b;
				failed += c;
				if (d && d < first)
					first = d;
				if (e > last_reg)
					last_reg = e;
				if (f > last_ready)
					last_ready = f;
			} else if (sscanf(line, "h %u %llu", &idx, &a) == 2 && idx < H_BUCKETS) {
				hr->b[idx] += a;
				hr->n += a;
			} else if (sscanf(line, "tls1 %llu %llu", &a, &b) == 2) {
				tls_hs += a;
				tls_res += b;
			} else if (!strncmp(line, "storm ", 6)) {
				unsigned long long v[8];
				if (sscanf(line + 6, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
					   &v[4], &v[5], &v[6], &v[7]) == 8) {
					for (int k = 0; k < 8; k++)
						st[k] = v[k];
					stormed = 1;
				}
			} else if (sscanf(line, "sh %u %llu", &idx, &a) == 2 && idx < H_BUCKETS) {
				hs->b[idx] += a;
				hs->n += a;
			} else if (sscanf(line, "shmax %llu", &a) == 1) {
				hs->max = a;
			} else if (sscanf(line, "cpu1 %llu", &a) == 1) {
				gen_cpu1 += (int64_t)a;
			} else if (sscanf(line, "hmax %llu", &a) == 1) {
				if (a > hr->max)
					hr->max = a;
			} else if (!strcmp(line, "end1")) {
				break;
			}
		}
	}
	cpu_snap(&s1);
	long rss1 = O.pid ? proc_rss_kb(O.pid) : -1;

	/* hold: the clients sit idle (answering PINGs) */
	struct timespec ts = {(time_t)O.duration, (long)((O.duration - floor(O.duration)) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	cpu_snap(&s2);
	long rss2 = O.pid ? proc_rss_kb(O.pid) : -1;

	for (uint32_t w = 0; w < nw; w++)
		close(to_w[w]);
	int64_t gen_cpu = 0;
	uint64_t still = 0;
	for (uint32_t w = 0; w < nw; w++) {
		while (read_line(from_w[w], line, sizeof line)) {
			long long cpu;
			unsigned long long a, b, c, d1, e1, f1;
			int ex, off = 0;
			if (sscanf(line, "final %lld %llu %llu %llu", &cpu, &a, &b, &c) == 4) {
				gen_cpu += cpu;
				G.disc_explained += a;
				G.disc_unexplained += b;
				still += c;
			} else if (sscanf(line, "caps %llu %llu %llu %llu %llu %llu", &a, &b, &c, &d1, &e1, &f1) == 6) {
				CAPS.capable += a;
				CAPS.acked_all += b;
				CAPS.acked_some += c;
				CAPS.naks += d1;
				CAPS.none_offered += e1;
				CAPS.no_reply += f1;
			} else if (sscanf(line, "reason %d %llu %n", &ex, &a, &off) == 2 && off) {
				reasons[reason_intern(line + off, strlen(line + off), ex)].count += a;
			} else if (!strcmp(line, "end2")) {
				break;
			}
		}
		fclose(from_w[w]);
	}
	int bad_exit = 0;
	for (uint32_t w = 0; w < nw; w++) {
		int st;
		if (waitpid(pids[w], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			bad_exit++;
	}
	alarm(0);

	print_head();
	kv("clients", "%u", N);
	kv("workers", "%u", nw);
	kv("clients_per_worker_max", "%u", per);
	kv("source_addresses", "%s", nw > 1 || O.source ? "127.0.0.2 + worker index" : "kernel default");
	kv("rate_limit_per_s", "%.0f", O.rate);
	kv("registered", "%" PRIu64, reg);
	kv("ready", "%" PRIu64, ready);
	kv("failed", "%" PRIu64, failed);
	double span_reg = last_reg > first ? (double)(last_reg - first) / 1e9 : 0;
	double span_ready = last_ready > first ? (double)(last_ready - first) / 1e9 : 0;
	kv("time_to_all_registered_s", "%.3f", span_reg);
	kv("time_to_all_ready_s", "%.3f", span_ready);
	kv("registrations_per_s", "%.0f", span_reg > 0 ? (double)reg / span_reg : 0);
	print_hist("connect_to_001", hr, 1e6, "ms");
	kv("hold_s", "%.1f", O.duration);
	kv("still_connected_at_end", "%" PRIu64, still);
	G.tls_handshakes = tls_hs; /* print_tail says them */
	G.tls_resumed = tls_res;
	if (O.reconnect) {
		kv("storm_gap_s", "%.1f", O.reconnect_gap);
		kv("storm_registered", "%" PRIu64, st[0]);
		kv("storm_ready", "%" PRIu64, st[1]);
		kv("storm_failed", "%" PRIu64, st[2]);
		double sr = stormed && st[4] > st[3] ? (double)(st[4] - st[3]) / 1e9 : 0;
		double sy = stormed && st[5] > st[3] ? (double)(st[5] - st[3]) / 1e9 : 0;
		kv("storm_time_to_all_registered_s", "%.3f", sr);
		kv("storm_time_to_all_ready_s", "%.3f", sy);
		kv("storm_registrations_per_s", "%.0f", sr > 0 ? (double)st[0] / sr : 0);
		print_hist("storm_connect_to_001", hs, 1e6, "ms");
		if (O.tls) {
			kv("storm_tls_offered", "%" PRIu64, st[7]);
			kv("storm_tls_resumed", "%" PRIu64, st[6]);
		}
		if (!stormed)
			fail("the reconnect storm did not complete");
		else if (st[1] < ready)
			fail("%" PRIu64 " of %" PRIu64 " clients did not get ready again in the storm", ready - st[1], ready);
	}
	kv("gen_cpu_pct_connect", "%.1f", 100.0 * (double)gen_cpu1 / (double)(s1.wall - s0.wall));
	kv("gen_cpu_pct", "%.1f", 100.0 * (double)gen_cpu / (double)(s2.wall - s0.wall));
	if (O.pid) {
		kv("server_rss_before_kb", "%ld", rss0);
		kv("server_rss_after_kb", "%ld", rss1);
		kv("server_rss_end_kb", "%ld", rss2);
		if (ready && rss0 >= 0 && rss2 >= 0)
			kv("server_kb_per_client", "%.2f", (double)(rss2 - rss0) / (double)ready);
		if (s0.srv >= 0 && s1.srv >= 0 && s2.srv >= 0) {
			kv("server_cpu_pct_connect", "%.1f",
			   100.0 * (double)(s1.srv - s0.srv) / (double)(s1.wall - s0.wall));
			kv("server_cpu_pct_hold", "%.1f", 100.0 * (double)(s2.srv - s1.srv) / (double)(s2.wall - s1.wall));
		}
	}
	if (s0.others >= 0 && s1.others >= 0) {
		double other = 100.0 * (double)(s1.others - s0.others) / (double)(s1.wall - s0.wall);
		kv("other_cpu_pct_connect", "%.1f", other < 0 ? 0 : other);
	}
	if (bad_exit)
		fail("%d worker(s) did not exit cleanly", bad_exit);
	return print_tail();
}

/* --------------------------------------------------------------- fairness */

/*
 * One flooder among quiet clients. The flooder is a child process of its own
 * (so that its traffic does not delay the quiet clients' event loop): it keeps
 * its socket full of "PRIVMSG <itself> :..." (or "PING :...") lines, at most
 * --flood-window lines ahead of the replies it has read back. The quiet
 * clients send "PING :Q<16 hex ns>" at a paced total --rate and time each
 * PONG. Two windows: without the flood, then with it. Parent and child talk
 * over two pipes: the child says "R" (ready), "C recv bytes_out t cpu"
 * (snapshot), "D explained count reason" (its client was lost), "E ..." (done);
 * the parent says "G" (flood), "S" (snapshot), "Q" (stop).
 */

static struct {
	int in, out;
	ev_io cmd;
	int flooding;
	char *block;
	size_t block_len, line_len;
	uint32_t block_lines;
	uint64_t queued, recv, bytes0;
} FL;

static void fl_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fl_say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		wr_all(FL.out, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* Keep the output buffer full: whole lines only, so that a PONG to a server
 * PING or the final QUIT never lands inside a flood line. */
static void fl_topup(client_t *c)
{
	while (FL.flooding && c->state == CS_READY && !c->write_dead && c->olen - c->ooff < 4 * FL.block_len &&
	       FL.queued < FL.recv + (uint64_t)O.flood_window) {
		uint64_t k = FL.recv + (uint64_t)O.flood_window - FL.queued;
		if (k > FL.block_lines)
			k = FL.block_lines;
		cl_send(c, FL.block, (size_t)k * FL.line_len);
		FL.queued += k;
	}
}

static void fl_io_cb(EV_P_ ev_io *w, int revents)
{
	io_cb(EV_A_ w, revents);
	client_t *c = (client_t *)w;
	if (c->state == CS_READY)
		fl_topup(c);
}

/* replies to the flood: counted once it has started */
static void fl_count_pm(client_t *c, char *args, char *end)
{
	(void)c;
	(void)args;
	(void)end;
	if (FL.flooding)
		FL.recv++;
}

static void fl_count_num(client_t *c, int code, char *args, char *end)
{
	(void)c;
	(void)code;
	(void)args;
	(void)end;
	if (FL.flooding)
		FL.recv++;
}

static void fl_count_other(client_t *c, const char *src, size_t srclen, char *cmd, char *end)
{
	(void)c;
	(void)src;
	(void)srclen;
	(void)cmd;
	(void)end;
	if (FL.flooding)
		FL.recv++;
}

static void fl_after_read(client_t *c)
{
	fl_topup(c);
}

static void fl_report_losses(void)
{
	for (int i = 0; i < nreasons; i++)
		if (reasons[i].count)
			fl_say("D %d %" PRIu64 " %s\n", reasons[i].explained, reasons[i].count, reasons[i].text);
	for (int i = 0; i < nreasons; i++)
		reasons[i].count = 0;
}

static void fl_closed(client_t *c, int kind, int was_ready)
{
	(void)c;
	FL.flooding = 0;
	if (kind != CLOSED_EXPECTED)
		fl_report_losses();
	if (!was_ready) {
		G.setup_failed++;
		check_setup_done();
	}
}

static void fl_setup_done(void)
{
	client_t *c = &G.cl[0];
	if (G.setup_failed || c->state != CS_READY) {
		fl_say("X\n");
		return;
	}
	char line[512];
	int hl = !strcmp(O.flood, "ping") ? snprintf(line, sizeof line, "PING :F")
					  : snprintf(line, sizeof line, "PRIVMSG %s :F", c->nick);
	size_t n = (size_t)hl;
	for (int i = 1; i < O.size; i++)
		line[n++] = (char)('a' + i % 26);
	line[n++] = '\r';
	line[n++] = '\n';
	FL.line_len = n;
	FL.block_lines = (uint32_t)(65536 / n);
	FL.block_len = FL.block_lines * n;
	FL.block = xcalloc(1, FL.block_len);
	for (uint32_t i = 0; i < FL.block_lines; i++)
		memcpy(FL.block + i * n, line, n);
	ev_set_cb(&c->io, fl_io_cb);
	fl_say("R %zu\n", n);
}

static void fl_cmd_cb(EV_P_ ev_io *w, int revents)
{
	char b[64];
	(void)revents;
	ssize_t n = read(w->fd, b, sizeof b);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* the parent is gone */
		ev_break(EV_A_ EVBREAK_ALL);
		return;
	}
	client_t *c = &G.cl[0];
	for (ssize_t i = 0; i < n; i++) {
		switch (b[i]) {
		case 'G':
			FL.flooding = 1;
			FL.bytes0 = G.bytes_out;
			fl_topup(c);
			break;
		case 'S':
			fl_say("C %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 "\n", FL.recv, G.bytes_out - FL.bytes0,
			       now_ns(), self_cpu_ns());
			break;
		case 'Q':
			FL.flooding = 0;
			fl_say("E %" PRIu64 " %" PRIu64 "\n", FL.recv, G.bytes_out - FL.bytes0);
			c->quitting = 1;
			c->write_dead = 1; /* no QUIT behind a partly written flood line */
			ev_break(EV_A_ EVBREAK_ALL);
			return;
		}
	}
}

static void fl_child(int in, int out)
{
	FL.in = in;
	FL.out = out;
	loop_init(1, 'z');
	H = (hooks_t){.privmsg = fl_count_pm, .numeric = fl_count_num, .other = fl_count_other,
		      .closed = fl_closed, .after_read = fl_after_read};
	fcntl(in, F_SETFL, O_NONBLOCK);
	ev_io_init(&FL.cmd, fl_cmd_cb, in, EV_READ);
	ev_set_priority(&FL.cmd, EV_MAXPRI);
	ev_io_start(G.loop, &FL.cmd);
	setup_clients(1, 0, 1, fl_setup_done);
	ev_run(G.loop, 0);
	G.cl[0].quitting = 1;
	teardown_all();
	fl_report_losses();
	close(out);
	_exit(0);
}

/* The parent: quiet clients, windows, report. */

typedef struct {
	uint64_t recv, bytes, t;
	int64_t cpu;
	int have;
} fl_snap_t;

static struct {
	uint32_t N;
	int phase; /* 0 setup, 1 warmup, 2 window, 3 flood warmup, 4 flood window, 5 drain */
	int child_ready, quiet_ready, child_done;
	pid_t child;
	int to_child, from_child;
	ev_io pipe_io;
	char pbuf[1024];
	size_t plen;
	size_t line_len;
	hist_t h[2], *cur;
	uint64_t sent, recv, rr;
	uint64_t s0, r0, w_sent[2], w_recv[2];
	cpu_snap_t c0[2], c1[2];
	fl_snap_t fs[2];
	int nfs;
	pacer_t pacer;
	ev_timer tm;
	uint64_t drain_until, t_start;
} FR;

static void fr_tell(const char *cmd)
{
	if (FR.to_child >= 0)
		wr_all(FR.to_child, cmd, strlen(cmd));
}

static void fr_fire(uint64_t n)
{
	while (n--) {
		client_t *c = &G.cl[FR.rr++ % FR.N];
		if (c->state != CS_READY)
			continue;
		char *p = cl_reserve(c, 25);
		if (!p)
			continue;
		memcpy(p, "PING :Q0000000000000000\r\n", 25);
		if (c->n_ts < TS_SLOTS)
			c->ts_off[c->n_ts++] = c->olen + 7;
		else
			put_hex(p + 7, now_ns(), 16);
		c->olen += 25;
		cl_mark_dirty(c);
		FR.sent++;
	}
}

static void fr_other(client_t *c, const char *src, size_t srclen, char *cmd, char *end)
{
	uint64_t ts;
	(void)c;
	(void)src;
	(void)srclen;
	if (end - cmd < 5 + 17 || memcmp(cmd, "PONG ", 5) || end[-17] != 'Q' || !get_hex(end - 16, 16, &ts))
		return;
	FR.recv++;
	if (G.lat_on && G.read_ns >= ts)
		h_add(FR.cur, G.read_ns - ts);
}

static void fr_timer(double after, void (*cb)(EV_P_ ev_timer *, int));

static void fr_drain_cb(EV_P_ ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	if ((FR.recv >= FR.sent && FR.child_done) || now_ns() >= FR.drain_until) {
		ev_timer_stop(EV_A_ & FR.tm);
		ev_break(EV_A_ EVBREAK_ALL);
	}
}

static void fr_window_end(int k)
{
	FR.w_sent[k] = FR.sent - FR.s0;
	FR.w_recv[k] = FR.recv - FR.r0;
	cpu_snap(&FR.c1[k]);
	G.lat_on = 0;
}

static void fr_window_start(int k)
{
	FR.cur = &FR.h[k];
	FR.s0 = FR.sent;
	FR.r0 = FR.recv;
	cpu_snap(&FR.c0[k]);
	G.lat_on = 1;
}

static void fr_step_cb(EV_P_ ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	switch (FR.phase) {
	case 1: /* warmup over: the window without flood */
		FR.phase = 2;
		fr_window_start(0);
		fr_timer(O.duration, fr_step_cb);
		break;
	case 2: /* start the flood */
		fr_window_end(0);
		FR.phase = 3;
		fr_tell("G");
		fr_timer(O.warmup > 0 ? O.warmup : 1e-6, fr_step_cb);
		break;
	case 3:
		FR.phase = 4;
		fr_tell("S");
		fr_window_start(1);
		fr_timer(O.duration, fr_step_cb);
		break;
	case 4:
		fr_window_end(1);
		fr_tell("SQ");
		FR.phase = 5;
		pacer_stop(&FR.pacer);
		FR.drain_until = now_ns() + (uint64_t)(O.drain * 1e9);
		ev_timer_stop(G.loop, &FR.tm);
		ev_timer_init(&FR.tm, fr_drain_cb, 0.01, 0.01);
		ev_timer_start(G.loop, &FR.tm);
		break;
	}
}

static void fr_timer(double after, void (*cb)(EV_P_ ev_timer *, int))
{
	ev_timer_stop(G.loop, &FR.tm);
	ev_timer_init(&FR.tm, cb, after, 0);
	ev_timer_start(G.loop, &FR.tm);
}

static void fr_maybe_start(void)
{
	if (FR.phase || !FR.child_ready || !FR.quiet_ready)
		return;
	FR.phase = 1;
	pacer_start(&FR.pacer, O.rate, fr_fire);
	fr_timer(O.warmup > 0 ? O.warmup : 1e-6, fr_step_cb);
}

static void fr_child_line(char *line)
{
	unsigned long long a, b, t;
	long long cpu;
	int ex, off = 0;
	size_t ll;
	switch (line[0]) {
	case 'R':
		if (sscanf(line, "R %zu", &ll) == 1)
			FR.line_len = ll;
		FR.child_ready = 1;
		fr_maybe_start();
		break;
	case 'X':
		fail("the flooder did not get ready");
		ev_break(G.loop, EVBREAK_ALL);
		break;
	case 'C':
		if (FR.nfs < 2 && sscanf(line, "C %llu %llu %llu %lld", &a, &b, &t, &cpu) == 4)
			FR.fs[FR.nfs++] = (fl_snap_t){a, b, t, cpu, 1};
		break;
	case 'D':
		if (sscanf(line, "D %d %llu %n", &ex, &a, &off) == 2 && off) {
			char r[160];
			int n = snprintf(r, sizeof r, "flooder: %s", line + off);
			reasons[reason_intern(r, (size_t)n < sizeof r ? (size_t)n : sizeof r - 1, ex)].count += a;
			if (ex)
				G.disc_explained += a;
			else
				G.disc_unexplained += a;
		}
		break;
	case 'E':
		FR.child_done = 1;
		break;
	}
}

static void fr_pipe_cb(EV_P_ ev_io *w, int revents)
{
	(void)revents;
	ssize_t n = read(w->fd, FR.pbuf + FR.plen, sizeof FR.pbuf - 1 - FR.plen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		ev_io_stop(EV_A_ w);
		if (!FR.child_done && FR.phase < 5) {
			fail("the flooder process ended early");
			ev_break(EV_A_ EVBREAK_ALL);
		}
		FR.child_done = 1;
		return;
	}
	FR.plen += (size_t)n;
	FR.pbuf[FR.plen] = 0;
	char *p = FR.pbuf, *nl;
	while ((nl = strchr(p, '\n'))) {
		*nl = 0;
		fr_child_line(p);
		p = nl + 1;
	}
	FR.plen = strlen(p);
	memmove(FR.pbuf, p, FR.plen);
	if (FR.plen == sizeof FR.pbuf - 1)
		FR.plen = 0; /* no such long line: drop it */
}

static void fr_setup_done(void)
{
	if (G.setup_failed)
		return abort_setup();
	FR.quiet_ready = 1;
	fr_maybe_start();
}

static void fr_closed(client_t *c, int kind, int was_ready)
{
	(void)c;
	(void)kind;
	if (!was_ready) {
		G.setup_failed++;
		check_setup_done();
	}
}

static void fr_print_window(const char *prefix, int k)
{
	char key[64];
	double win = FR.c1[k].wall > FR.c0[k].wall ? (double)(FR.c1[k].wall - FR.c0[k].wall) / 1e9 : 0;
	print_hist(prefix, &FR.h[k], 1000.0, "us");
	snprintf(key, sizeof key, "%s_pongs_per_s", prefix);
	kv(key, "%.0f", win > 0 ? (double)FR.w_recv[k] / win : 0);
	if (O.pid && FR.c0[k].srv >= 0 && FR.c1[k].srv >= 0 && win > 0) {
		snprintf(key, sizeof key, "%s_server_cpu_pct", prefix);
		kv(key, "%.1f", 100.0 * (double)(FR.c1[k].srv - FR.c0[k].srv) / (win * 1e9));
	}
}

static int run_fairness(void)
{
	FR.N = O.clients ? (uint32_t)O.clients : 50;
	if (FR.N > 19000)
		die("fairness needs --clients <= 19000");
	if (O.rate <= 0)
		O.rate = 1000;
	FR.t_start = now_ns();
	int a[2], b[2];
	if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	fflush(stdout);
	FR.child = fork();
	if (FR.child < 0)
		die("fork: %s", strerror(errno));
	if (FR.child == 0) {
		close(a[1]);
		close(b[0]);
		alarm((unsigned)(O.setup_timeout + 2 * (O.warmup + O.duration) + O.drain + 50));
		fl_child(a[0], b[1]);
	}
	close(a[0]);
	close(b[1]);
	FR.to_child = a[1];
	FR.from_child = b[0];
	fcntl(FR.from_child, F_SETFL, O_NONBLOCK);
	loop_init(FR.N, 'q');
	ev_io_init(&FR.pipe_io, fr_pipe_cb, FR.from_child, EV_READ);
	ev_set_priority(&FR.pipe_io, EV_MAXPRI);
	ev_io_start(G.loop, &FR.pipe_io);
	H = (hooks_t){.other = fr_other, .closed = fr_closed};
	setup_clients(FR.N, 0, (uint32_t)O.pending, fr_setup_done);
	start_deadline(O.setup_timeout + 2 * (O.warmup + O.duration) + O.drain + 15);
	ev_run(G.loop, 0);
	teardown_all();
	if (!FR.child_done)
		fr_tell("Q");
	close(FR.to_child);
	FR.to_child = -1;
	/* the child's last words (losses), then its exit */
	fcntl(FR.from_child, F_SETFL, 0);
	{
		char buf[512];
		FILE *f = fdopen(FR.from_child, "r");
		while (f && read_line(f, buf, sizeof buf))
			fr_child_line(buf);
		if (f)
			fclose(f);
	}
	int st;
	if (waitpid(FR.child, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("the flooder process did not exit cleanly (%s %d)", WIFEXITED(st) ? "exit" : "signal",
		     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));

	print_head();
	kv("quiet_clients", "%u", FR.N);
	kv("quiet_rate_per_s", "%.0f", O.rate);
	kv("flood", "%s", !strcmp(O.flood, "ping") ? "PING :<text>" : "PRIVMSG <itself> :<text>");
	kv("flood_line_bytes", "%zu", FR.line_len);
	kv("flood_window_lines", "%d", O.flood_window);
	kv("setup_s", "%.3f", (double)(G.t_setup1 - G.t_setup0) / 1e9);
	kv("warmup_s", "%.2f", O.warmup);
	kv("duration_s", "%.3f", FR.c1[1].wall > FR.c0[1].wall ? (double)(FR.c1[1].wall - FR.c0[1].wall) / 1e9 : 0);
	if (FR.c0[1].wall)
		kv("window_start_s", "%.3f", (double)(FR.c0[1].wall - FR.t_start) / 1e9);
	fr_print_window("quiet_latency", 0);
	fr_print_window("flooded_latency", 1);
	if (FR.h[0].n && FR.h[1].n) {
		double p50a = (double)h_pct(&FR.h[0], .5), p99a = (double)h_pct(&FR.h[0], .99);
		kv("flooded_over_quiet_p50", "%.2f", p50a > 0 ? (double)h_pct(&FR.h[1], .5) / p50a : 0);
		kv("flooded_over_quiet_p99", "%.2f", p99a > 0 ? (double)h_pct(&FR.h[1], .99) / p99a : 0);
	}
	if (FR.fs[0].have && FR.fs[1].have && FR.fs[1].t > FR.fs[0].t) {
		double s = (double)(FR.fs[1].t - FR.fs[0].t) / 1e9;
		kv("flood_lines_per_s", "%.0f", (double)(FR.fs[1].recv - FR.fs[0].recv) / s);
		kv("flood_lines_sent_per_s", "%.0f",
		   FR.line_len ? (double)(FR.fs[1].bytes - FR.fs[0].bytes) / (double)FR.line_len / s : 0);
		kv("flooder_cpu_pct", "%.1f", 100.0 * (double)(FR.fs[1].cpu - FR.fs[0].cpu) / (s * 1e9));
		if (FR.fs[1].recv == FR.fs[0].recv)
			fail("nothing the flooder sent was answered during the window");
	} else if (!G.failed) {
		fail("no flood figures from the flooder process");
	}
	kv("total_pings", "%" PRIu64, FR.sent);
	kv("total_pongs", "%" PRIu64, FR.recv);
	kv("missing_pongs", "%" PRId64, (int64_t)(FR.sent - FR.recv));
	if (FR.c1[1].wall)
		print_cpu(&FR.c0[1], &FR.c1[1]);
	else if (!G.failed)
		fail("measurement did not complete");
	if (FR.recv < FR.sent && !G.disc_explained && !G.disc_unexplained)
		fail("%" PRIu64 " PONGs missing after a %.1f s drain", FR.sent - FR.recv, O.drain);
	return print_tail();
}

/* ------------------------------------------------------------------- main */

static void resolve_target(void)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&G.dst;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&G.dst;
	const char *h = strcmp(O.host, "localhost") ? O.host : "127.0.0.1";
	memset(&G.dst, 0, sizeof G.dst);
	if (inet_pton(AF_INET, h, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)O.port);
		G.dstlen = sizeof *s4;
		if ((ntohl(s4->sin_addr.s_addr) >> 24) != 127)
			die("refusing %s: only loopback targets (127.0.0.0/8, ::1)", O.host);
	} else if (inet_pton(AF_INET6, h, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)O.port);
		G.dstlen = sizeof *s6;
		if (!IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
			die("refusing %s: only loopback targets (127.0.0.0/8, ::1)", O.host);
	} else {
		die("--host must be a numeric loopback address");
	}
	/* --port2: the same host, another (linked) server's port. */
	G.dst2 = G.dst;
	if (O.port2 > 0 && G.dst.ss_family == AF_INET)
		((struct sockaddr_in *)&G.dst2)->sin_port = htons((uint16_t)O.port2);
	else if (O.port2 > 0)
		((struct sockaddr_in6 *)&G.dst2)->sin6_port = htons((uint16_t)O.port2);
	if (O.source) {
		struct in_addr a;
		if (inet_pton(AF_INET, O.source, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127)
			die("--source must be an IPv4 loopback address");
		if (G.dst.ss_family != AF_INET)
			die("--source needs an IPv4 target");
	}
}

int main(int argc, char **argv)
{
	parse_opts(argc, argv);
	memset(unhex, -1, sizeof unhex);
	for (int i = 0; i < 16; i++) {
		unhex[(unsigned char)HEX[i]] = (signed char)i;
		unhex[(unsigned char)toupper(HEX[i])] = (signed char)i;
	}
	resolve_target();
	caps_parse();
	tls_init();
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	hard_nofile();
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0); /* 1 us: precise pacing */
	uint64_t seed = now_ns() ^ ((uint64_t)getpid() << 32);
	rng_state ^= seed;
	base36(G.tag, (seed >> 7) % (36 * 36), 2);
	G.tag[2] = 0;
	if (O.pid && proc_rss_kb(O.pid) < 0)
		die("--pid %d: cannot read /proc/%d/status", O.pid, O.pid);

	const char *s = O.scenario;
	int rc = 2;
	if (!strcmp(s, "connection_stress"))
		rc = run_connection_stress();
	else {
		/* a last resort, should a phase timer never fire */
		alarm((unsigned)(O.setup_timeout + O.warmup + O.duration + O.drain + O.iterations * 2 + 60));
		if (!strcmp(s, "message_throughput"))
			rc = run_message_throughput();
		else if (!strcmp(s, "channel_load"))
			rc = run_channel_load();
		else if (!strcmp(s, "join_storm"))
			rc = run_join_storm();
		else if (!strcmp(s, "mixed_workload"))
			rc = run_mixed(0);
		else if (!strcmp(s, "memory_leak"))
			rc = run_mixed(1);
		else if (!strcmp(s, "fairness"))
			rc = run_fairness();
		else {
			fprintf(stderr, "evload: unknown scenario '%s'\n", s);
			usage();
		}
	}
	return rc;
}
