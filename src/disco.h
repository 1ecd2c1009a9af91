/* disco.h — what the user's server offers for file transfer (XEP-0030).
 *
 * disco_server() asks the server's domain and each of its disco#items for
 * disco#info, all at once, and for every SOCKS5 proxy (identity
 * proxy/bytestreams) asks for its streamhost (XEP-0065 section 6.2). A
 * service that does not answer is listed with its error; it does not fail
 * the whole discovery. The parse functions are pure and unit-tested. */
#ifndef XFER_DISCO_H
#define XFER_DISCO_H

#include <strophe.h>

#include "session.h"

#define NS_DISCO_ITEMS "http://jabber.org/protocol/disco#items"
#define NS_DISCO_INFO "http://jabber.org/protocol/disco#info"
#define NS_BYTESTREAMS "http://jabber.org/protocol/bytestreams"
#define NS_HTTP_UPLOAD "urn:xmpp:http:upload:0"

struct disco_service {
	char *jid;
	char *error;		/* NULL, or why its info could not be had */
	int proxy;		/* identity proxy/bytestreams */
	int upload;		/* feature urn:xmpp:http:upload:0 */
	long long upload_max;	/* max-file-size, -1 if not announced */
	char *sh_jid;		/* proxy streamhost, when proxy */
	char *sh_host;
	unsigned short sh_port;
	char *sh_error;		/* NULL, or why the streamhost is unknown */
};

struct disco_result {
	struct disco_service *v;
	size_t n;
};

#define DISCO_MAX_ITEMS 64

/* Fills out; returns XE_OK, or an error when not even the items query was
 * answered. Everything ends by deadline (session_now_ms() time); a server
 * that lists more than DISCO_MAX_ITEMS items has the rest ignored. */
enum xerr_code disco_server(struct session *s, long long deadline, struct disco_result *out,
			    struct xerr *err);
void disco_result_free(struct disco_result *r);

/* Pure parsers over reply stanzas (type result). Each returns 0 on success,
 * -1 if the reply does not have the expected shape. */
int disco_parse_info(xmpp_stanza_t *reply, struct disco_service *svc);
int disco_parse_streamhost(xmpp_stanza_t *reply, struct disco_service *svc);

/* A readable form of an error reply: "item-not-found", "no answer", ... */
const char *disco_error_condition(xmpp_stanza_t *reply);

#endif
