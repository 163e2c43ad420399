/*
 * test-ownfolder.c - ndr_own_folder_name(): the Sent, Drafts, Trash and
 * Junk folders of Maildir++ and plain layouts, in other languages, any
 * letter case, IMAP modified UTF-7 and decomposed accents, nested and
 * Gmail's; and the folders of other mail that merely look alike.
 */
#include <glib.h>

#include "ownfolder.h"

static void
test_own(void)
{
	static const char *const own[] = {
	    ".Sent",           "Sent",
	    ".Drafts",         ".Trash",
	    ".Junk",           ".Spam",
	    ".SENT",           ".sent messages",
	    ".Sent Items",     ".Sent.2024",
	    ".Archive.Sent",   ".[Gmail].Sent Mail",
	    ".Gesendet",       ".Entw&APw-rfe",
	    ".Envoy&AOk-s",    "Envoy\xc3\xa9s",
	    "Envoye\xcc\x81s", ".&AMk-l&AOk-ments envoy&AOk-s",
	    "Papierkorb",      ".Deleted Messages",
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(own); i++) {
		g_test_message("%s", own[i]);
		g_assert_true(ndr_own_folder_name(own[i]));
	}
}

static void
test_not_own(void)
{
	static const char *const other[] = {
	    ".Lists",     "INBOX",       "Maildir",           ".Sentinel",
	    ".Sent-old.", "Backscatter", ".Archive",          "cur",
	    "&-Sent",     ".&zzzz-",     ".Junkyard",         "",
	    ".",          "..",          ".[Gmail].All Mail",
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(other); i++) {
		g_test_message("%s", other[i]);
		g_assert_false(ndr_own_folder_name(other[i]));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ownfolder/own", test_own);
	g_test_add_func("/ownfolder/not-own", test_not_own);
	return g_test_run();
}
