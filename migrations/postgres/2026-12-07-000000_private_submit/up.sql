-- A submit no longer touches its invitation (PRODUCT §5): on PostgreSQL rows written in one
-- transaction share xmin, so claiming the invitation beside the response named its dossier.
-- A used link now leaves only a keyed hash of its token (`InvitationToken::used_tag`), which
-- only the service, holding the secret, can match to an invitation.
CREATE TABLE used_tokens (
    tag TEXT PRIMARY KEY NOT NULL
);

-- The answered invitations of before, until the service (which holds the secret) turns them
-- into used tags at its next start (`store::privacy::convert_legacy`) and empties this table.
CREATE TABLE legacy_answered (
    invitation_id TEXT PRIMARY KEY NOT NULL
);
INSERT INTO legacy_answered (invitation_id) SELECT id FROM invitations WHERE answered;
ALTER TABLE invitations DROP COLUMN answered;

-- Dossier codes are kept as keyed hashes (`domain::token::dossier_hash`); the same start
-- hashes the plain codes of before in place.
ALTER TABLE invitations RENAME COLUMN dossier_code TO dossier_hash;
