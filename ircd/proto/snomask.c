/* snomask.c - the set of +s opers and notices to them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/hash.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"

static const struct {
	char letter;
	uint32_t bit;
} letters[] = {
    {'c', SNO_CONNECT},
    {'k', SNO_KILL},
    {'o', SNO_OPER},
    {'r', SNO_REJECT},
    {'l', SNO_LINK},
};

/* Only the few +s clients are visited, never every connection. */
static struct ptrmap subscribers;

uint32_t
snomask_parse(const char *spec, uint32_t mask)
{
	int add = 1;

	for (; *spec != '\0'; spec++) {
		if (*spec == '+' || *spec == '-') {
			add = *spec == '+';
			continue;
		}
		if (*spec == '*') {
			mask = add ? SNO_ALL : 0;
			continue;
		}
		for (size_t i = 0; i < ARRAY_LEN(letters); i++)
			if (letters[i].letter == *spec)
				mask = add ? (mask | letters[i].bit) : (mask & ~letters[i].bit);
	}
	return mask;
}

void
snomask_string(uint32_t mask, char *buf, size_t size)
{
	size_t n = 0;

	if (size < 2)
		return;
	buf[n++] = '+';
	for (size_t i = 0; i < ARRAY_LEN(letters) && n + 1 < size; i++)
		if (mask & letters[i].bit)
			buf[n++] = letters[i].letter;
	buf[n] = '\0';
}

void
snomask_set(struct client *c, uint32_t mask)
{
	c->snomask = mask;
	if (mask != 0 && c->local != NULL)
		ptrmap_put(&subscribers, c, c);
	else
		ptrmap_del(&subscribers, c);
}

void
snomask_send(uint32_t category, const char *fmt, ...)
{
	char text[400];
	va_list ap;

	if (subscribers.count == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (uint32_t i = 0; subscribers.slots != NULL && i <= subscribers.mask; i++) {
		struct client *c = subscribers.slots[i].value;
		if (c != NULL && (c->snomask & category))
			send_line(c, ":%s NOTICE %s :*** Notice -- %s", me.name, c->nick, text);
	}
}
