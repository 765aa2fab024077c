-- A collaboration ticket remembers the session or API token that asked for it, so the socket
-- it opens closes when that credential ends (signed out, revoked, expired), as a socket
-- opened with the cookie or the token itself does.
ALTER TABLE collab_tickets ADD COLUMN session_id TEXT;
ALTER TABLE collab_tickets ADD COLUMN api_token_id TEXT;
