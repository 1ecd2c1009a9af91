/* utf8.h — UTF-8 decoding and the characters that can disguise text (pure).
 *
 * Shared by the file-name sanitizer (sink.c) and the log (log.c), so that
 * what may not appear in a delivered name is what never reaches a
 * terminal or a log unescaped. */
#ifndef XFER_UTF8_H
#define XFER_UTF8_H

#include <stddef.h>

/* Length of the UTF-8 sequence at p (1 to 4) with its code point in *cp,
 * or 0 if it is not valid UTF-8 (overlong, surrogate, past U+10FFFF, cut
 * short). Reads no further than a byte that does not continue it, so a
 * NUL-terminated string is never overrun. */
size_t utf8_decode(const unsigned char *p, unsigned *cp);

/* 1 for a character that is invisible or changes how the text around it
 * is shown: C0 and C1 controls, DEL, the bidi marks, embeddings,
 * overrides and isolates (U+061C, U+200E/F, U+202A..E, U+2066..9),
 * zero-width and other invisible characters (U+00AD, U+180E,
 * U+200B..D, U+2060..4, the BOM, U+FFF9..B, the tags U+E0000..7F) and
 * the line and paragraph separators. */
int utf8_disguising(unsigned cp);

#endif
