/* fuzz_ts6.c - TS6 line handling: a server link from peer.test is accepted
 * with a real charybdis-dialect handshake (PASS, CAPAB, SERVER, SVINFO) and
 * the input is what that peer sends next (an input starting with the byte
 * 0x01 drops it and links as hybrid.test, in the hybrid dialect: 5-field
 * SERVER, UID, TBURST, EOB), taken by the link's dispatcher and
 * the server-side handlers (UID/EUID, SJOIN, BMASK, TB, ENCAP, SQUIT, ...)
 * of the whole server (world.c).  The link then ends (EOF): the netsplit
 * cleanup must leave nothing of the peer's side behind, which the next
 * input's handshake relies on (a SID or nick left over would collide). */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "state/client.h"
#include "state/server.h"
#include "world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* SVINFO carries the peer's clock: it must be close to ours. */
static const char hybrid_fmt[] = "PASS linkpass\r\n"
                                 "CAPAB :MLOCK KNOCK KLN TBURST RESYNC ENCAP UNKLN DLN UNDLN "
                                 "RHOST CLUSTER EOB HOP\r\n"
                                 "SERVER hybrid.test 1 9PE + :fuzzing hybrid peer\r\n"
                                 ":9PE SVINFO 6 6 0 :%ld\r\n";
static const char handshake_fmt[] = "PASS linkpass TS 6 :9PE\r\n"
                                    "CAPAB :QS EX IE ENCAP TB EUID SERVICES KLN UNKLN RSFNC\r\n"
                                    "SERVER peer.test 1 :fuzzing peer\r\n"
                                    "SVINFO 6 6 0 :%ld\r\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[65536];
	char handshake[sizeof(hybrid_fmt) + 32];

	world_init();
	if (size > 0 && data[0] == 0x01) {
		snprintf(handshake, sizeof(handshake), hybrid_fmt, (long)time(NULL));
		data++;
		size--;
	} else {
		snprintf(handshake, sizeof(handshake), handshake_fmt, (long)time(NULL));
	}
	world_session(CONN_KIND_SERVER, handshake, data, size, out, sizeof(out));
	/* Everything the peer introduced went with it. */
	if (server_find_sid("9PE") != NULL || client_find_uid("9PEAAAAAA") != NULL)
		abort();
	return 0;
}
