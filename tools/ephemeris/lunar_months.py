#!/usr/bin/env python3
"""Independent reference table of Vietnamese lunar months, from PyEphem.

This is a test oracle for the `calendar` crate, deliberately written without
looking at (or sharing code with) the Rust implementation: the astronomy comes
from PyEphem (libastro: VSOP87 Sun, Meeus/ELP Moon, IAU nutation, aberration,
Delta-T), and only the calendar rules are implemented here.

Rules (Ho Ngoc Duc, "Computing the Vietnamese lunar calendar"):
  1. A month starts on the civil day (at UTC+tz) containing the new moon.
  2. The December solstice (apparent solar longitude 270 deg) lies in month 11.
  3. If 13 lunations separate two months 11, the first month after month 11
     that contains no principal term (apparent solar longitude a multiple of
     30 deg) is a leap month and repeats the number of the month before it.
  4. Month 1 starts the lunar year; lunar year Y is the one whose month 1
     starts in Gregorian year Y.

Modes (all write to stdout):
  default             CSV `lunar_year,month,leap,start,days`
  --new-moons         new-moon and principal-term instants (UTC, to the second)
  --near-midnight M   events whose local time is within M minutes of midnight,
                      with what would change in the table if the event fell on
                      the other side of midnight
  --check             pass/fail of published facts (only meaningful at UTC+7)

Only dependency: `ephem` (pip install ephem).
"""

import argparse
import bisect
import datetime
import math
import sys

import ephem

# ephem.Date counts days from 1899-12-31 12:00 UT (the "Dublin Julian Day").
# Adding 0.5 makes day boundaries fall on UT midnight, so civil day numbers
# below count from this date.
DAY_ZERO = datetime.date(1899, 12, 31)
EPHEM_EPOCH = datetime.datetime(1899, 12, 31, 12, 0, 0)

SECOND = 1.0 / 86400.0
MEAN_TROPICAL_YEAR = 365.2422

_sun = ephem.Sun()


# --------------------------------------------------------------------------
# Astronomy
# --------------------------------------------------------------------------

def sun_apparent_longitude(d):
    """Apparent geocentric ecliptic longitude of the Sun, of date, in degrees.

    `Ecliptic(sun, epoch=d)` is NOT used: for a Body it starts from the
    astrometric place (a_ra/a_dec), which lacks aberration (-20.5") and
    nutation (up to +-17"), i.e. it would shift the terms by up to ~15 min.
    g_ra/g_dec is the apparent place (true equator and equinox of date, with
    nutation and aberration), which is what defines the solar terms.
    Converting it with libastro's mean obliquity only changes the longitude
    of a point on the ecliptic to second order in the nutation in obliquity
    (~1e-9 rad), so the result is the apparent longitude.

    Caveat: libastro stores g_ra/g_dec as single precision floats, so the
    longitude is quantised to ~0.1" (about 2 s of solar motion).
    """
    _sun.compute(d)
    eq = ephem.Equatorial(_sun.g_ra, _sun.g_dec, epoch=d)
    return math.degrees(float(ephem.Ecliptic(eq, epoch=d).lon))


def _signed_deg(x):
    """Wrap an angle difference into [-180, 180) so zero crossings are clean."""
    return (x + 180.0) % 360.0 - 180.0


def solar_term_instant(target_deg, guess):
    """Instant (ephem.Date float) at which the apparent longitude = target.

    Bisection rather than Newton/secant because the longitude is quantised
    (see above): bisection cannot be thrown off by a flat step, and with a
    4-day bracket 24 halvings reach < 0.03 s, far below the ~2 s noise floor.
    """
    def f(t):
        return _signed_deg(sun_apparent_longitude(t) - target_deg)

    lo, hi = guess - 2.0, guess + 2.0
    # The guess uses the mean solar motion; the true Sun can be ~2 days off
    # from that (equation of centre), so widen until the root is bracketed.
    while f(lo) > 0:
        lo -= 2.0
    while f(hi) < 0:
        hi += 2.0
    while hi - lo > 0.05 * SECOND:
        mid = 0.5 * (lo + hi)
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def principal_terms(start, end):
    """All (longitude_deg, instant) with longitude a multiple of 30 deg in
    (start, end), in chronological order."""
    terms = []
    t = float(start)
    lon = sun_apparent_longitude(t)
    target = (math.floor(lon / 30.0) + 1) * 30.0 % 360.0
    while True:
        ahead = (target - lon) % 360.0
        guess = t + ahead / 360.0 * MEAN_TROPICAL_YEAR
        t = solar_term_instant(target, guess)
        if t >= float(end):
            return terms
        terms.append((int(round(target)) % 360, t))
        lon = target
        target = (target + 30.0) % 360.0


def new_moons(start, end):
    """All new-moon instants (ephem.Date floats) in (start, end).

    ephem.next_new_moon solves for equal apparent geocentric ecliptic
    longitudes of Sun and Moon (g_ra/g_dec) to 0.1 s, which is exactly the
    astronomical definition the calendar uses.
    """
    out = []
    t = ephem.Date(start)
    while True:
        t = ephem.next_new_moon(t)
        if float(t) >= float(end):
            break
        if out:
            gap = float(t) - out[-1]
            # A synodic month is 29.27..29.83 days; anything else means the
            # search skipped or repeated a lunation.
            assert 29.2 < gap < 29.9, (ephem.Date(t), gap)
        out.append(float(t))
        t = ephem.Date(float(t) + 1.0)
    return out


# --------------------------------------------------------------------------
# Time helpers
# --------------------------------------------------------------------------

def local_day(t, tz_hours):
    """Civil day number (days since DAY_ZERO) at UTC+tz_hours of instant t.

    Delta-T is applied inside libastro: ephem dates are UT, so this is the
    civil (UTC-based) day, not a TT day.
    """
    return math.floor(t + 0.5 + tz_hours / 24.0)


def day_to_iso(n):
    return (DAY_ZERO + datetime.timedelta(days=n)).isoformat()


def instant_to_datetime(t, tz_hours=0.0):
    """Instant as a datetime at UTC+tz_hours, rounded to the second."""
    secs = round((t + tz_hours / 24.0) * 86400.0)
    return EPHEM_EPOCH + datetime.timedelta(seconds=secs)


def minutes_from_midnight(t, tz_hours):
    """Signed distance to the nearest local midnight, in minutes: positive
    if the event is just after midnight, negative if just before."""
    frac = (t + 0.5 + tz_hours / 24.0) % 1.0
    return frac * 1440.0 if frac < 0.5 else (frac - 1.0) * 1440.0


# --------------------------------------------------------------------------
# Calendar rules (work on civil day numbers only, so the near-midnight
# analysis can move one event by a day and rebuild the whole table cheaply)
# --------------------------------------------------------------------------

def build_months(moon_days, term_days):
    """Label every lunation between the first and last month 11.

    moon_days: sorted civil day numbers of the new moons (month starts).
    term_days: list of (longitude_deg, civil day) of principal terms.
    Returns a list of dicts: year, month, leap, start (day number), days.
    """
    starts = moon_days
    all_term_days = sorted(d for _, d in term_days)

    def month_has_term(k):
        # A term belongs to month k if its civil day is in
        # [start_k, start_{k+1}).
        i = bisect.bisect_left(all_term_days, starts[k])
        return i < len(all_term_days) and all_term_days[i] < starts[k + 1]

    # Month 11 = the month whose day range contains the December solstice.
    month11 = []
    for lon, d in term_days:
        if lon != 270:
            continue
        k = bisect.bisect_right(starts, d) - 1
        if 0 <= k < len(starts) - 1:
            year = (DAY_ZERO + datetime.timedelta(days=d)).year
            month11.append((year, k))

    months = []
    for (y0, k1), (y1, k2) in zip(month11, month11[1:]):
        assert y1 == y0 + 1
        n = k2 - k1
        # Twelve or thirteen lunations fit between two solstices, never other.
        assert n in (12, 13), (y0, n)
        leap_offset = None
        if n == 13:
            # First month after month 11 without a principal term. With 12
            # terms spread over 13 months there is always at least one.
            leap_offset = next(i for i in range(1, 13)
                               if not month_has_term(k1 + i))
        number, year = 11, y0
        for i in range(n):
            leap = 0
            if i > 0:
                if i == leap_offset:
                    leap = 1          # repeats the previous month's number
                else:
                    number = number % 12 + 1
                    if number == 1:
                        year = y1      # Tet: month 1 opens lunar year y1
            k = k1 + i
            months.append({"year": year, "month": number, "leap": leap,
                           "start": starts[k], "days": starts[k + 1] - starts[k]})
    return months


def select_years(months, first, last):
    return [m for m in months if first <= m["year"] <= last]


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------

class Ephemeris:
    """Instants of new moons and principal terms covering lunar years
    first..last (with a margin: lunar year Y needs the solstices of Y-1, Y
    and Y+1 and the new moon after the solstice of Y+1)."""

    def __init__(self, first, last):
        start = ephem.Date("%d/11/1" % (first - 2))
        end = ephem.Date("%d/6/1" % (last + 2))
        self.moons = new_moons(start, end)
        self.terms = principal_terms(start, end)

    def months(self, tz_hours):
        moon_days = [local_day(t, tz_hours) for t in self.moons]
        term_days = [(lon, local_day(t, tz_hours)) for lon, t in self.terms]
        return build_months(moon_days, term_days)


def write_csv(months, out):
    out.write("lunar_year,month,leap,start,days\n")
    for m in months:
        out.write("%d,%d,%d,%s,%d\n" % (m["year"], m["month"], m["leap"],
                                        day_to_iso(m["start"]), m["days"]))


def write_instants(eph, tz_hours, first_day, last_day, out):
    out.write("kind,longitude,utc,local\n")
    events = [("new_moon", "", t) for t in eph.moons]
    events += [("principal_term", str(lon), t) for lon, t in eph.terms]
    for kind, lon, t in sorted(events, key=lambda e: e[2]):
        if first_day <= local_day(t, tz_hours) < last_day:
            out.write("%s,%s,%sZ,%s\n" % (
                kind, lon, instant_to_datetime(t).isoformat(),
                instant_to_datetime(t, tz_hours).isoformat()))


def _key(m):
    return (m["year"], m["month"], m["leap"])


def describe_change(old, new):
    """Compact description of how the month table changed (starts only: a
    changed start always changes the previous month's length too)."""
    a = {_key(m): m for m in old}
    b = {_key(m): m for m in new}
    parts = []
    for k in sorted(set(a) | set(b)):
        label = "%d/%d%s" % (k[0], k[1], "L" if k[2] else "")
        if k not in b:
            parts.append("-" + label)
        elif k not in a:
            parts.append("+%s@%s" % (label, day_to_iso(b[k]["start"])))
        elif a[k]["start"] != b[k]["start"]:
            parts.append("%s %s->%s" % (label, day_to_iso(a[k]["start"]),
                                        day_to_iso(b[k]["start"])))
    return " ".join(parts) if parts else "no change"


def write_near_midnight(eph, tz_hours, minutes, first, last, out):
    """List events within `minutes` of local midnight and, for each, what the
    table would look like if that event alone fell on the other side of
    midnight (i.e. what a slightly less precise ephemeris could produce)."""
    moon_days = [local_day(t, tz_hours) for t in eph.moons]
    term_days = [(lon, local_day(t, tz_hours)) for lon, t in eph.terms]
    base = select_years(build_months(moon_days, term_days), first, last)
    lo = base[0]["start"]
    hi = base[-1]["start"] + base[-1]["days"]

    out.write("kind,longitude,utc,local,min_from_midnight,effect_if_flipped\n")
    events = [("new_moon", None, i, t) for i, t in enumerate(eph.moons)]
    events += [("principal_term", lon, i, t)
               for i, (lon, t) in enumerate(eph.terms)]
    for kind, lon, i, t in sorted(events, key=lambda e: e[3]):
        if not lo <= local_day(t, tz_hours) < hi:
            continue
        dm = minutes_from_midnight(t, tz_hours)
        if abs(dm) > minutes:
            continue
        # Just after midnight -> it could have been the previous day, and
        # vice versa.
        shift = -1 if dm >= 0 else 1
        md, td = list(moon_days), list(term_days)
        if kind == "new_moon":
            md[i] += shift
        else:
            td[i] = (lon, td[i][1] + shift)
        alt = select_years(build_months(md, td), first, last)
        out.write("%s,%s,%sZ,%s,%+.1f,%s\n" % (
            kind, "" if lon is None else lon,
            instant_to_datetime(t).isoformat(),
            instant_to_datetime(t, tz_hours).isoformat(), dm,
            describe_change(base, alt)))


# Published facts for the Vietnamese calendar (UTC+7).
KNOWN_TET = ["1985-01-21", "2007-02-17", "2020-01-25", "2021-02-12",
             "2022-02-01", "2023-01-22", "2024-02-10", "2025-01-29",
             "2026-02-17", "2030-02-02", "2031-01-23", "2033-01-31",
             "2053-02-18"]
KNOWN_LEAP = {1985: 2, 2001: 4, 2004: 2, 2006: 7, 2009: 5, 2012: 4, 2014: 9,
              2017: 6, 2020: 4, 2023: 2, 2025: 6, 2028: 5, 2031: 3, 2033: 11}


def lunar_date(months, iso):
    """(year, month, leap, day) of a Gregorian ISO date, or None."""
    d = (datetime.date.fromisoformat(iso) - DAY_ZERO).days
    for m in months:
        if m["start"] <= d < m["start"] + m["days"]:
            return (m["year"], m["month"], m["leap"], d - m["start"] + 1)
    return None


def run_checks(months, out):
    results = []
    for iso in KNOWN_TET:
        y = int(iso[:4])
        got = [day_to_iso(m["start"]) for m in months
               if m["year"] == y and m["month"] == 1 and not m["leap"]]
        results.append(("Tet %d = %s" % (y, iso), got == [iso],
                        ",".join(got)))
    for y, lm in sorted(KNOWN_LEAP.items()):
        got = [m["month"] for m in months if m["year"] == y and m["leap"]]
        results.append(("leap month %d = %d" % (y, lm), got == [lm],
                        ",".join(map(str, got)) or "none"))
    got = lunar_date(months, "2006-09-12")
    results.append(("2006-09-12 = day 20 of leap month 7",
                    got == (2006, 7, 1, 20), str(got)))
    for y, iso in ((2026, "2026-04-26"), (2023, "2023-04-29")):
        got = lunar_date(months, iso)
        results.append(("Hung Kings %d (3/10) = %s" % (y, iso),
                        got == (y, 3, 0, 10), str(got)))
    failed = 0
    for name, ok, got in results:
        failed += not ok
        out.write("%s  %s  (got %s)\n" % ("PASS" if ok else "FAIL", name, got))
    out.write("%d passed, %d failed\n" % (len(results) - failed, failed))
    return failed == 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tz-hours", type=float, default=7.0,
                   help="civil time zone, hours east of UTC (default 7)")
    p.add_argument("--from", dest="first", type=int, default=1900,
                   help="first lunar year (default 1900)")
    p.add_argument("--to", dest="last", type=int, default=2100,
                   help="last lunar year, inclusive (default 2100)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--new-moons", action="store_true",
                      help="list new-moon and principal-term instants")
    mode.add_argument("--near-midnight", type=float, metavar="MINUTES",
                      help="list events within MINUTES of local midnight")
    mode.add_argument("--check", action="store_true",
                      help="check published facts (UTC+7)")
    args = p.parse_args(argv)

    eph = Ephemeris(args.first, args.last)
    months = select_years(eph.months(args.tz_hours), args.first, args.last)
    out = sys.stdout
    if args.new_moons:
        write_instants(eph, args.tz_hours, months[0]["start"],
                       months[-1]["start"] + months[-1]["days"], out)
    elif args.near_midnight is not None:
        write_near_midnight(eph, args.tz_hours, args.near_midnight,
                            args.first, args.last, out)
    elif args.check:
        return 0 if run_checks(months, out) else 1
    else:
        write_csv(months, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
