/*
 * htmltext.h - the text a reader sees in an HTML part.
 *
 * Mailers that write their reports in HTML (Yahoo, some Chinese hosts)
 * put each recipient on a "line" that only a <br> ends: the rules read
 * lines, so an HTML part is read as its rendered text.
 */
#ifndef NDR_HTMLTEXT_H
#define NDR_HTMLTEXT_H

#include <glib.h>

/*
 * The text of html (len bytes): tags removed, line-breaking elements
 * (br, p, div, tr, li, headings) made line ends, the entities mail
 * uses decoded.  g_free() the result; *out is its length.
 */
char *ndr_html_text(const char *html, size_t len, size_t *out);

#endif /* NDR_HTMLTEXT_H */
