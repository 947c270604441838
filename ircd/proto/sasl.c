/* sasl.c - the mechanisms; slow password checks go to the worker thread. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include "base/casemap.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/passwd.h"
#include "base/util.h"
#include "net/conn.h"
#include "net/reactor.h"
#include "proto/batch.h"
#include "proto/clientjob.h"
#include "proto/link.h"
#include "proto/login.h"
#include "proto/numeric.h"
#include "proto/parse.h"
#include "proto/sasl.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"
#include "store/account.h"
#include "store/store.h"

#define CHUNK 400         /* AUTHENTICATE carries at most this much at once */
#define SASL_BUF_MAX 8192 /* a whole client response, base64 */

enum mech { MECH_PLAIN, MECH_EXTERNAL, MECH_SCRAM };
enum scram_step { SCRAM_FIRST, SCRAM_FINAL, SCRAM_DONE };

struct sasl_session {
	enum mech mech;
	char buf[SASL_BUF_MAX + 1]; /* base64 gathered from chunks */
	size_t len;
	struct sasl_check *pending; /* a password check on the worker */
	/* SCRAM */
	enum scram_step step;
	char account[ACCOUNT_NAME_MAX + 1];
	long long account_id; /* 0: no such account, and the exchange only pretends */
	char gs2_header[64];
	char client_first_bare[512];
	char server_first[512];
	char nonce[256];
	unsigned char stored_key[32];
	unsigned char server_key[32];
	/* Relayed to services ([services] accounts = services): */
	struct client *client;
	char agent[UIDLEN + 1]; /* the services' SASL agent (SaslServ) */
	LIST_ENTRY(sasl_session) relay_link;
	/* A step sent, its answer awaited: c's input held, a bound on the wait. */
	struct client_wait *wait;
	struct rtimer timer;
	char label[LABEL_MAX + 1]; /* of the command whose answer is awaited */
	unsigned relayed : 1;
};

/* Sessions relayed to services, for their answers to find (by UID). */
static LIST_HEAD(, sasl_session) relays = LIST_HEAD_INITIALIZER(relays);
/* The mechanisms the services announced (ENCAP * MECHLIST), "" until then. */
static char services_mechs[128];

/* A PLAIN check in flight; client becomes NULL if the client goes first. */
struct sasl_check {
	struct client *client;
	char account[ACCOUNT_NAME_MAX + 1];
	long long account_id; /* 0: unknown account, checked against a dummy hash */
	char password[256];
	char hash[200];
	int ok;
};

static void relay_wait_end(struct sasl_session *s);

static void
session_free(struct client *c)
{
	struct local *l = c->local;

	if (l->sasl == NULL)
		return;
	if (l->sasl->pending != NULL)
		l->sasl->pending->client = NULL;
	if (l->sasl->relayed) {
		relay_wait_end(l->sasl);
		LIST_REMOVE(l->sasl, relay_link);
	}
	OPENSSL_cleanse(l->sasl, sizeof(*l->sasl));
	free(l->sasl);
	l->sasl = NULL;
}

int
sasl_in_progress(const struct client *c)
{
	return c->local->sasl != NULL;
}

static int relay_send(struct client *c, const struct sasl_session *s, const char *step);

void
sasl_abort(struct client *c, int tell)
{
	if (c->local->sasl == NULL)
		return;
	if (c->local->sasl->relayed)
		relay_send(c, c->local->sasl, "D A"); /* the agent forgets it too */
	session_free(c);
	if (tell)
		reply(c, ERR_SASLABORTED, ":SASL authentication aborted");
}

static void
sasl_fail(struct client *c, const char *why)
{
	struct local *l = c->local;

	session_free(c);
	l->sasl_failures++;
	/* Each failure costs flood credit: guessing is slow. */
	conn_charge(l->conn, 5 * l->sasl_failures);
	reply(c, ERR_SASLFAIL, ":SASL authentication failed%s%s", why ? ": " : "",
	      why ? why : "");
}

static void
sasl_succeed(struct client *c, const char *account, long long id)
{
	char name[ACCOUNT_NAME_MAX + 1];

	/* Dropped while the check ran (its name may be someone else's already). */
	if (!account_id_exists(id)) {
		sasl_fail(c, "invalid credentials");
		return;
	}
	/* account may point into the session, which is freed here. */
	str_copy(name, account, sizeof(name));
	session_free(c);
	account_login(c, name, id);
	reply(c, RPL_SASLSUCCESS, ":SASL authentication successful");
}

static void
check_work(void *arg)
{
	struct sasl_check *chk = arg;

	chk->ok = passwd_verify(chk->password, chk->hash);
}

static void
check_done(struct client *asker, void *arg)
{
	struct sasl_check *chk = arg;
	struct client *c = chk->client;

	if (asker != NULL && c == asker && c->local->sasl != NULL) {
		c->local->sasl->pending = NULL;
		if (chk->ok && chk->account_id != 0)
			sasl_succeed(c, chk->account, chk->account_id);
		else
			sasl_fail(c, "invalid credentials");
	}
	OPENSSL_cleanse(chk, sizeof(*chk));
	free(chk);
}

/* PLAIN: "authzid \0 authcid \0 password". */
static void
mech_plain(struct client *c, const unsigned char *data, long len)
{
	const char *authzid = (const char *)data;
	const char *authcid = memchr(data, '\0', (size_t)len);
	const char *password;
	struct account a;
	struct sasl_check *chk;

	if (authcid == NULL ||
	    (password = memchr(authcid + 1, '\0', (size_t)(len - (authcid + 1 - authzid)))) ==
	        NULL) {
		sasl_fail(c, "malformed PLAIN response");
		return;
	}
	authcid++;
	password++;
	if (*authzid != '\0' && strcasecmp(authzid, authcid) != 0) {
		sasl_fail(c, "authorization identity must match");
		return;
	}
	chk = xcalloc(1, sizeof(*chk));
	chk->client = c;
	/* An unknown account costs the same hash as a wrong password: no oracle. */
	if (account_find(authcid, &a) == 0 && a.verified) {
		chk->account_id = a.id;
		str_copy(chk->account, a.name, sizeof(chk->account));
		str_copy(chk->hash, a.password, sizeof(chk->hash));
	} else {
		str_copy(chk->hash, passwd_dummy_hash(), sizeof(chk->hash));
	}
	snprintf(chk->password, sizeof(chk->password), "%.*s",
	         (int)(len - (password - authzid)), password);
	if (client_job_submit(c, LANE_AUTH, check_work, check_done, chk) != 0) {
		OPENSSL_cleanse(chk, sizeof(*chk));
		free(chk);
		session_free(c);
		reply(
		    c, ERR_SASLFAIL,
		    ":SASL authentication failed: too many attempts at once; try again later");
		return;
	}
	c->local->sasl->pending = chk;
}

static void
mech_external(struct client *c, const unsigned char *data, long len)
{
	char account[ACCOUNT_NAME_MAX + 1];
	long long id = 0;

	if (c->certfp == NULL) {
		sasl_fail(c, "no client certificate");
		return;
	}
	if (account_by_cert(c->certfp, account, sizeof(account), &id) != 0) {
		sasl_fail(c, "certificate not bound to an account");
		return;
	}
	if (len > 0 && (strlen(account) != (size_t)len ||
	                strncasecmp((const char *)data, account, (size_t)len) != 0)) {
		sasl_fail(c, "authorization identity must match");
		return;
	}
	sasl_succeed(c, account, id);
}

static void
send_challenge(struct client *c, const char *text)
{
	char b64[1024];

	b64_encode((const unsigned char *)text, strlen(text), b64, sizeof(b64));
	send_line(c, "AUTHENTICATE %s", b64);
}

/* A 32-byte SCRAM key from its base64 form; 0 on success. */
static int
decode_key(const char *b64, unsigned char key[32])
{
	unsigned char raw[64];

	if (b64_decode(b64, raw, sizeof(raw)) != 32)
		return -1;
	memcpy(key, raw, 32);
	return 0;
}

/*
 * An unknown (or unverified) user gets what a real one would: a salt that
 * stays the same for the name (HMAC of a kept secret), the usual iteration
 * count, and keys no proof matches; the exchange fails at its end, as a
 * wrong password does.
 */
static void
scram_pretend(struct sasl_session *s, struct account *a)
{
	unsigned char mac[32], keys[64];
	char key[ACCOUNT_NAME_MAX + 1];
	unsigned int len = 0;

	irc_strlower(key, sizeof(key), s->account);
	HMAC(EVP_sha256(), store_scram_secret(), 32, (const unsigned char *)key, strlen(key),
	     mac, &len);
	memset(a, 0, sizeof(*a));
	b64_encode(mac, 16, a->scram_salt, sizeof(a->scram_salt));
	a->scram_iter = SCRAM_ITERATIONS;
	RAND_bytes(keys, sizeof(keys));
	b64_encode(keys, 32, a->scram_stored, sizeof(a->scram_stored));
	b64_encode(keys + 32, 32, a->scram_server, sizeof(a->scram_server));
	s->account_id = 0;
}

/* "n=user,r=nonce" (after the GS2 header). */
static void
scram_first(struct client *c, struct sasl_session *s, const char *msg)
{
	const char *bare, *user, *nonce;
	unsigned char snonce[18];
	char snonce_b64[32];
	struct account a;

	if ((strncmp(msg, "n,", 2) != 0 && strncmp(msg, "y,", 2) != 0) ||
	    (bare = strchr(msg + 2, ',')) == NULL) {
		sasl_fail(c, "channel binding is not supported");
		return;
	}
	bare++;
	snprintf(s->gs2_header, sizeof(s->gs2_header), "%.*s", (int)(bare - msg), msg);
	str_copy(s->client_first_bare, bare, sizeof(s->client_first_bare));
	if (strncmp(bare, "n=", 2) != 0 || (nonce = strstr(bare, ",r=")) == NULL) {
		sasl_fail(c, "malformed SCRAM message");
		return;
	}
	user = bare + 2;
	snprintf(s->account, sizeof(s->account), "%.*s", (int)(nonce - user), user);
	nonce += 3;
	if (account_find(s->account, &a) != 0 || !a.verified) {
		scram_pretend(s, &a);
	} else {
		s->account_id = a.id;
		str_copy(s->account, a.name, sizeof(s->account));
	}
	if (decode_key(a.scram_stored, s->stored_key) != 0 ||
	    decode_key(a.scram_server, s->server_key) != 0) {
		sasl_fail(c, "account has no SCRAM credentials");
		return;
	}
	RAND_bytes(snonce, sizeof(snonce));
	b64_encode(snonce, sizeof(snonce), snonce_b64, sizeof(snonce_b64));
	snprintf(s->nonce, sizeof(s->nonce), "%.*s%s", (int)strcspn(nonce, ","), nonce,
	         snonce_b64);
	snprintf(s->server_first, sizeof(s->server_first), "r=%s,s=%s,i=%d", s->nonce,
	         a.scram_salt, a.scram_iter);
	s->step = SCRAM_FINAL;
	send_challenge(c, s->server_first);
}

/* "c=biws,r=nonce,p=proof": check the proof, prove ourselves back. */
static void
scram_final(struct client *c, struct sasl_session *s, const char *msg)
{
	char expect_c[400], auth_message[1600], gs2_b64[96];
	const char *proof_at = strstr(msg, ",p=");
	unsigned char proof[64], signature[32], client_key[32], check[32], server_sig[32];
	unsigned int len = 0;
	char final[128], sig_b64[64];

	b64_encode((const unsigned char *)s->gs2_header, strlen(s->gs2_header), gs2_b64,
	           sizeof(gs2_b64));
	snprintf(expect_c, sizeof(expect_c), "c=%s,r=%s", gs2_b64, s->nonce);
	if (proof_at == NULL || strncmp(msg, expect_c, (size_t)(proof_at - msg)) != 0 ||
	    strlen(expect_c) != (size_t)(proof_at - msg) ||
	    b64_decode(proof_at + 3, proof, sizeof(proof)) != 32) {
		sasl_fail(c, "malformed SCRAM message");
		return;
	}
	snprintf(auth_message, sizeof(auth_message), "%s,%s,%.*s", s->client_first_bare,
	         s->server_first, (int)(proof_at - msg), msg);
	HMAC(EVP_sha256(), s->stored_key, 32, (const unsigned char *)auth_message,
	     strlen(auth_message), signature, &len);
	for (int i = 0; i < 32; i++)
		client_key[i] = proof[i] ^ signature[i];
	SHA256(client_key, 32, check);
	if (CRYPTO_memcmp(check, s->stored_key, 32) != 0 || s->account_id == 0) {
		sasl_fail(c, "invalid credentials");
		return;
	}
	HMAC(EVP_sha256(), s->server_key, 32, (const unsigned char *)auth_message,
	     strlen(auth_message), server_sig, &len);
	b64_encode(server_sig, 32, sig_b64, sizeof(sig_b64));
	snprintf(final, sizeof(final), "v=%s", sig_b64);
	s->step = SCRAM_DONE;
	send_challenge(c, final);
}

/* A whole base64 response has arrived. */
static void
sasl_response(struct client *c)
{
	struct sasl_session *s = c->local->sasl;
	unsigned char data[SASL_BUF_MAX];
	long len = 0;

	if (s->len > 0 && (len = b64_decode(s->buf, data, sizeof(data) - 1)) < 0) {
		sasl_fail(c, "invalid base64");
		return;
	}
	data[len] = '\0';
	s->len = 0;
	switch (s->mech) {
	case MECH_PLAIN: mech_plain(c, data, len); break;
	case MECH_EXTERNAL: mech_external(c, data, len); break;
	case MECH_SCRAM:
		if (s->step == SCRAM_FIRST)
			scram_first(c, s, (const char *)data);
		else if (s->step == SCRAM_FINAL)
			scram_final(c, s, (const char *)data);
		else
			sasl_succeed(c, s->account, s->account_id);
		break;
	}
}

/* ---- Relay to services (charybdis ENCAP SASL, dialects.md section 10). */

int
sasl_relaying(void)
{
	return conf->services.accounts == ACCOUNTS_SERVICES && conf->services.servers != NULL;
}

void
sasl_set_mechanisms(const char *list)
{
	size_t n = strspn(list, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_,");

	/* a value in CAP LS: only what a mechanism name may hold */
	if (n >= sizeof(services_mechs) || list[n] != '\0')
		return;
	str_copy(services_mechs, list, sizeof(services_mechs));
}

const char *
sasl_mechanisms(void)
{
	if (!sasl_relaying())
		return SASL_MECHS;
	return services_mechs[0] != '\0' ? services_mechs : "PLAIN";
}

/* The services' SASL agent: SaslServ on a [services] server, or NULL. */
static struct client *
sasl_agent(void)
{
	struct client *a = client_find_nick("SaslServ");

	if (a == NULL || a->local != NULL || !config_is_services(conf, a->server->name))
		return NULL;
	return a;
}

int
sasl_available(void)
{
	return !sasl_relaying() || sasl_agent() != NULL;
}

/* One step of c's session to the agent; 0, or -1 when the agent is gone. */
static int
relay_send(struct client *c, const struct sasl_session *s, const char *step)
{
	struct client *agent = client_find_uid(s->agent);
	struct link *l = agent != NULL ? link_of_client(agent) : NULL;

	if (l == NULL)
		return -1;
	link_send(l, ":%s ENCAP %s SASL %s %s %s", me.sid, agent->server->name, c->uid,
	          s->agent, step);
	return 0;
}

static void relay_timeout(struct rtimer *t);

/*
 * A step the agent answers (C or D) is out: c's next lines wait for that
 * answer, as for a local check (clientjob.h), at most [services]
 * sasl_timeout seconds.  The answer carries the step's label.
 */
static void
relay_wait_begin(struct client *c, struct sasl_session *s)
{
	if (s->wait != NULL)
		return;
	s->wait = client_wait_begin(c);
	label_take(c, s->label, sizeof(s->label));
	rtimer_start(&s->timer, conf->services.sasl_timeout, 0, relay_timeout);
}

/* The answer came, or none will (the session ends): c's input runs again. */
static void
relay_wait_end(struct sasl_session *s)
{
	if (s->wait == NULL)
		return;
	rtimer_stop(&s->timer);
	client_wait_end(s->wait);
	s->wait = NULL;
}

/*
 * The agent's answer to the step c waits on is about to be sent: release
 * c's input and frame the answer with the step's label.  1 when a label
 * began (label_end after the answer).
 */
static int
relay_answer_begin(struct client *c, struct sasl_session *s)
{
	char label[LABEL_MAX + 1];

	if (s->wait == NULL)
		return 0;
	str_copy(label, s->label, sizeof(label));
	relay_wait_end(s);
	return label_resume(c, label);
}

/* The exchange ends without the agent's word (silent, or gone): 904, c's input runs. */
static void
relay_give_up(struct client *c, struct sasl_session *s, const char *why)
{
	int labeled = relay_answer_begin(c, s);

	session_free(c);
	reply(c, ERR_SASLFAIL, ":SASL authentication failed: %s", why);
	if (labeled)
		label_end(c);
}

static void
relay_timeout(struct rtimer *t)
{
	struct sasl_session *s = container_of(t, struct sasl_session, timer);
	struct client *c = s->client;

	log_info("sasl: no answer from services for %s in %u s", c->uid,
	         conf->services.sasl_timeout);
	relay_send(c, s, "D A"); /* the agent forgets it too, if it hears */
	relay_give_up(c, s, "services did not answer");
}

void
sasl_relay_agent_gone(const struct client *agent)
{
	struct sasl_session *s, *next;

	for (s = LIST_FIRST(&relays); s != NULL; s = next) {
		next = LIST_NEXT(s, relay_link);
		if (strcmp(s->agent, agent->uid) == 0)
			relay_give_up(s->client, s, "services are unavailable");
	}
}

static void
relay_start(struct client *c, const char *mech)
{
	struct client *agent = sasl_agent();
	struct sasl_session *s;
	char step[300];

	if (agent == NULL) {
		reply(c, ERR_SASLFAIL, ":SASL authentication failed: services are unavailable");
		return;
	}
	s = xcalloc(1, sizeof(*s));
	s->relayed = 1;
	s->client = c;
	str_copy(s->agent, agent->uid, sizeof(s->agent));
	LIST_INSERT_HEAD(&relays, s, relay_link);
	c->local->sasl = s;
	/* H: where the client comes from (an IPv6 address may not start with ':') */
	snprintf(step, sizeof(step), "H %s %s%s %c", c->host, c->ip[0] == ':' ? "0" : "", c->ip,
	         c->secure ? 'S' : 'P');
	relay_send(c, s, step);
	if (strcasecmp(mech, "EXTERNAL") == 0 && c->certfp != NULL)
		snprintf(step, sizeof(step), "S %s %s", param_word(mech), c->certfp);
	else
		snprintf(step, sizeof(step), "S %s", param_word(mech));
	relay_send(c, s, step);
	relay_wait_begin(c, s); /* C (a challenge), or D F with M (an unknown mechanism) */
}

/* AUTHENTICATE data (or "*") of a relayed session: passed on as C (or D A). */
static void
relay_data(struct client *c, struct sasl_session *s, const char *param)
{
	char step[CHUNK + 8];

	if (strcmp(param, "*") == 0) {
		sasl_abort(c, 1);
		return;
	}
	if (strlen(param) > CHUNK || strchr(param, ' ') != NULL || param[0] == ':') {
		reply(c, ERR_SASLTOOLONG, ":SASL message too long");
		relay_send(c, s, "D A");
		session_free(c);
		return;
	}
	snprintf(step, sizeof(step), "C %s", param);
	if (relay_send(c, s, step) != 0) {
		sasl_fail(c, "services are unavailable");
		return;
	}
	/* A full chunk: more follows, and the agent answers only the whole. */
	if (strlen(param) < CHUNK)
		relay_wait_begin(c, s);
}

struct client *
sasl_relay_client(const char *uid)
{
	struct sasl_session *s;

	LIST_FOREACH (s, &relays, relay_link)
		if (strcmp(s->client->uid, uid) == 0)
			return s->client;
	return NULL;
}

void
sasl_relay_reply(const char *uid, const char *mode, const char *data)
{
	struct client *c = sasl_relay_client(uid);
	int labeled = 0;

	if (c == NULL)
		return; /* the client went, or finished meanwhile */
	/* C and D answer the step c waits on; M comes before its D F. */
	if (mode[0] == 'C' || mode[0] == 'D')
		labeled = relay_answer_begin(c, c->local->sasl);
	switch (mode[0]) {
	case 'C': send_line(c, "AUTHENTICATE %s", data[0] != '\0' ? data : "+"); break;
	case 'M': reply(c, RPL_SASLMECHS, "%s :are available SASL mechanisms", data); break;
	case 'D':
		if (data[0] == 'S' && c->account != NULL) {
			session_free(c);
			reply(c, RPL_SASLSUCCESS, ":SASL authentication successful");
		} else if (data[0] == 'A') {
			session_free(c);
			reply(c, ERR_SASLABORTED, ":SASL authentication aborted");
		} else {
			sasl_fail(c, NULL);
		}
		break;
	default: log_debug("sasl: relay step %.8s from services ignored", mode); break;
	}
	if (labeled)
		label_end(c);
}

static void
sasl_start(struct client *c, const char *mech)
{
	struct sasl_session *s;

	if (c->account != NULL) {
		reply(c, ERR_SASLALREADY, ":You have already authenticated using SASL");
		return;
	}
	if (c->local->sasl_failures >= SASL_MAX_FAILURES) {
		conn_charge(c->local->conn, 10);
		reply(c, ERR_SASLFAIL, ":SASL authentication failed: too many attempts");
		return;
	}
	if (sasl_relaying()) {
		relay_start(c, mech);
		return;
	}
	s = xcalloc(1, sizeof(*s));
	if (strcasecmp(mech, "PLAIN") == 0)
		s->mech = MECH_PLAIN;
	else if (strcasecmp(mech, "EXTERNAL") == 0)
		s->mech = MECH_EXTERNAL;
	else if (strcasecmp(mech, "SCRAM-SHA-256") == 0)
		s->mech = MECH_SCRAM;
	else {
		free(s);
		reply(c, RPL_SASLMECHS, "%s :are available SASL mechanisms", SASL_MECHS);
		reply(c, ERR_SASLFAIL, ":SASL authentication failed: unknown mechanism");
		return;
	}
	c->local->sasl = s;
	send_line(c, "AUTHENTICATE +");
}

void
sasl_authenticate(struct client *c, const char *param)
{
	struct sasl_session *s = c->local->sasl;
	size_t len = strlen(param);

	if (s != NULL && s->relayed) {
		relay_data(c, s, param);
		return;
	}
	if (strcmp(param, "*") == 0) {
		if (s != NULL)
			sasl_abort(c, 1);
		else
			reply(c, ERR_SASLFAIL, ":SASL authentication failed: nothing to abort");
		return;
	}
	if (s == NULL) {
		sasl_start(c, param);
		return;
	}
	if (s->pending != NULL)
		return; /* a check is running: ignore until it answers */
	if (len > CHUNK) {
		reply(c, ERR_SASLTOOLONG, ":SASL message too long");
		session_free(c);
		return;
	}
	if (strcmp(param, "+") != 0) {
		if (s->len + len > SASL_BUF_MAX) {
			reply(c, ERR_SASLTOOLONG, ":SASL message too long");
			session_free(c);
			return;
		}
		memcpy(s->buf + s->len, param, len);
		s->len += len;
		s->buf[s->len] = '\0';
		if (len == CHUNK)
			return; /* more follows */
	}
	sasl_response(c);
}
