DROP TABLE response_counts;
DROP TABLE answer_counts;
DROP INDEX responses_unfolded;
ALTER TABLE responses DROP COLUMN folded;
