-- The daily counters rolled up by month (month = year * 12 + month - 1), kept in the same
-- transaction as stat_daily, so that a board over a year reads twelve rows per unit and field
-- instead of hundreds. Filled from stat_daily for databases that already hold dossiers.
CREATE TABLE stat_monthly (
    unit_id BIGINT NOT NULL,
    month INTEGER NOT NULL,
    field TEXT COLLATE "C" NOT NULL,
    received_counter BIGINT NOT NULL DEFAULT 0,
    received_post BIGINT NOT NULL DEFAULT 0,
    received_online BIGINT NOT NULL DEFAULT 0,
    received_national_portal BIGINT NOT NULL DEFAULT 0,
    settled_early BIGINT NOT NULL DEFAULT 0,
    settled_on_time BIGINT NOT NULL DEFAULT 0,
    settled_late BIGINT NOT NULL DEFAULT 0,
    returned BIGINT NOT NULL DEFAULT 0,
    withdrawn BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, month, field)
);
INSERT INTO stat_monthly (unit_id, month, field, received_counter, received_post, received_online, received_national_portal, settled_early, settled_on_time, settled_late, returned, withdrawn)
SELECT unit_id, (EXTRACT(YEAR FROM DATE '1970-01-01' + day)::INTEGER * 12 + EXTRACT(MONTH FROM DATE '1970-01-01' + day)::INTEGER - 1) AS month, field, SUM(received_counter), SUM(received_post), SUM(received_online), SUM(received_national_portal), SUM(settled_early), SUM(settled_on_time), SUM(settled_late), SUM(returned), SUM(withdrawn)
FROM stat_daily GROUP BY unit_id, (EXTRACT(YEAR FROM DATE '1970-01-01' + day)::INTEGER * 12 + EXTRACT(MONTH FROM DATE '1970-01-01' + day)::INTEGER - 1), field;
-- The board's days at the edges of a period are read by day across all units.
CREATE INDEX stat_daily_by_day ON stat_daily (day);
