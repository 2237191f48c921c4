-- The daily counters summed over a unit's procedures, kept in the same transaction as
-- stat_daily and stat_monthly: the board reads the days at a period's edges from here (a few
-- hundred rows a day across the city instead of thousands). Keyed by day first, because the
-- board reads a range of days across all units. Filled from stat_daily for databases that
-- already hold dossiers; stat_daily_by_day is then no longer read.
CREATE TABLE stat_unit_daily (
    day INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    field TEXT NOT NULL,
    received_counter INTEGER NOT NULL DEFAULT 0,
    received_post INTEGER NOT NULL DEFAULT 0,
    received_online INTEGER NOT NULL DEFAULT 0,
    received_national_portal INTEGER NOT NULL DEFAULT 0,
    settled_early INTEGER NOT NULL DEFAULT 0,
    settled_on_time INTEGER NOT NULL DEFAULT 0,
    settled_late INTEGER NOT NULL DEFAULT 0,
    returned INTEGER NOT NULL DEFAULT 0,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, unit_id, field)
) WITHOUT ROWID;
INSERT INTO stat_unit_daily (day, unit_id, field, received_counter, received_post, received_online, received_national_portal, settled_early, settled_on_time, settled_late, returned, withdrawn)
SELECT day, unit_id, field, SUM(received_counter), SUM(received_post), SUM(received_online), SUM(received_national_portal), SUM(settled_early), SUM(settled_on_time), SUM(settled_late), SUM(returned), SUM(withdrawn)
FROM stat_daily GROUP BY day, unit_id, field;
DROP INDEX stat_daily_by_day;
