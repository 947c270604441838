/* outmsg.c - lazily built tag flavours of one serialized message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"
#include "proto/outmsg.h"
#include "state/server.h"

static uint64_t msgid_counter;

/*
 * A message is made and released once per command, usually one at a time:
 * a few kept for reuse spare a malloc and free of a kilobyte each time.
 */
#ifndef __SANITIZE_ADDRESS__ /* under ASan, every use after free shows */
static struct outmsg *spares[4];
static int nspares;
#endif

static struct outmsg *
outmsg_alloc(void)
{
#ifndef __SANITIZE_ADDRESS__
	if (nspares > 0)
		return spares[--nspares];
#endif
	return xmalloc(sizeof(struct outmsg));
}

static void
outmsg_dealloc(struct outmsg *om)
{
#ifndef __SANITIZE_ADDRESS__
	if (nspares < (int)(sizeof(spares) / sizeof(spares[0]))) {
		spares[nspares++] = om;
		return;
	}
#endif
	free(om);
}

struct outmsg *
outmsg_new(void)
{
	struct outmsg *om = outmsg_alloc();

	om->built = 0;
	om->available = 0;
	om->time[0] = '\0';
	om->msgid[0] = '\0';
	om->account = NULL;
	om->client_tags = NULL;
	om->body_len = 0;
	om->batch[0] = '\0';
	return om;
}

void
outmsg_free(struct outmsg *om)
{
	for (uint64_t b = om->built; b != 0; b &= b - 1)
		msgbuf_unref(om->flavour[__builtin_ctzll(b)]);
	free(om->account);
	free(om->client_tags);
	outmsg_dealloc(om);
}

void
outmsg_stamp(struct outmsg *om)
{
	clock_gettime(CLOCK_REALTIME, &om->when);
	if (msgid_counter == 0)
		msgid_counter = (uint64_t)om->when.tv_sec << 20;
	om->serial = ++msgid_counter;
	om->available |= TAG_TIME | TAG_MSGID;
}

/* One formatted second, reused by every message stamped within it. */
static const char *
second_string(time_t sec)
{
	static time_t cached = -1;
	static char buf[24];
	struct tm tm;

	if (sec != cached) {
		gmtime_r(&sec, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		cached = sec;
	}
	return buf;
}

static const char *
outmsg_time(struct outmsg *om)
{
	int ms = (int)(om->when.tv_nsec / 1000000) % 1000;

	/* "YYYY-MM-DDThh:mm:ss.mmmZ", by hand: one is built per tagged message. */
	if (om->time[0] == '\0') {
		memcpy(om->time, second_string(om->when.tv_sec), 19);
		om->time[19] = '.';
		om->time[20] = (char)('0' + ms / 100);
		om->time[21] = (char)('0' + ms / 10 % 10);
		om->time[22] = (char)('0' + ms % 10);
		om->time[23] = 'Z';
		om->time[24] = '\0';
	}
	return om->time;
}

const char *
outmsg_msgid(struct outmsg *om)
{
	/* Unique across the network: SID, then a counter seeded by the clock. */
	static const char hex[] = "0123456789abcdef";
	size_t n;

	if (om->msgid[0] == '\0') {
		n = str_copy(om->msgid, me.sid, sizeof(om->msgid));
		for (int i = 12; i >= 0; i--)
			om->msgid[n + 12 - (size_t)i] = hex[(om->serial >> (4 * i)) & 0xf];
		om->msgid[n + 13] = '\0';
	}
	return om->msgid;
}

struct outmsg *
outmsg_replayed(const char *body, int64_t time_ms, const char *msgid, const char *account,
                int bot)
{
	struct outmsg *om = outmsg_new();
	size_t len = strnlen(body, OUT_LINE_MAX - 2);

	memcpy(om->body, body, len);
	memcpy(om->body + len, "\r\n\0", 3);
	om->body_len = (uint32_t)(len + 2);
	om->when.tv_sec = (time_t)(time_ms / 1000);
	om->when.tv_nsec = (long)(time_ms % 1000) * 1000000;
	str_copy(om->msgid, msgid, sizeof(om->msgid));
	om->available = TAG_TIME | (msgid[0] != '\0' ? TAG_MSGID : 0);
	if (account != NULL) {
		om->account = xstrdup(account);
		om->available |= TAG_ACCOUNT;
	}
	if (bot)
		om->available |= TAG_BOT;
	return om;
}

/* Append ";key=value" (or ";key"): the whole tag or, when it does not fit, nothing. */
static size_t
append_tag(char *out, size_t n, size_t size, const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = value ? strlen(value) : 0;
	size_t need = (n > 1) + klen + (value ? 1 + vlen : 0);

	if (n + need >= size)
		return n;
	if (n > 1)
		out[n++] = ';';
	memcpy(out + n, key, klen);
	n += klen;
	if (value != NULL) {
		out[n++] = '=';
		memcpy(out + n, value, vlen);
		n += vlen;
	}
	out[n] = '\0';
	return n;
}

static struct msgbuf *
build(struct outmsg *om, unsigned tags)
{
	char section[IRC_TAGS_MAX + 1];
	size_t n = 0;
	struct msgbuf *mb;

	section[n++] = '@';
	section[n] = '\0';
	if (tags & TAG_BATCH)
		n = append_tag(section, n, sizeof(section), "batch", om->batch);
	if (tags & TAG_TIME)
		n = append_tag(section, n, sizeof(section), "time", outmsg_time(om));
	if (tags & TAG_MSGID)
		n = append_tag(section, n, sizeof(section), "msgid", outmsg_msgid(om));
	if (tags & TAG_ACCOUNT)
		n = append_tag(section, n, sizeof(section), "account", om->account);
	if (tags & TAG_BOT)
		n = append_tag(section, n, sizeof(section), "bot", NULL);
	if (tags & TAG_CLIENT)
		n = append_tag(section, n, sizeof(section), om->client_tags, NULL);
	section[n++] = ' ';
	mb = msgbuf_new(n + om->body_len);
	memcpy(mb->data, section, n);
	memcpy(mb->data + n, om->body, om->body_len);
	mb->len = (uint32_t)(n + om->body_len);
	return mb;
}

void
outmsg_set_batch(struct outmsg *om, const char *ref)
{
	str_copy(om->batch, ref, sizeof(om->batch));
	om->available |= TAG_BATCH;
}

struct outmsg *
outmsg_batched(const struct outmsg *om, const char *ref)
{
	struct outmsg *b = outmsg_new();

	b->available = om->available;
	b->when = om->when;
	b->serial = om->serial;
	memcpy(b->time, om->time, sizeof(b->time));
	memcpy(b->msgid, om->msgid, sizeof(b->msgid));
	b->account = om->account != NULL ? xstrdup(om->account) : NULL;
	b->client_tags = om->client_tags != NULL ? xstrdup(om->client_tags) : NULL;
	b->body_len = om->body_len;
	memcpy(b->body, om->body, om->body_len);
	b->body[b->body_len] = '\0';
	outmsg_set_batch(b, ref);
	return b;
}

struct msgbuf *
outmsg_flavour(struct outmsg *om, unsigned tags)
{
	tags = (tags | TAG_BATCH) & om->available;
	if (om->built & (1ULL << tags))
		return om->flavour[tags];
	if (tags == 0) {
		struct msgbuf *mb = msgbuf_new(om->body_len);
		memcpy(mb->data, om->body, om->body_len);
		mb->len = om->body_len;
		om->flavour[0] = mb;
	} else {
		om->flavour[tags] = build(om, tags);
	}
	om->built |= 1ULL << tags;
	return om->flavour[tags];
}

void
outmsg_adopt(struct outmsg *om, const char *time, const char *msgid)
{
	struct tm tm;
	const char *rest;

	memset(&tm, 0, sizeof(tm));
	if (time != NULL && (rest = strptime(time, "%Y-%m-%dT%H:%M:%S", &tm)) != NULL) {
		long ms = rest[0] == '.' ? strtol(rest + 1, NULL, 10) % 1000 : 0;
		om->when.tv_sec = timegm(&tm);
		om->when.tv_nsec = ms * 1000000;
		om->time[0] = '\0'; /* formatted again from when, in our own form */
	}
	if (msgid != NULL && *msgid != '\0' && strlen(msgid) < sizeof(om->msgid))
		str_copy(om->msgid, msgid, sizeof(om->msgid));
}

void
outmsg_part_of(struct outmsg *om, const char *msgid)
{
	outmsg_adopt(om, NULL, msgid);
	om->available &= ~(uint8_t)TAG_MSGID;
}

size_t
outmsg_link_tags(struct outmsg *om, char *out, size_t size)
{
	size_t n = 0;

	out[n++] = '@';
	out[n] = '\0';
	n = append_tag(out, n, size, "time", outmsg_time(om));
	n = append_tag(out, n, size, "msgid", outmsg_msgid(om));
	if (om->available & TAG_CLIENT)
		n = append_tag(out, n, size, om->client_tags, NULL);
	if (n + 1 < size) {
		out[n++] = ' ';
		out[n] = '\0';
	}
	return n;
}
