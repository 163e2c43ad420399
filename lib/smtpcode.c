/*
 * smtpcode.c - find and measure the codes of SMTP replies (see
 * smtpcode.h).
 */
#include "smtpcode.h"

size_t
ndr_smtp_status_len(const char *s)
{
	size_t i = 0, part, digits;

	if (s[0] != '2' && s[0] != '4' && s[0] != '5')
		return 0;
	i = 1;
	for (part = 0; part < 2; part++) {
		if (s[i] != '.')
			return 0;
		i++;
		for (digits = 0; g_ascii_isdigit(s[i]) && digits < 3; digits++)
			i++;
		if (digits == 0)
			return 0;
	}
	/* Not part of a longer number or a dotted address. */
	if (g_ascii_isdigit(s[i]) || (s[i] == '.' && g_ascii_isdigit(s[i + 1])))
		return 0;
	return i;
}

char *
ndr_smtp_find_status(const char *text)
{
	const char *p;
	size_t n;

	if (text == NULL)
		return NULL;
	for (p = text; *p != '\0'; p++) {
		if (p > text && (g_ascii_isdigit(p[-1]) || p[-1] == '.'))
			continue;
		if ((n = ndr_smtp_status_len(p)) > 0)
			return g_strndup(p, n);
	}
	return NULL;
}

gboolean
ndr_smtp_reply_code_at(const char *s)
{
	return (s[0] == '2' || s[0] == '4' || s[0] == '5') &&
	       g_ascii_isdigit(s[1]) && g_ascii_isdigit(s[2]) &&
	       (s[3] == ' ' || s[3] == '-' || s[3] == '\0');
}

const char *
ndr_smtp_last_reply(const char *text, size_t *status)
{
	const char *p, *found = NULL;
	size_t at;

	for (p = text; *p != '\0'; p++) {
		if (p > text && (g_ascii_isalnum(p[-1]) || p[-1] == '.'))
			continue;
		if (!ndr_smtp_reply_code_at(p) || p[3] == '\0')
			continue;
		at = 4 + (p[4] == '#' || p[4] == '\'' || p[4] == '"');
		if (ndr_smtp_status_len(p + at) > 0) {
			found = p;
			*status = at;
		}
	}
	return found;
}

/*
 * The reply quoted last with an enhanced code, else the code a
 * diagnostic starts with ("550 Unknown user").
 */
char *
ndr_smtp_find_reply_code(const char *text)
{
	const char *p;
	size_t at;

	if (text == NULL)
		return NULL;
	if ((p = ndr_smtp_last_reply(text, &at)) != NULL)
		return g_strndup(p, 3);
	for (p = text; g_ascii_isspace(*p); p++)
		;
	return ndr_smtp_reply_code_at(p) ? g_strndup(p, 3) : NULL;
}
