-- Which invitations were answered cannot be recovered without the secret: after a revert
-- the invitations converted since read as open, and dossier codes stay hashed.
ALTER TABLE invitations RENAME COLUMN dossier_hash TO dossier_code;
ALTER TABLE invitations ADD COLUMN answered BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE invitations SET answered = TRUE WHERE id IN (SELECT invitation_id FROM legacy_answered);
DROP TABLE legacy_answered;
DROP TABLE used_tokens;
