/* exit.c - the one path by which a client record ends. */
#include "client.h"
#include "exit.h"
#include "log.h"
#include "send.h"
#include "whowas.h"

void
client_exit(struct client *c, const char *reason)
{
	if (c->registered) {
		struct msgbuf *mb = msg_from(c, "QUIT :%s", reason);
		send_common(c, mb, 0);
		msg_release(mb);
		whowas_add(c);
	}
	log_debug("exit %s (%s): %s", client_name(c), c->ip, reason);
	client_free(c);
}
