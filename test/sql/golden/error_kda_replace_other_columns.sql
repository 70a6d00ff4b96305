CREATE OR REPLACE STREAM "click_counts" (user_id VARCHAR, clicks BIGINT);
