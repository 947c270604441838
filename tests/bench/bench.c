/* bench.c - micro-benchmarks of the hot paths: median ns/op over runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/casemap.h"
#include "base/conf.h"
#include "base/hash.h"
#include "base/match.h"
#include "base/util.h"
#include "net/conn.h"
#include "net/line.h"
#include "net/msgbuf.h"
#include "net/reactor.h"
#include "net/websocket.h"
#include "net/worker.h"
#include "proto/history_record.h"
#include "proto/outmsg.h"
#include "proto/parse.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"
#include "store/history.h"
#include "store/store.h"

#define RUNS 9

static double
seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Run fn(iters) RUNS times; print the median ns per op. */
static void
bench(const char *group, const char *name, void (*fn)(long), long iters, long ops_per_iter)
{
	double t[RUNS];

	fn(iters / 10); /* warm caches */
	for (int r = 0; r < RUNS; r++) {
		double start = seconds();
		fn(iters);
		t[r] = (seconds() - start) * 1e9 / ((double)iters * (double)ops_per_iter);
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	printf("%s/%s: %.1f ns/op\n", group, name, t[RUNS / 2]);
	fflush(stdout);
}

static volatile long sink;

/* message_parsing */
static const char sample_line[] =
    "@label=abc;+draft/react=x :nick!user@host PRIVMSG #channel :Hello there, how is it going?";

static void
b_parse(long n)
{
	char line[sizeof(sample_line)];
	struct irc_msg m;

	for (long i = 0; i < n; i++) {
		memcpy(line, sample_line, sizeof(line));
		irc_parse(line, sizeof(line) - 1, IRC_CLIENT_TAGS_MAX, &m);
		sink += m.argc;
	}
}

static enum line_action
count_line(void *arg, char *line, size_t len)
{
	*(long *)arg += (long)len;
	return LINE_NEXT;
}

static void
b_frame(long n)
{
	static char buf[4096];
	size_t len = 0;

	for (int i = 0; i < 40; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "PRIVMSG #c :line %d\r\n",
		                        i);
	for (long i = 0; i < n; i++) {
		char copy[4096];
		memcpy(copy, buf, len);
		long total = 0;
		sink += (long)line_frame(copy, len, count_line, &total) + total;
	}
}

/* message_serialization */
static void
b_format(long n)
{
	char out[OUT_LINE_MAX + 1];

	for (long i = 0; i < n; i++)
		sink += (long)line_format(out, ":nick!user@host ", "PRIVMSG %s :%s", "#channel",
		                          "Hello there, how is it going?");
}

static struct client *bench_client;

static void
b_outmsg_plain(long n)
{
	for (long i = 0; i < n; i++) {
		struct outmsg *om = msg_from(bench_client, "PRIVMSG #c :%s", "hello world");
		sink += outmsg_flavour(om, 0)->len;
		msg_release(om);
	}
}

static void
b_outmsg_tagged(long n)
{
	for (long i = 0; i < n; i++) {
		struct outmsg *om = msg_from(bench_client, "PRIVMSG #c :%s", "hello world");
		sink += outmsg_flavour(om, 0)->len;
		sink += outmsg_flavour(om, TAG_TIME | TAG_MSGID)->len;
		msg_release(om);
	}
}

/* database */
#define DB_USERS 100000
static struct client **users;

static void
b_nick_lookup(long n)
{
	for (long i = 0; i < n; i++)
		sink += client_find_nick(users[(i * 7919) % DB_USERS]->nick) != NULL;
}

static struct channel *big;

static void
b_member_lookup(long n)
{
	for (long i = 0; i < n; i++)
		sink += channel_member(big, users[(i * 31) % 2000]) != NULL;
}

/* cache */
static void
b_ban_cached(long n)
{
	for (long i = 0; i < n; i++) {
		struct membership *m = big->members[i % big->nmembers];
		sink += channel_is_banned(big, m->client, m);
	}
}

static void
b_ban_uncached(long n)
{
	for (long i = 0; i < n; i++)
		sink += channel_is_banned(big, big->members[i % big->nmembers]->client, NULL);
}

/* broadcast: queue one message to 1,000 local members (no sockets touched). */
static void
b_broadcast(long n)
{
	for (long i = 0; i < n; i++) {
		struct outmsg *om = msg_from(bench_client, "PRIVMSG #big :%s", "hello");
		send_channel(big, NULL, om, 0);
		msg_release(om);
		for (uint32_t k = 0; k < big->nmembers; k++)
			sendq_free(&big->members[k]->client->local->conn->sendq);
	}
}

/* The same, with every other member wanting server-time and msgid tags. */
static void
b_broadcast_mixed_tags(long n)
{
	for (uint32_t k = 0; k < big->nmembers; k++)
		big->members[k]->client->local->tags_wanted =
		    (k & 1) ? TAG_TIME | TAG_MSGID : 0;
	b_broadcast(n);
	for (uint32_t k = 0; k < big->nmembers; k++)
		big->members[k]->client->local->tags_wanted = 0;
}

/* batch_optimizer: coalescing small replies and writing them as iovecs. */
static void
b_sendq_coalesce(long n)
{
	struct sendq q;
	struct iovec iov[64];

	sendq_init(&q);
	for (long i = 0; i < n; i++) {
		sendq_append(&q, ":irc.test 353 nick = #c :a b c d e f\r\n", 38);
		if (q.bytes > 8192) {
			int k = sendq_iov(&q, iov, 64);
			sink += k;
			sendq_consume(&q, q.bytes);
		}
	}
	sendq_free(&q);
}

/* validation */
static void
b_nick_valid(long n)
{
	static const char *nicks[] = {"alice", "Bob[away]", "9bad", "a-very-long-nick-name",
	                              "x|y"};
	for (long i = 0; i < n; i++)
		sink += nick_valid(nicks[i % 5], 30);
}

static void
b_channel_valid(long n)
{
	for (long i = 0; i < n; i++)
		sink += channel_name_valid("#evircd-development", 50);
}

/* user_modes: mask matching and mode strings */
static void
b_mask_match(long n)
{
	for (long i = 0; i < n; i++)
		sink += mask_match("*!*@*.example.com", "someone!user@host42.example.com");
}

static void
b_mode_string(long n)
{
	char buf[128];
	for (long i = 0; i < n; i++) {
		channel_mode_string(big, 1, buf, sizeof(buf));
		sink += buf[1];
	}
}

static void
setup(void)
{
	static struct conf_class cls = {.sendq = 1 << 30, .recvq = 16384};
	char nick[32];

	clock_update();
	server_init("irc.bench", "0BN", "bench");
	client_tables_init();
	channel_tables_init();
	users = xcalloc(DB_USERS, sizeof(*users));
	for (int i = 0; i < DB_USERS; i++) {
		users[i] = client_new_local(NULL, "127.0.0.1");
		snprintf(nick, sizeof(nick), "user%d", i);
		client_set_nick(users[i], nick, now);
		str_copy(users[i]->user, "~u", sizeof(users[i]->user));
		client_register(users[i]);
	}
	bench_client = users[0];
	big = channel_create("#big");
	for (int i = 0; i < 1000; i++) {
		struct conn *cn = xcalloc(1, sizeof(*cn));
		cn->class = &cls;
		cn->state = CONN_REGISTERED;
		cn->flags = CONN_IN_FLUSH_LIST; /* keep them off the real flush list */
		users[i]->local->conn = cn;
		channel_add(big, users[i], 0);
	}
	for (int i = 0; i < 20; i++) {
		snprintf(nick, sizeof(nick), "*!*@bad%d.example.net", i);
		channel_ban_add(big, BAN_LIST_BAN, nick, "bench");
	}
}

/*
 * history: messages/s through the real path (append on the loop, batched
 * transactions on the history lane) into a scratch sqlite database.
 */
static void
bench_history(void)
{
	static struct config c;
	char path[] = "/tmp/evircd-bench-XXXXXX";
	int fd = mkstemp(path);
	const long n = 200000;
	struct channel *ch = channel_create("#hist");
	double start, secs;

	close(fd);
	unlink(path);
	c.database_path = path;
	c.history = (struct conf_history){
	    .enabled = 1,
	    .max_age = 86400,
	    .max_per_target = 1000000,
	    .flush_interval = 100,
	    .write_backlog = 1000000}; /* all of it queued at once: none may be dropped */
	reactor_init();
	if (store_open(path) != 0 || history_open(&c) != 0) {
		printf("history/write: unavailable\n");
		return;
	}
	worker_start();
	channel_add(ch, bench_client, 0);
	start = seconds();
	for (long i = 0; i < n; i++) {
		struct outmsg *om = msg_from(bench_client, "PRIVMSG #hist :message %ld", i);
		history_record_channel(ch, bench_client, "PRIVMSG", om);
		msg_release(om);
	}
	while (history_written() + history_unwritten() < (uint64_t)n)
		reactor_run_once();
	if (history_unwritten() > 0)
		printf("history/write_batched: %llu of %ld not written\n",
		       (unsigned long long)history_unwritten(), n);
	secs = seconds() - start;
	printf("history/write_batched: %.0f messages/s (%ld messages, %.2f s)\n", n / secs, n,
	       secs);
	history_flush();
	worker_stop();
	history_close();
	store_close();
	unlink(path);
}

/* websocket: framing one channel line at write-out, and unframing one from a client */
static const char ws_line[] =
    ":nick!user@host.example PRIVMSG #channel :Hello there, how is it going today?\r\n";

static void
b_ws_encode(long n)
{
	struct ws *ws = ws_new(WS_TEXT);
	struct iovec iov = {(void *)ws_line, sizeof(ws_line) - 1};

	for (long i = 0; i < n; i++) {
		sink += (long)ws_encode(ws, &iov, 1, 16384);
		ws_consume(ws, ws_pending(ws));
	}
	ws_free(ws);
}

static void
b_ws_decode(long n)
{
	static const unsigned char mask[4] = {1, 2, 3, 4};
	const char *line = "PRIVMSG #channel :Hello there, how is it going today?";
	size_t len = strlen(line), produced;
	char frame[128], work[128], out[128 + WS_MESSAGE_MAX];
	const char *why;
	struct ws *ws = ws_new(WS_TEXT);

	frame[0] = (char)0x81;
	frame[1] = (char)(0x80 | len);
	memcpy(frame + 2, mask, 4);
	for (size_t i = 0; i < len; i++)
		frame[6 + i] = (char)(line[i] ^ mask[i & 3]);
	for (long i = 0; i < n; i++) {
		memcpy(work, frame, 6 + len); /* decoding unmasks in place */
		sink += ws_decode(ws, work, 6 + len, out, sizeof(out), &produced, &why);
		sink += (long)produced;
	}
	ws_free(ws);
}

int
main(int argc, char **argv)
{
	setup();
	bench("message_parsing", "irc_parse", b_parse, 2000000, 1);
	bench("message_parsing", "line_frame_40_lines", b_frame, 50000, 40);
	bench("message_serialization", "line_format", b_format, 2000000, 1);
	bench("message_serialization", "outmsg_plain", b_outmsg_plain, 1000000, 1);
	bench("message_serialization", "outmsg_plain_and_tagged", b_outmsg_tagged, 500000, 1);
	bench("database", "nick_lookup_100k", b_nick_lookup, 2000000, 1);
	bench("database", "member_lookup", b_member_lookup, 2000000, 1);
	bench("cache", "ban_check_cached", b_ban_cached, 2000000, 1);
	bench("cache", "ban_check_uncached_20_bans", b_ban_uncached, 200000, 1);
	bench("broadcast", "queue_per_recipient_1000", b_broadcast, 2000, 1000);
	bench("broadcast", "queue_per_recipient_1000_half_tagged", b_broadcast_mixed_tags, 2000,
	      1000);
	bench("batch_optimizer", "sendq_append_coalesced", b_sendq_coalesce, 2000000, 1);
	bench("validation", "nick_valid", b_nick_valid, 5000000, 1);
	bench("validation", "channel_name_valid", b_channel_valid, 5000000, 1);
	bench("user_modes", "mask_match", b_mask_match, 5000000, 1);
	bench("user_modes", "channel_mode_string", b_mode_string, 2000000, 1);
	bench("websocket", "encode_text_line", b_ws_encode, 2000000, 1);
	bench("websocket", "decode_masked_line", b_ws_decode, 2000000, 1);
	bench_history();
	return 0;
}
