/* outmsg.c - lazily built tag flavours of one serialized message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "outmsg.h"
#include "server.h"
#include "util.h"

static uint64_t msgid_counter;

struct outmsg *
outmsg_new(void)
{
	struct outmsg *om = xmalloc(sizeof(*om));

	memset(om->flavour, 0, sizeof(om->flavour));
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
	for (int i = 0; i < TAG_FLAVOURS; i++)
		if (om->flavour[i] != NULL)
			msgbuf_unref(om->flavour[i]);
	free(om->account);
	free(om->client_tags);
	free(om);
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
	if (om->time[0] == '\0')
		snprintf(om->time, sizeof(om->time), "%.19s.%03dZ",
		         second_string(om->when.tv_sec),
		         (int)(om->when.tv_nsec / 1000000) % 1000);
	return om->time;
}

const char *
outmsg_msgid(struct outmsg *om)
{
	/* Unique across the network: SID, then a counter seeded by the clock. */
	if (om->msgid[0] == '\0')
		snprintf(om->msgid, sizeof(om->msgid), "%s%013llx", me.sid,
		         (unsigned long long)om->serial);
	return om->msgid;
}

static size_t
append_tag(char *out, size_t n, size_t size, const char *key, const char *value)
{
	int r = snprintf(out + n, size - n, "%s%s%s%s", n > 1 ? ";" : "", key, value ? "=" : "",
	                 value ? value : "");
	return r > 0 && (size_t)r < size - n ? n + (size_t)r : n;
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

struct msgbuf *
outmsg_flavour(struct outmsg *om, unsigned tags)
{
	tags = (tags | TAG_BATCH) & om->available;
	if (om->flavour[tags] != NULL)
		return om->flavour[tags];
	if (tags == 0) {
		struct msgbuf *mb = msgbuf_new(om->body_len);
		memcpy(mb->data, om->body, om->body_len);
		mb->len = om->body_len;
		om->flavour[0] = mb;
	} else {
		om->flavour[tags] = build(om, tags);
	}
	return om->flavour[tags];
}
