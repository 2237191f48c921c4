//! The astronomy behind the lunar calendar: instants of new moon and the Sun's apparent
//! longitude.
//!
//! Written from the published formulas of Jean Meeus, *Astronomical Algorithms* (2nd ed.,
//! Willmann-Bell 1998): chapter 49 (phases of the Moon, with all periodic and planetary terms),
//! chapter 25 (solar coordinates, low accuracy, with nutation and aberration) and, for ΔT
//! (TT − UT), the polynomial expressions of Espenak & Meeus (NASA, *Five Millennium Canon of
//! Solar Eclipses*, 2006, <https://eclipse.gsfc.nasa.gov/SEhelp/deltatpoly2004.html>).
//! Hồ Ngọc Đức's description of the Vietnamese calendar uses the same sources; this module is an
//! independent implementation of them, not a port of his code (whose licence forbids commercial
//! use). The result is checked month by month against a precise ephemeris (PyEphem, VSOP87/ELP)
//! for 1900–2100 in `tests/lunar.rs`.

use std::f64::consts::PI;

/// Mean synodic month in days (Meeus 49.1).
const SYNODIC_MONTH: f64 = 29.530_588_861;
/// JDE of the mean new moon with k = 0 (6 January 2000).
const EPOCH_NEW_MOON: f64 = 2_451_550.097_66;

fn sin_deg(degrees: f64) -> f64 {
    (degrees * PI / 180.0).sin()
}

/// ΔT = TT − UT in seconds for a decimal year (Espenak & Meeus polynomials, 1860–2150).
pub(crate) fn delta_t_seconds(year: f64) -> f64 {
    if year < 1900.0 {
        let t = year - 1860.0;
        7.62 + 0.5737 * t - 0.251_754 * t.powi(2) + 0.016_806_68 * t.powi(3) - 0.000_447_362_4 * t.powi(4)
            + t.powi(5) / 233_174.0
    } else if year < 1920.0 {
        let t = year - 1900.0;
        -2.79 + 1.494_119 * t - 0.059_893_9 * t.powi(2) + 0.006_196_6 * t.powi(3) - 0.000_197 * t.powi(4)
    } else if year < 1941.0 {
        let t = year - 1920.0;
        21.20 + 0.844_93 * t - 0.076_100 * t.powi(2) + 0.002_093_6 * t.powi(3)
    } else if year < 1961.0 {
        let t = year - 1950.0;
        29.07 + 0.407 * t - t.powi(2) / 233.0 + t.powi(3) / 2547.0
    } else if year < 1986.0 {
        let t = year - 1975.0;
        45.45 + 1.067 * t - t.powi(2) / 260.0 - t.powi(3) / 718.0
    } else if year < 2005.0 {
        let t = year - 2000.0;
        63.86 + 0.3345 * t - 0.060_374 * t.powi(2)
            + 0.001_727_5 * t.powi(3)
            + 0.000_651_814 * t.powi(4)
            + 0.000_023_735_99 * t.powi(5)
    } else if year < 2050.0 {
        let t = year - 2000.0;
        62.92 + 0.322_17 * t + 0.005_589 * t.powi(2)
    } else {
        let u = (year - 1820.0) / 100.0;
        -20.0 + 32.0 * u.powi(2) - 0.5628 * (2150.0 - year)
    }
}

fn decimal_year_of_jd(jd: f64) -> f64 {
    2000.0 + (jd - 2_451_545.0) / 365.25
}

/// ΔT in days at a Julian Day.
fn delta_t_days(jd: f64) -> f64 {
    delta_t_seconds(decimal_year_of_jd(jd)) / 86_400.0
}

/// Instant of the k-th new moon after the one of 6 January 2000 (k may be negative), as a
/// Julian Day in Universal Time. Accurate to well under a minute over 1900–2100.
pub(crate) fn new_moon_ut(k: i32) -> f64 {
    let k = f64::from(k);
    let t = k / 1236.85;
    let t2 = t * t;
    let t3 = t2 * t;
    let t4 = t3 * t;
    let mean = EPOCH_NEW_MOON + SYNODIC_MONTH * k + 0.000_154_37 * t2 - 0.000_000_150 * t3 + 0.000_000_000_73 * t4;
    let e = 1.0 - 0.002_516 * t - 0.000_007_4 * t2;
    // Sun's mean anomaly, Moon's mean anomaly, Moon's argument of latitude, ascending node.
    let m = 2.5534 + 29.105_356_70 * k - 0.000_001_4 * t2 - 0.000_000_11 * t3;
    let mp = 201.5643 + 385.816_935_28 * k + 0.010_758_2 * t2 + 0.000_012_38 * t3 - 0.000_000_058 * t4;
    let f = 160.7108 + 390.670_502_84 * k - 0.001_611_8 * t2 - 0.000_002_27 * t3 + 0.000_000_011 * t4;
    let omega = 124.7746 - 1.563_755_88 * k + 0.002_067_2 * t2 + 0.000_002_15 * t3;

    let periodic = -0.40720 * sin_deg(mp)
        + 0.17241 * e * sin_deg(m)
        + 0.01608 * sin_deg(2.0 * mp)
        + 0.01039 * sin_deg(2.0 * f)
        + 0.00739 * e * sin_deg(mp - m)
        - 0.00514 * e * sin_deg(mp + m)
        + 0.00208 * e * e * sin_deg(2.0 * m)
        - 0.00111 * sin_deg(mp - 2.0 * f)
        - 0.00057 * sin_deg(mp + 2.0 * f)
        + 0.00056 * e * sin_deg(2.0 * mp + m)
        - 0.00042 * sin_deg(3.0 * mp)
        + 0.00042 * e * sin_deg(m + 2.0 * f)
        + 0.00038 * e * sin_deg(m - 2.0 * f)
        - 0.00024 * e * sin_deg(2.0 * mp - m)
        - 0.00017 * sin_deg(omega)
        - 0.00007 * sin_deg(mp + 2.0 * m)
        + 0.00004 * sin_deg(2.0 * mp - 2.0 * f)
        + 0.00004 * sin_deg(3.0 * m)
        + 0.00003 * sin_deg(mp + m - 2.0 * f)
        + 0.00003 * sin_deg(2.0 * mp + 2.0 * f)
        - 0.00003 * sin_deg(mp + m + 2.0 * f)
        + 0.00003 * sin_deg(mp - m + 2.0 * f)
        - 0.00002 * sin_deg(mp - m - 2.0 * f)
        - 0.00002 * sin_deg(3.0 * mp + m)
        + 0.00002 * sin_deg(4.0 * mp);

    // Planetary arguments (Meeus table 49.A, "additional corrections").
    const PLANETARY: [(f64, f64, f64); 14] = [
        (299.77, 0.107_408, 0.000_325),
        (251.88, 0.016_321, 0.000_165),
        (251.83, 26.651_886, 0.000_164),
        (349.42, 36.412_478, 0.000_126),
        (84.66, 18.206_239, 0.000_110),
        (141.74, 53.303_771, 0.000_062),
        (207.14, 2.453_732, 0.000_060),
        (154.84, 7.306_860, 0.000_056),
        (34.52, 27.261_239, 0.000_047),
        (207.19, 0.121_824, 0.000_042),
        (291.34, 1.844_379, 0.000_040),
        (161.72, 24.198_154, 0.000_037),
        (239.56, 25.513_099, 0.000_035),
        (331.55, 3.592_518, 0.000_023),
    ];
    let mut planetary = 0.0;
    for (index, (base, rate, amplitude)) in PLANETARY.iter().enumerate() {
        let mut argument = base + rate * k;
        if index == 0 {
            argument -= 0.009_173 * t2;
        }
        planetary += amplitude * sin_deg(argument);
    }

    let jde = mean + periodic + planetary;
    jde - delta_t_days(jde)
}

/// The index k of the mean new moon nearest before a Julian Day (used to seed searches).
pub(crate) fn new_moon_index_before(jd: f64) -> i32 {
    ((jd - EPOCH_NEW_MOON) / SYNODIC_MONTH).floor() as i32
}

/// Apparent geocentric ecliptic longitude of the Sun in degrees [0, 360), of the true equinox of
/// date, at an instant given as a Julian Day in Universal Time (Meeus chapter 25, with the
/// nutation in longitude from chapter 22's four main terms). Accurate to about 0.001–0.003°,
/// i.e. a few minutes of time for a solar term.
pub(crate) fn sun_apparent_longitude(jd_ut: f64) -> f64 {
    let jde = jd_ut + delta_t_days(jd_ut);
    let t = (jde - 2_451_545.0) / 36_525.0;
    let t2 = t * t;
    let mean_longitude = 280.466_46 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let mean_anomaly = 357.529_11 + 35_999.050_29 * t - 0.000_153_7 * t2;
    let centre = (1.914_602 - 0.004_817 * t - 0.000_014 * t2) * sin_deg(mean_anomaly)
        + (0.019_993 - 0.000_101 * t) * sin_deg(2.0 * mean_anomaly)
        + 0.000_289 * sin_deg(3.0 * mean_anomaly);
    let true_longitude = mean_longitude + centre;
    let eccentricity = 0.016_708_634 - 0.000_042_037 * t - 0.000_000_126_7 * t2;
    let true_anomaly = mean_anomaly + centre;
    let radius =
        1.000_001_018 * (1.0 - eccentricity * eccentricity) / (1.0 + eccentricity * (true_anomaly * PI / 180.0).cos());
    // Nutation in longitude (arcseconds), Meeus chapter 22, the four largest terms.
    let omega = 125.044_52 - 1_934.136_261 * t;
    let sun_mean = 280.4665 + 36_000.769_8 * t;
    let moon_mean = 218.3165 + 481_267.881_3 * t;
    let nutation = -17.20 * sin_deg(omega) - 1.32 * sin_deg(2.0 * sun_mean) - 0.23 * sin_deg(2.0 * moon_mean)
        + 0.21 * sin_deg(2.0 * omega);
    // Aberration: -20.4898" / R.
    let aberration = -20.4898 / radius;
    let apparent = true_longitude + (nutation + aberration) / 3600.0;
    apparent.rem_euclid(360.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_moon_of_meeus_example() {
        // Meeus example 49.a: the new moon of 1977 February 18, 3h37m42s TD (k = -283).
        let jde = new_moon_ut(-283) + delta_t_days(2_443_192.65);
        assert!((jde - 2_443_192.651_18).abs() < 0.0005, "{jde}");
    }

    #[test]
    fn sun_longitude_of_meeus_example() {
        // Meeus example 25.a: 1992 October 13.0 TD, apparent longitude 199.90895°
        // (the low-accuracy method gives 199.90988°).
        let jd_ut = 2_448_908.5 - delta_t_days(2_448_908.5);
        let longitude = sun_apparent_longitude(jd_ut);
        assert!((longitude - 199.909).abs() < 0.003, "{longitude}");
    }
}
