DROP TABLE answers;
DROP TABLE responses;
DROP TABLE invitations;
DROP TABLE api_keys;
DROP TABLE survey_versions;
DROP TABLE agency_successors;
DROP TABLE agencies;
