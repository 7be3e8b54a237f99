//! [`Timestamp`]: a UTC instant with IAM's ISO-8601 text form (`2026-11-28T01:02:03Z`).

use std::fmt;

/// Seconds since the Unix epoch (UTC). `Display` is ISO-8601 with a `Z` suffix, as IAM returns
/// `CreateDate`.
///
/// ```
/// use iam_model::entities::Timestamp;
/// let t = Timestamp::from_ymd_hms(2026, 11, 28, 1, 2, 3).unwrap();
/// assert_eq!(t.to_string(), "2026-11-28T01:02:03Z");
/// assert_eq!("2026-11-28T01:02:03Z".parse::<Timestamp>().unwrap(), t);
/// assert_eq!((t + 3600).to_string(), "2026-11-28T02:02:03Z");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl Timestamp {
    /// The instant of a calendar date and time (UTC); `None` when a field is out of range.
    pub fn from_ymd_hms(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<Timestamp> {
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        let days = days_from_civil(y, i64::from(mo), i64::from(d));
        Some(Timestamp(
            days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s),
        ))
    }
    /// Seconds since the epoch.
    pub const fn seconds(self) -> i64 {
        self.0
    }
}

impl std::ops::Add<i64> for Timestamp {
    type Output = Timestamp;
    fn add(self, secs: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(secs))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (days, secs) = (self.0.div_euclid(86_400), self.0.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

/// Text that is not `YYYY-MM-DDTHH:MM:SS[.fff]Z`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError(pub String);

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not an ISO-8601 UTC timestamp (YYYY-MM-DDTHH:MM:SSZ)",
            self.0
        )
    }
}
impl std::error::Error for TimestampError {}

impl std::str::FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Timestamp, TimestampError> {
        let err = || TimestampError(s.to_string());
        let b = s.as_bytes();
        if b.len() < 20 || b.get(4) != Some(&b'-') || b.get(10) != Some(&b'T') || !s.ends_with('Z')
        {
            return Err(err());
        }
        let num = |r: std::ops::Range<usize>| {
            s.get(r).and_then(|x| x.parse::<u32>().ok()).ok_or_else(err)
        };
        let y = i64::from(num(0..4)?);
        Timestamp::from_ymd_hms(
            y,
            num(5..7)?,
            num(8..10)?,
            num(11..13)?,
            num(14..16)?,
            num(17..19)?,
        )
        .ok_or_else(err)
    }
}
