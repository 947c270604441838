/* cloak.h - host cloaking (user mode +x): HMAC-SHA256 of the real host. */
#ifndef EVIRCD_CLOAK_H
#define EVIRCD_CLOAK_H

#include <stddef.h>

struct config;

/* Load the key ([cloak] key or key_file, made on first run); 0 on success. */
int cloak_configure(const struct config *c);
int cloak_enabled(void);
/*
 * The cloak of host (with its IP): "ABCD1234.EF567890.0A1B2C3D.IP" for
 * IPv4 (so bans can cover /24 and /16), the same with ':' for IPv6 (made
 * from the binary address: full, /64 and /48), and
 * "prefix-ABCD1234.rest.of.domain" for names.
 */
void cloak_host(const char *host, const char *ip, char *out, size_t size);

#endif
