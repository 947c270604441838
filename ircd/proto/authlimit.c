/* authlimit.c - per-address token buckets for password attempts. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/conf.h"
#include "base/hash.h"
#include "base/util.h"
#include "net/worker.h"
#include "proto/authlimit.h"
#include "state/client.h"

#define KEY_MAX AUTHLIMIT_KEY_MAX

struct bucket {
	char key[KEY_MAX]; /* the address, or "v6:" and its /64 in hex */
	double tokens;
	uint64_t at_ms;  /* tokens as of then */
	unsigned places; /* jobs of this address waiting in a password lane */
};

static struct strmap buckets;

/* IPv6 addresses share a bucket per /64: one host gets a /64 for free. */
static void
address_key(const char *ip, char *key, size_t size)
{
	unsigned char a[16];

	if (inet_pton(AF_INET6, ip, a) != 1) {
		str_copy(key, ip, size);
		return;
	}
	snprintf(key, size, "v6:%02x%02x%02x%02x%02x%02x%02x%02x", a[0], a[1], a[2], a[3], a[4],
	         a[5], a[6], a[7]);
}

static double
refilled(const struct bucket *b, unsigned rate)
{
	double t = b->tokens + (double)(now_ms - b->at_ms) * rate / 60000.0;

	return t > rate ? rate : t;
}

void
authlimit_key(const struct client *c, char *key, size_t size)
{
	address_key(c->ip, key, size);
}

static struct bucket *
bucket_of(const char *key)
{
	struct bucket *b;

	if (buckets.slots == NULL)
		strmap_init(&buckets, 256);
	if ((b = strmap_get(&buckets, key)) == NULL) {
		b = xcalloc(1, sizeof(*b));
		str_copy(b->key, key, sizeof(b->key));
		b->tokens = conf->accounts.auth_rate;
		b->at_ms = now_ms;
		strmap_put(&buckets, b->key, b);
	}
	return b;
}

int
authlimit_place_take(const char *key)
{
	struct bucket *b = bucket_of(key);

	if (b->places >= AUTHLIMIT_PLACES)
		return 0;
	b->places++;
	return 1;
}

void
authlimit_place_give(const char *key)
{
	struct bucket *b = buckets.slots ? strmap_get(&buckets, key) : NULL;

	if (b != NULL && b->places > 0)
		b->places--;
}

int
authlimit_take(const struct client *c)
{
	unsigned rate = conf->accounts.auth_rate;
	char key[KEY_MAX];
	struct bucket *b;

	if (rate == 0)
		return 1;
	address_key(c->ip, key, sizeof(key));
	b = bucket_of(key);
	b->tokens = refilled(b, rate);
	b->at_ms = now_ms;
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}

void
authlimit_sweep(void)
{
	unsigned rate = conf->accounts.auth_rate;
	struct bucket **full;
	size_t n = 0;

	if (buckets.count == 0)
		return;
	full = xmalloc(buckets.count * sizeof(*full));
	strmap_foreach (&buckets, slot) {
		struct bucket *b = slot->value;
		if (b->places == 0 && (rate == 0 || refilled(b, rate) >= rate))
			full[n++] = b;
	}
	for (size_t i = 0; i < n; i++) {
		strmap_del(&buckets, full[i]->key);
		free(full[i]);
	}
	free(full);
}

unsigned
authlimit_tracked(void)
{
	return (unsigned)buckets.count;
}

void
authlimit_configure(void)
{
	/* OPER has a lane of its own, never limited: nobody queues in front of it. */
	worker_set_limit(LANE_AUTH, conf->accounts.crypto_queue);
	worker_set_limit(LANE_CRYPTO, conf->accounts.crypto_queue);
	worker_set_limit(LANE_COMMAND, conf->accounts.crypto_queue);
}
