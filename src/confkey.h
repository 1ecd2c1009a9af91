/* confkey.h — the keys of xfer.conf(5) and the values each one takes.
 *
 * One table names every key, the type of its value and the member of
 * struct account it sets; one static checker per type parses a value,
 * refuses a bad one with a message that names the file, the line and
 * the key, and stores a good one. config.c reads the file (lines,
 * sections, quotes, duplicates, whole accounts) and hands each
 * "key = value" to these. */
#ifndef XFER_CONFKEY_H
#define XFER_CONFKEY_H

#include "config.h"
#include "xerr.h"

/* The index of key in the table, or -1 if there is no such key. Indexes
 * are below the bits of an unsigned long: struct account's seen has one
 * bit per key. */
int confkey_find(const char *key);

/* Checks value for the key at index i (from confkey_find()) and stores it
 * in a; path and line are for messages. A string is copied, and a owns
 * the copy (config_free() frees it). Returns XE_OK, XE_CONFIG with
 * "PATH:LINE: " and what the key takes, or XE_SOFTWARE when memory runs
 * out. */
enum xerr_code confkey_set(int i, struct account *a, const char *value, const char *path,
			   int line, struct xerr *err);

#endif
