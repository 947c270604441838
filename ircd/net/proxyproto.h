/* proxyproto.h - the PROXY protocol header, versions 1 and 2 (HAProxy). */
#ifndef EVIRCD_PROXYPROTO_H
#define EVIRCD_PROXYPROTO_H

#include <stddef.h>

#define PROXY_V1_MAX 107 /* the longest version 1 line, CRLF included */
/* Version 2: the 16-byte head and up to this much after it (addresses and TLVs). */
#define PROXY_V2_BODY_MAX 2048
#define PROXY_HEADER_MAX (16 + PROXY_V2_BODY_MAX)

enum proxy_result {
	PROXY_MORE, /* a header so far: every byte given belongs to it */
	PROXY_DONE,
	PROXY_BAD,
};

struct proxy_header {
	size_t length; /* of the whole header */
	int local;     /* LOCAL, UNKNOWN or a non-IP family: keep the peer's address */
	char ip[46];   /* the client's address otherwise */
};

/* Parse the start of a connection's bytes. */
enum proxy_result proxy_parse(const unsigned char *buf, size_t len, struct proxy_header *h);

#endif
