/* ibb.h — In-Band Bytestreams (XEP-0047).
 *
 * Sending: ibb_send_new() opens the stream and ibb_send_pump() keeps up to
 * `window` data IQs unacknowledged, never letting libstrophe's send queue
 * grow past that either. A <resource-constraint/> answer to the open makes
 * it retry with half the block size (down to 512). The stream is closed
 * after the last ack; the receiver's answer to <close/> is the verdict on
 * the whole file (an error there means it rejected the file). The open
 * and the close wait at most idle_ms for their answers; data IQs fail the
 * stream when no ack came for idle_ms (counted from the last ack, not from
 * when an IQ was queued), and the window shrinks to what the measured ack
 * rate drains in a quarter of idle_ms (a shaping server).
 *
 * Receiving: the parse functions check an <open/> or <data/> and say which
 * error condition applies; the caller owns the stream state. block-size
 * counts bytes before base64 encoding (XEP-0047 2.0). seq wraps from
 * 65535 to 0. */
#ifndef XFER_IBB_H
#define XFER_IBB_H

#include <stdint.h>

#include "progress.h"
#include "session.h"
#include "source.h"
#include "xerr.h"

#define IBB_BLOCK_MAX 65535
#define IBB_BLOCK_MIN 512

struct ibb_send;

struct ibb_send *ibb_send_new(struct session *s, const char *peer, const char *sid,
			      struct source *src, struct progress *pr, int block_size,
			      int window, long idle_ms);
/* Moves the stream on; returns 0 while running, 1 when the receiver
 * accepted the file, -1 on failure (see ibb_send_error()). */
int ibb_send_pump(struct ibb_send *b);
/* Fails the stream from outside (peer went away, peer closed it). */
void ibb_send_fail(struct ibb_send *b, enum xerr_code code, const char *why);
const struct xerr *ibb_send_error(const struct ibb_send *b);
/* After a failure: > 0 if the receiver wants smaller blocks but refused a
 * second open of the same stream, so a new offer should use this size. */
int ibb_send_reoffer_block(const struct ibb_send *b);
/* 1 if the receiver accepted the open (so it holds a partial file). */
int ibb_send_opened(const struct ibb_send *b);
const char *ibb_send_sid(const struct ibb_send *b);
void ibb_send_free(struct ibb_send *b);

static inline uint16_t ibb_seq_next(uint16_t seq)
{
	return (uint16_t)(seq + 1u); /* 65535 -> 0 */
}

/* <open/>: fills sid (128 bytes), *block and *messages (stanza='message').
 * Returns 0, or -1 with the condition to answer in *cond. */
int ibb_parse_open(xmpp_stanza_t *st, char *sid, int *block, int *messages, const char **cond);

/* <data/> (in an iq or a message): fills sid and *seq and returns the
 * element, or NULL when malformed. */
xmpp_stanza_t *ibb_parse_data(xmpp_stanza_t *st, char *sid, unsigned *seq);

/* <close/>: fills sid; 0, or -1 when malformed. */
int ibb_parse_close(xmpp_stanza_t *st, char *sid);

/* <close/> IQ to peer for sid, ready to send. */
xmpp_stanza_t *ibb_close_build(xmpp_ctx_t *ctx, const char *peer, const char *sid);

#endif
