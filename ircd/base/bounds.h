/* bounds.h - protocol and buffer bounds, in one place (ngIRCd defines.h). */
#ifndef EVIRCD_BOUNDS_H
#define EVIRCD_BOUNDS_H

#define IRC_LINE_MAX 512         /* message body incl. CRLF (RFC 1459) */
#define IRC_TAGS_MAX 8191        /* whole tag section incl. '@' and ' ' */
#define IRC_CLIENT_TAGS_MAX 4094 /* tag data a client may send */
#define IRC_PARAMS_MAX 15        /* parameters per message */
/* The longest line we accept at all; a recvq must hold at least this. */
#define IRC_INPUT_MAX (IRC_TAGS_MAX + IRC_LINE_MAX)
#define RECVQ_MIN (IRC_INPUT_MAX + 1)
#define RECVQ_MAX 65536

#define NICKLEN_MAX 64
#define USERLEN 10
#define HOSTLEN 63
#define REALLEN 150
#define SERVLEN 63
#define CHANNELLEN_MAX 200
#define UIDLEN 9 /* SID (3) + ID (6) */
#define SIDLEN 3
#define LABEL_MAX 64 /* labeled-response labels we keep */

/* Output lines we build are 512 bytes including CRLF. */
#define OUT_LINE_MAX 512

#endif
