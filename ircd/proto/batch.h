/*
 * batch.h - the one way to frame lines to a client: reply batches that
 * nest (IRCv3 batch), labeled responses (labeled-response), and the
 * references of batches sent to many (draft/multiline, netsplit).
 */
#ifndef EVIRCD_BATCH_H
#define EVIRCD_BATCH_H

#include <stddef.h>

struct client;
struct outmsg;

/*
 * Open a batch to c ("BATCH +REF type [params]"), inside any batch open
 * to c already; until batch_close every line to c carries @batch=REF.
 * label: a label taken earlier (label_take) for an answer that comes
 * late, else NULL.  Without the batch capability nothing is framed.
 */
void batch_open(struct client *c, const char *label, const char *type, const char *params);
void batch_close(struct client *c);
/* A command must close what it opens: close (and log) what it left open. */
void batch_close_all(struct client *c, const char *why);
/*
 * A batch many recipients share (draft/multiline; netsplit and netjoin
 * with TS6): a fresh reference, and its opening and closing lines as
 * messages to fan out (source from, or this server when NULL).  Lines
 * inside it carry the reference with outmsg_set_batch.
 */
void batch_ref_new(char *out, size_t size);
struct outmsg *batch_shared_open(const struct client *from, const char *ref, const char *type,
                                 const char *params);
struct outmsg *batch_shared_close(const struct client *from, const char *ref);

/*
 * labeled-response, run by the dispatcher around one labeled command:
 * its single reply carries the label, several go in a labeled-response
 * batch, none gets an ACK.  Lines are passed through as they come.
 */
void label_begin(struct client *c, const char *label);
void label_end(struct client *c);
/*
 * What c is sent between label_aside(c, 1) and label_aside(c, 0) is a side
 * effect of its labeled command, not a response (a message c sent to
 * itself: only the echo is the response): it carries no label and stays
 * out of the labeled-response batch.
 */
void label_aside(struct client *c, int on);
/* The command answers later, labeled by itself: no ACK now. */
void label_take(struct client *c, char *out, size_t size);
/*
 * The later answer of a label taken earlier, given by a command that is
 * not labeled itself (draft/multiline's BATCH -): run it as that label's
 * command.  1 when it began one (then label_end), 0 when a label is
 * running for c already or label is empty.
 */
int label_resume(struct client *c, const char *label);
/*
 * The opening line of a batch that is by itself the labeled command's
 * answer (a draft/multiline echo): it carries the label, and no ACK or
 * labeled-response batch follows.  Other lines before it: sent as usual.
 */
void label_send_opening(struct client *c, struct outmsg *om);

/* The send path's entry for a client whose output is framed (net CONN_OUTPUT_HOOK). */
void batch_filter(struct client *c, const char *line, size_t len);

#endif
