DROP TABLE agency_answer_days;
DROP TABLE agency_answer_totals;
DROP TABLE invitation_totals;
DROP TABLE invitation_counts;
DROP TABLE response_totals;
DROP TABLE answer_totals;
