/* oper.h - becoming and ceasing to be an IRC operator. */
#ifndef EVIRCD_OPER_H
#define EVIRCD_OPER_H

#include <stdint.h>

struct client;
struct conf_oper;

void oper_up(struct client *c, const struct conf_oper *o);
void oper_down(struct client *c);
/* 1 when c is an operator holding every privilege in privs; else 481. */
int oper_require(struct client *c, uint32_t privs);

struct irc_msg;
/* DIE and RESTART: 1 when the first parameter is this server's name. */
int confirm_server_name(struct client *c, struct irc_msg *m, const char *cmd);

#endif
