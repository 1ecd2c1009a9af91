/* test_transfer.c — the fallback decision (transfer_next), and the engine
 * (transfer_send) driving a fake negotiation and fake transports through
 * the same tables the real ones fill: which offers are made, in which
 * order methods run, what counts as tried, and the final message. */
#include <stdlib.h>
#include <string.h>

#include "../../src/negotiation.h"
#include "../../src/peer.h"
#include "../../src/si.h"
#include "tap.h"
#include "../../src/transfer.h"
#include "../../src/transport.h"

static void test_next(void)
{
	static const struct {
		struct next_input in;
		enum next_step want;
		const char *name;
	} cases[] = {
		{ { OUT_OK, 0, 0, 0, 0 }, NEXT_DONE, "delivered: done" },
		{ { OUT_OK, 1, 1, 1, 3 }, NEXT_DONE, "delivered with more left: done" },
		{ { OUT_FAIL, 1, 1, 1, 0 }, NEXT_FAIL, "failed for good: no fallback" },
		{ { OUT_NEXT, 1, 1, 1, 0 }, NEXT_METHOD, "si-multiple, a method left: next method" },
		{ { OUT_NEXT, 1, 0, 1, 0 }, NEXT_REOFFER, "si-multiple, none left: a new offer" },
		{ { OUT_NEXT, 0, 1, 1, 0 }, NEXT_REOFFER, "plain SI: a new offer" },
		{ { OUT_NEXT, 0, 0, 0, 0 }, NEXT_GIVE_UP, "nothing untried: give up" },
		{ { OUT_NEXT, 0, 0, 1, 8 }, NEXT_GIVE_UP, "eight offers made: give up" },
		{ { OUT_NEXT, 0, 0, 1, 7 }, NEXT_REOFFER, "seventh offer: one more" },
		{ { OUT_REOFFER, 0, 0, 0, 0 }, NEXT_REOFFER, "smaller IBB block: offer again" },
		{ { OUT_REOFFER, 1, 1, 1, 8 }, NEXT_GIVE_UP, "reoffer after eight: give up" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(transfer_next(&cases[i].in) == cases[i].want, "next: %s", cases[i].name);
}

/* --- the fakes: scripted outcomes, a log of calls ---------------------- */

#define SCRIPT 16

static struct {
	/* negotiation */
	enum outcome offer[SCRIPT];	/* per offer */
	int agree[SCRIPT][4];		/* what the answer agrees to (0-ended) */
	int multiple[SCRIPT];
	int noffers;
	int offered[SCRIPT][4];		/* what each offer carried */
	int over_send;			/* the peer ends the negotiation at this send */
	int fallbacks[SCRIPT];
	int nfallbacks;
	int ends;
	/* transports */
	enum outcome send[SCRIPT];
	const char *why[SCRIPT];
	int sent[SCRIPT];		/* the method of each send */
	int nsends;
	int stops;
	char calls[512];		/* "offer(s5b,ibb) s5b ibb end" */
} F;

static void call(const char *what)
{
	size_t n = strlen(F.calls);

	snprintf(F.calls + n, sizeof(F.calls) - n, "%s%s", n ? " " : "", what);
}

static enum outcome fake_offer(struct transfer *t, int marks)
{
	int k = F.noffers++, i;
	char buf[64] = "offer(";

	for (i = 0; i < t->nmethods; i++) {
		F.offered[k][i] = t->methods[i];
		strcat(buf, method_name(t->methods[i]));
		strcat(buf, i + 1 < t->nmethods ? "," : ")");
	}
	call(buf);
	if (F.offer[k] != OUT_OK) {
		xerr_set(&t->err, XE_UNAVAILABLE, "offer %d refused", k + 1);
		for (i = 0; marks && i < t->nmethods; i++) { /* as SI does */
			t->tried |= (unsigned)t->methods[i];
			transfer_attempt(t, t->methods[i], t->err.msg);
		}
		return F.offer[k];
	}
	for (i = 0; F.agree[k][i] != 0; i++)
		t->methods[i] = F.agree[k][i];
	t->nmethods = i;
	t->multiple = F.multiple[k];
	return OUT_OK;
}

/* Offered first (like Jingle): a refusal leaves the methods untried. */
static enum outcome fake_first_offer(struct transfer *t)
{
	return fake_offer(t, 0);
}

/* Offered in rounds (like SI): a refusal means its methods failed. */
static enum outcome fake_rounds_offer(struct transfer *t)
{
	return fake_offer(t, 1);
}

static enum outcome fake_fall_back(struct transfer *t, int m)
{
	(void)t;
	F.fallbacks[F.nfallbacks++] = m;
	call("replace");
	return OUT_OK;
}

static enum outcome fake_end(struct transfer *t, enum outcome out)
{
	(void)t;
	F.ends++;
	call("end");
	return out;
}

static const struct negotiation fake_first = {
	.name = "first", .title = "First", .via = "",
	.offer = fake_first_offer, .fall_back = fake_fall_back, .end = fake_end,
};
static const struct negotiation fake_rounds = {
	.name = "rounds", .title = "Rounds", .via = "",
	.offer = fake_rounds_offer, .fall_back = fake_fall_back, .end = fake_end,
};

static enum outcome fake_send(struct transfer *t)
{
	int k = F.nsends++;

	F.sent[k] = t->tr->method;
	call(t->tr->name);
	if (F.over_send == k + 1)
		t->over = 1;
	if (F.send[k] != OUT_OK)
		xerr_set(&t->err, XE_UNAVAILABLE, "%s", F.why[k] != NULL ? F.why[k] : "no");
	if (F.send[k] == OUT_REOFFER)
		t->block /= 2;
	return F.send[k];
}

static void fake_stop(struct transfer *t)
{
	(void)t;
	F.stops++;
}

static const struct transport fake_a = { .name = "s5b", .method = METHOD_S5B,
	.send = fake_send, .stop = fake_stop };
static const struct transport fake_b = { .name = "ibb", .method = METHOD_IBB,
	.send = fake_send, .stop = fake_stop };
static const struct transport fake_c = { .name = "oob", .method = METHOD_OOB, .alone = 1,
	.send = fake_send, .stop = fake_stop };
static const struct transport *const fake_transports[] = { &fake_a, &fake_b, &fake_c, NULL };
static const struct engine fake_engine = { &fake_first, &fake_rounds, fake_transports };

/* A recipient that takes every method by either negotiation. */
static void fake_peer(struct peer *p, int protocol)
{
	static struct xfer_opts o;

	memset(p, 0, sizeof(*p));
	p->o = &o;
	snprintf(p->jid, sizeof(p->jid), "bob@example.org/box");
	p->methods[0] = METHOD_S5B;
	p->methods[1] = METHOD_IBB;
	p->methods[2] = METHOD_OOB;
	p->protocol = protocol;
	p->block = 4096;
	p->peer_methods = METHOD_S5B | METHOD_IBB | METHOD_OOB;
	p->peer_jmethods = METHOD_S5B | METHOD_IBB;
	p->peer_jingle = 1;
}

static enum xerr_code run(struct transfer *t, struct peer *p, int protocol)
{
	static struct source src;

	fake_peer(p, protocol);
	src.name = "f.bin";
	transfer_init(t, ROLE_SEND, NULL);
	t->engine = &fake_engine;
	t->p = p;
	t->src = &src;
	snprintf(t->peer, sizeof(t->peer), "%s", p->jid);
	return transfer_send(t);
}

static void reset(void)
{
	memset(&F, 0, sizeof(F));
}

static void test_engine(void)
{
	struct transfer t;
	struct peer p;

	/* si-multiple: S5B fails untouched, the same offer goes on by IBB. */
	reset();
	F.agree[0][0] = METHOD_S5B, F.agree[0][1] = METHOD_IBB, F.multiple[0] = 1;
	F.send[0] = OUT_NEXT, F.why[0] = "no streamhost worked";
	F.send[1] = OUT_OK;
	ok(run(&t, &p, PROTO_SI) == XE_OK, "multiple: delivered");
	is_str(F.calls, "offer(s5b,ibb) s5b replace ibb end", "multiple: one offer, S5B then IBB");
	ok(t.used == METHOD_IBB && F.nfallbacks == 1 && F.fallbacks[0] == METHOD_IBB,
	   "multiple: IBB carried it, by one fall_back");
	ok(t.natt == 1 && t.att[0].method == METHOD_S5B, "multiple: S5B counts as tried");

	/* Plain SI: the receiver takes one method; after it failed, a new
	 * offer without it. */
	reset();
	F.agree[0][0] = METHOD_S5B;
	F.send[0] = OUT_NEXT, F.why[0] = "refused";
	F.agree[1][0] = METHOD_IBB;
	F.send[1] = OUT_OK;
	ok(run(&t, &p, PROTO_SI) == XE_OK, "plain: delivered");
	is_str(F.calls, "offer(s5b,ibb) s5b end offer(ibb) ibb end",
	       "plain: a second offer without the failed method");

	/* Everything fails untouched: OOB alone, then the summary. */
	reset();
	F.agree[0][0] = METHOD_S5B, F.agree[0][1] = METHOD_IBB, F.multiple[0] = 1;
	F.send[0] = OUT_NEXT, F.why[0] = "a";
	F.send[1] = OUT_NEXT, F.why[1] = "b";
	F.send[2] = OUT_NEXT, F.why[2] = "c";
	ok(run(&t, &p, PROTO_SI) == XE_UNAVAILABLE, "all fail: unavailable");
	is_str(F.calls, "offer(s5b,ibb) s5b replace ibb end oob",
	       "all fail: OOB on its own, after the negotiated methods");
	is_str(t.err.msg, "no transfer method worked with bob@example.org/box; s5b: a; ibb: b; "
	       "oob: c", "all fail: the message lists every attempt");

	/* Data lost midway: no fallback, and what was tried before is said. */
	reset();
	F.agree[0][0] = METHOD_S5B, F.agree[0][1] = METHOD_IBB, F.multiple[0] = 1;
	F.send[0] = OUT_NEXT, F.why[0] = "refused";
	F.send[1] = OUT_FAIL, F.why[1] = "the stream broke";
	ok(run(&t, &p, PROTO_SI) == XE_UNAVAILABLE, "midway: failed");
	is_str(F.calls, "offer(s5b,ibb) s5b replace ibb end", "midway: nothing after the failure");
	is_str(t.err.msg, "the stream broke (after s5b: refused)", "midway: the earlier attempt");

	/* An offer refused for its form: every offered method is tried. */
	reset();
	F.offer[0] = OUT_NEXT;
	F.agree[1][0] = METHOD_OOB; /* not reached: OOB goes alone */
	F.send[0] = OUT_OK;
	ok(run(&t, &p, PROTO_SI) == XE_OK, "refused offer: OOB delivered");
	is_str(F.calls, "offer(s5b,ibb) end oob", "refused offer: then OOB");

	/* IBB asks for smaller blocks: the same method again, a new offer. */
	reset();
	F.agree[0][0] = METHOD_IBB;
	F.agree[1][0] = METHOD_IBB;
	F.send[0] = OUT_REOFFER;
	F.send[1] = OUT_OK;
	ok(run(&t, &p, PROTO_SI) == XE_OK, "reoffer: delivered");
	ok(F.noffers == 2 && F.offered[1][0] == METHOD_S5B && t.block == 2048,
	   "reoffer: a second offer, with the smaller block");

	/* A receiver that keeps asking: eight offers, then the message. */
	reset();
	{
		int i;
		for (i = 0; i < SCRIPT; i++) {
			F.agree[i][0] = METHOD_IBB;
			F.send[i] = OUT_REOFFER;
		}
	}
	ok(run(&t, &p, PROTO_SI) == XE_PROTOCOL, "reoffer loop: protocol error");
	ok(F.noffers == 8, "reoffer loop: eight offers at most (%d)", F.noffers);
	is_str(t.err.msg, "bob@example.org/box kept refusing the in-band bytestream",
	       "reoffer loop: the message");

	/* The first negotiation (Jingle) is refused before anything was
	 * tried: the second gets the offer, with every method. */
	reset();
	F.offer[0] = OUT_NEXT;
	F.agree[1][0] = METHOD_S5B;
	F.send[0] = OUT_OK;
	ok(run(&t, &p, PROTO_AUTO) == XE_OK, "first refused: delivered by the second");
	is_str(F.calls, "offer(s5b,ibb) end offer(s5b,ibb) s5b end",
	       "first refused: the same methods offered again");

	/* --protocol jingle: the first negotiation alone; what it did not
	 * try counts as failed, OOB still follows. */
	reset();
	F.offer[0] = OUT_NEXT;
	F.send[0] = OUT_NEXT, F.why[0] = "no";
	ok(run(&t, &p, PROTO_JINGLE) == XE_UNAVAILABLE, "jingle only: no method worked");
	is_str(F.calls, "offer(s5b,ibb) end oob",
	       "jingle only: no second offer of the negotiated methods");
	is_str(t.err.msg, "no transfer method worked with bob@example.org/box; s5b: offer 1 "
	       "refused; ibb: offer 1 refused; oob: no", "jingle only: the message");

	/* The peer ends the first negotiation during S5B: no transport-replace,
	 * nothing counts as tried, the second offers both again. */
	reset();
	F.agree[0][0] = METHOD_S5B, F.agree[0][1] = METHOD_IBB, F.multiple[0] = 1;
	F.send[0] = OUT_NEXT, F.why[0] = "ended";
	F.over_send = 1;
	F.agree[1][0] = METHOD_IBB;
	F.send[1] = OUT_OK;
	ok(run(&t, &p, PROTO_AUTO) == XE_OK, "ended: delivered by the second negotiation");
	is_str(F.calls, "offer(s5b,ibb) s5b end offer(s5b,ibb) ibb end",
	       "ended: no fall_back on an ended session");
	ok(t.natt == 0, "ended: no attempt recorded (%d)", t.natt);
}

int main(void)
{
	test_next();
	test_engine();
	return tap_done();
}
