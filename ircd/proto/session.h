/*
 * session.h - a local client's life on its connection: admission, the
 * start of registration, its lines into the dispatcher, keepalives and
 * the exit.  It installs the transport's hooks (net/conn.h).
 */
#ifndef EVIRCD_SESSION_H
#define EVIRCD_SESSION_H

struct client;

/* What modules want to hear of a local client's life; any member may be NULL. */
struct session_events {
	void (*ready)(struct client *c);     /* IRC may start: registration begins */
	void (*second)(struct client *c);    /* once a second while connected */
	void (*exit)(struct client *c);      /* leaving: drop work pending for it */
	void (*logged_in)(struct client *c); /* logged in to an account (SASL, REGISTER...) */
};

/* Start the transport with the session's hooks. */
void session_init(void);
/* Modules subscribe at start-up (a handful at most). */
void session_listen(const struct session_events *ev);
/* c (local) just logged in: tell the listeners (proto/login.c). */
void session_logged_in(struct client *c);

#endif
