/* sasl.h - SASL PLAIN, EXTERNAL and SCRAM-SHA-256 over AUTHENTICATE. */
#ifndef EVIRCD_SASL_H
#define EVIRCD_SASL_H

struct client;

#define SASL_MECHS "PLAIN,EXTERNAL,SCRAM-SHA-256"
#define SASL_MAX_FAILURES 3

/* AUTHENTICATE <param> from c: start, continue, or abort a session. */
void sasl_authenticate(struct client *c, const char *param);
/* Registration is completing or the connection is going: drop the session. */
void sasl_abort(struct client *c, int tell);
int sasl_in_progress(const struct client *c);
/*
 * [services] accounts = services: AUTHENTICATE goes to the services' SASL
 * agent (SaslServ) as charybdis ENCAP SASL, and their answers come back
 * here: the local client of a relayed session by UID (registered or not),
 * and one step of theirs (C data, D S|F|A, M mechanisms) for it.
 */
int sasl_relaying(void);
struct client *sasl_relay_client(const char *uid);
void sasl_relay_reply(const char *uid, const char *mode, const char *data);
/*
 * While a step is out, the client's input waits for the agent's answer
 * (C or D), [services] sasl_timeout seconds at most (then 904).  The agent
 * (a client behind a link) is leaving: its sessions end with 904.
 */
void sasl_relay_agent_gone(const struct client *agent);
/* The services' mechanisms (ENCAP * MECHLIST); what CAP LS shows as sasl=. */
void sasl_set_mechanisms(const char *list);
const char *sasl_mechanisms(void);
/* SASL can be done: here, or relayed to an agent on the network (CAP LS). */
int sasl_available(void);

#endif
