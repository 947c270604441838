/* exit.c - the one path by which a client record ends. */

#include "base/log.h"
#include "net/conn.h"
#include "proto/exit.h"
#include "proto/history_record.h"
#include "proto/monitor_notify.h"
#include "proto/sasl.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/whowas.h"

/* What a registered user leaves behind once its QUIT went out: history, whowas, monitors. */
static void
exit_record(struct client *c, const char *reason, struct outmsg *quit)
{
	struct membership *m;

	LIST_FOREACH (m, &c->channels, client_link)
		history_record_channel(m->channel, c, "QUIT", quit);
	whowas_add(c);
	monitor_signoff(c, c->nick);
	if (c->local != NULL)
		snomask_send(SNO_CONNECT, "Client exiting: %s (%s@%s) [%s] [%s]", c->nick,
		             c->user, c->realhost, reason, c->ip);
}

static void
exit_free(struct client *c, const char *reason)
{
	if (c->local != NULL)
		log_msg(c->registered ? LOG_LEVEL_INFO : LOG_LEVEL_DEBUG,
		        "exit: %s!%s@%s [%s]: %s", client_name(c), c->user, c->realhost, c->ip,
		        reason);
	if (c->snomask != 0)
		snomask_set(c, 0);
	if (c->local == NULL)
		sasl_relay_agent_gone(c); /* SASL sessions it was answering end */
	client_free(c);
}

void
client_exit(struct client *c, const char *reason)
{
	if (c->registered) {
		struct outmsg *mb = msg_from(c, "QUIT :%s", reason);
		send_common(c, mb, 0);
		exit_record(c, reason, mb);
		msg_release(mb);
	}
	exit_free(c, reason);
}

void
client_exit_sent(struct client *c, const char *reason, struct outmsg *quit)
{
	if (c->registered)
		exit_record(c, reason, quit);
	exit_free(c, reason);
}

void
client_end(struct client *c, const char *reason)
{
	/* A local user gets its ERROR line and exits once the tick's output is out. */
	if (c->local != NULL)
		conn_close(c->local->conn, reason);
	else
		client_exit(c, reason);
}
