/* cloak.c - keyed, stable cloaks: the same host always hides the same way. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/util.h"
#include "state/cloak.h"

#define KEY_MAX 128

static unsigned char key[KEY_MAX];
static size_t key_len;
static int enabled;
static char prefix[32];

/* Read the key file, or create it with 32 random bytes (hex) when absent. */
static int
key_from_file(const char *path)
{
	char buf[KEY_MAX + 2];
	FILE *fp = fopen(path, "re");

	if (fp == NULL && errno == ENOENT) {
		unsigned char raw[32];
		int fd = mkdir_parents(path, 0750) == 0
		             ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)
		             : -1;
		if (fd < 0 || RAND_bytes(raw, sizeof(raw)) != 1) {
			log_error("[cloak] key_file %s: cannot create: %s", path,
			          strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		for (size_t i = 0; i < sizeof(raw); i++)
			dprintf(fd, "%02x", raw[i]);
		dprintf(fd, "\n");
		close(fd);
		log_info("[cloak] made a new key in %s", path);
		fp = fopen(path, "re");
	}
	if (fp == NULL || fgets(buf, sizeof(buf), fp) == NULL) {
		log_error("[cloak] key_file %s: cannot read", path);
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	fclose(fp);
	buf[strcspn(buf, "\r\n")] = '\0';
	key_len = strlen(buf);
	memcpy(key, buf, key_len);
	if (key_len < 16) {
		log_error("[cloak] key_file %s: the key needs at least 16 characters", path);
		return -1;
	}
	return 0;
}

int
cloak_configure(const struct config *c)
{
	enabled = 0;
	if (!c->cloak.enabled)
		return 0;
	str_copy(prefix, c->cloak.prefix, sizeof(prefix));
	if (c->cloak.key != NULL) {
		key_len = MIN(strlen(c->cloak.key), sizeof(key));
		memcpy(key, c->cloak.key, key_len);
	} else if (key_from_file(c->cloak.key_file) != 0) {
		return -1;
	}
	enabled = 1;
	return 0;
}

int
cloak_enabled(void)
{
	return enabled;
}

static unsigned
piece(const char *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data, len, md, &mdlen);
	return ((unsigned)md[0] << 24) | ((unsigned)md[1] << 16) | ((unsigned)md[2] << 8) |
	       md[3];
}

/*
 * A piece of an IPv6 cloak: the first bytes of the binary address (all, the
 * /64, the /48), so every spelling of one address cloaks the same; the
 * prefix length first keeps these apart from any text's pieces.
 */
static unsigned
piece_v6(const unsigned char addr[16], size_t bytes)
{
	char data[1 + 16];

	data[0] = (char)(8 * bytes);
	memcpy(data + 1, addr, bytes);
	return piece(data, 1 + bytes);
}

/* The first n dot-separated fields of s. */
static size_t
fields_len(const char *s, char sep, int n)
{
	const char *p = s;

	for (int i = 0; i < n && (p = strchr(p, sep)) != NULL; i++)
		if (i < n - 1)
			p++;
	return p ? (size_t)(p - s) : strlen(s);
}

void
cloak_host(const char *host, const char *ip, char *out, size_t size)
{
	unsigned char addr[16];
	const char *rest;

	if (strcmp(host, ip) == 0 && inet_pton(AF_INET, ip, addr) == 1) {
		snprintf(out, size, "%08X.%08X.%08X.IP", piece(ip, strlen(ip)),
		         piece(ip, fields_len(ip, '.', 3)), piece(ip, fields_len(ip, '.', 2)));
		return;
	}
	if ((strcmp(host + (host[0] == '0' && host[1] == ':'), ip) == 0 &&
	     inet_pton(AF_INET6, ip, addr) == 1) ||
	    inet_pton(AF_INET6, host, addr) == 1) {
		snprintf(out, size, "%08X:%08X:%08X:IP", piece_v6(addr, 16), piece_v6(addr, 8),
		         piece_v6(addr, 6));
		return;
	}
	/* A name keeps its domain so users can still see where, roughly. */
	rest = strchr(host, '.');
	if (rest == NULL)
		rest = "";
	snprintf(out, size, "%s-%08X%s", prefix, piece(host, strlen(host)), rest);
	if (strlen(out) > HOSTLEN)
		snprintf(out, size, "%s-%08X.%08X", prefix, piece(host, strlen(host)),
		         piece(rest, strlen(rest)));
}
