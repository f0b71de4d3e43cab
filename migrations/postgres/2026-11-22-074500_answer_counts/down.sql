DROP TABLE response_counts;
DROP TABLE answer_counts;
