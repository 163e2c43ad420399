-- ~/.imapfilter/config.lua - ndrcheck for mail read over IMAP only.
--
-- imapfilter(1) runs this from cron or a systemd timer (every few
-- minutes; `imapfilter -c ~/.imapfilter/config.lua`):
--   1. it pipes the headers of the recent messages of Sent to
--      `ndrcheck record`, so that bounces of them are genuine (recording
--      a message twice adds nothing);
--   2. it pipes each unread message of INBOX to `ndrcheck`, and moves
--      those it answers with exit status 0 (backscatter) to Backscatter.
-- Any other status leaves the message where it is, unread and unchanged:
-- genuine (1), not-bounce (2), unknown (3), and every failure (64, 75, a
-- crash), so that a broken filter files nothing away.

-- account: the server, user and password (or get_password(), or a
-- password vault: man imapfilter_config).
account = IMAP {
    server = 'imap.example.org',
    username = 'jan',
    password = 'secret',
    ssl = 'auto',
}
-- end of account

local sent = 'Sent'
local backscatter = 'Backscatter'
local sent_days = 7 -- re-recorded each run: keep it above the interval

options.timeout = 60
options.create = true -- make Backscatter on first use
options.subscribe = true
options.info = false

-- 1. Record what was sent before judging bounces of it.
for _, msg in ipairs(account[sent]:is_newer(sent_days)) do
    local mbox, uid = table.unpack(msg)
    local header = mbox[uid]:fetch_header()
    if header ~= nil then
        pipe_to('ndrcheck record', header)
    end
end

-- 2. Move the backscatter among the unread messages of INBOX.
local found = Set {}
for _, msg in ipairs(account.INBOX:is_unseen()) do
    local mbox, uid = table.unpack(msg)
    local text = mbox[uid]:fetch_message()
    if text ~= nil and pipe_to('ndrcheck', text) == 0 then
        table.insert(found, msg)
    end
end
found:move_messages(account[backscatter])
