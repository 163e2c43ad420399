/*
 * ownfolder.c - the usual names of the folders that hold the user's own
 * mail (see ownfolder.h).
 *
 * The list is of what mail clients and servers create: Dovecot's and
 * Courier's defaults, Thunderbird, Apple Mail, Outlook and Exchange,
 * Gmail's "[Gmail]" folders, and their German, French, Spanish,
 * Italian, Dutch and Portuguese names.  Keep it in step with the list in
 * ndrcheck(1) "scan".
 */
#include <string.h>

#include "ownfolder.h"

static const char *const own_names[] = {
    /* Sent */
    "Sent",
    "Sent Messages",
    "Sent Items",
    "Sent Mail",
    "Outbox",
    "Gesendet",
    "Gesendete Objekte",
    "Gesendete Elemente",
    "Postausgang",
    "Envoyés",
    "Éléments envoyés",
    "Messages envoyés",
    "Enviados",
    "Elementos enviados",
    "Inviati",
    "Posta inviata",
    "Verzonden",
    "Verzonden items",
    "Enviadas",
    "Itens enviados",
    /* Drafts and templates */
    "Drafts",
    "Draft",
    "Templates",
    "Entwürfe",
    "Vorlagen",
    "Brouillons",
    "Borradores",
    "Bozze",
    "Concepten",
    "Rascunhos",
    /* Trash */
    "Trash",
    "Deleted Messages",
    "Deleted Items",
    "Bin",
    "Papierkorb",
    "Gelöschte Elemente",
    "Gelöschte Objekte",
    "Corbeille",
    "Éléments supprimés",
    "Papelera",
    "Elementos eliminados",
    "Cestino",
    "Prullenbak",
    "Verwijderde items",
    "Lixo",
    "Lixeira",
    "Itens excluídos",
    /* Junk */
    "Junk",
    "Junk E-mail",
    "Junk Email",
    "Spam",
    "Bulk Mail",
    "Junk-E-Mail",
    "Indésirables",
    "Courrier indésirable",
    "Pourriel",
    "Correo no deseado",
    "Posta indesiderata",
    "Ongewenste e-mail",
};

/*
 * Maildir++ names folders in IMAP's modified UTF-7 (RFC 3501 5.1.3,
 * "Envoy&AOk-s"); glibc's iconv reads it as "UTF-7-IMAP".  NULL if the
 * name is not valid in it.
 */
static char *
mutf7_decode(const char *name)
{
	return g_convert(name, -1, "UTF-8", "UTF-7-IMAP", NULL, NULL, NULL);
}

/* name in the one form compared: NFC, case folded; NULL if not UTF-8. */
static char *
folded(const char *name)
{
	char *nfc, *fold;

	if (!g_utf8_validate(name, -1, NULL))
		return NULL;
	nfc = g_utf8_normalize(name, -1, G_NORMALIZE_DEFAULT_COMPOSE);
	fold = g_utf8_casefold(nfc, -1);
	g_free(nfc);
	return fold;
}

static gboolean
listed(const char *component)
{
	char *name = folded(component), *own;
	gboolean found = FALSE;
	gsize i;

	for (i = 0; name != NULL && !found && i < G_N_ELEMENTS(own_names);
	     i++) {
		own = folded(own_names[i]);
		found = strcmp(name, own) == 0;
		g_free(own);
	}
	g_free(name);
	return found;
}

gboolean
ndr_own_folder_name(const char *name)
{
	char *decoded = strchr(name, '&') != NULL ? mutf7_decode(name) : NULL;
	char **parts;
	gboolean own = FALSE;
	int i;

	/* ".Archive.Sent" is Sent inside Archive; "Sent" is a plain one. */
	parts = g_strsplit(decoded != NULL ? decoded : name, ".", -1);
	for (i = 0; !own && parts[i] != NULL; i++)
		own = parts[i][0] != '\0' && listed(parts[i]);
	g_strfreev(parts);
	g_free(decoded);
	return own;
}
