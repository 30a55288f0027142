//! Reading platform values exactly: decimal amounts into integer minor units (never through a float) and
//! platform times into Unix milliseconds.

use domain::Timestamp;
use serde::Deserialize;

/// How a platform writes money.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MoneyUnit {
    /// Decimal major units: `"198.00"` (Taobao, JD), `198.0` (PDD), `"19.99"` (Shopify).
    Major,
    /// Integer minor units: `19800` fen (Douyin, WeChat Channels).
    Minor,
}

/// How a platform writes time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeFormat {
    /// `yyyy-MM-dd HH:mm:ss` at a fixed offset from UTC, in minutes (Taobao, JD, PDD: +480).
    Local {
        offset_minutes: i32,
    },
    UnixSeconds,
    UnixMillis,
    /// ISO 8601 / RFC 3339 with an offset (Shopify).
    Rfc3339,
}

impl TimeFormat {
    /// `local+08:00`, `unix_seconds`, `unix_millis` or `rfc3339`.
    pub fn parse(text: &str) -> Result<TimeFormat, String> {
        match text {
            "unix_seconds" => Ok(TimeFormat::UnixSeconds),
            "unix_millis" => Ok(TimeFormat::UnixMillis),
            "rfc3339" => Ok(TimeFormat::Rfc3339),
            _ => match text.strip_prefix("local") {
                Some(offset) => Ok(TimeFormat::Local {
                    offset_minutes: parse_offset(offset)
                        .ok_or_else(|| format!("bad offset in {text:?}"))?,
                }),
                None => Err(format!(
                    "unknown time format {text:?}: use local+HH:MM, unix_seconds, unix_millis or rfc3339"
                )),
            },
        }
    }
}

/// `+08:00`, `-05:00` or `Z` as minutes east of UTC.
fn parse_offset(text: &str) -> Option<i32> {
    if text == "Z" || text == "z" {
        return Some(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (h, m) = rest
        .split_once(':')
        .unwrap_or((rest.get(..2)?, rest.get(2..)?));
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    ((0..=14).contains(&h) && (0..60).contains(&m)).then_some(sign * (h * 60 + m))
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian), after Howard Hinnant's algorithm.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date and time of Unix milliseconds at an offset: for rendering.
pub(crate) fn civil_from_millis(
    millis: i64,
    offset_minutes: i32,
) -> (i64, u32, u32, u32, u32, u32) {
    let secs = millis.div_euclid(1000) + i64::from(offset_minutes) * 60;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
    )
}

/// RFC 3339 text of a time at an offset, e.g. `2024-06-18T20:15:03+08:00`.
pub fn rfc3339(at: Timestamp, offset_minutes: i32) -> String {
    let (y, mo, d, h, mi, s) = civil_from_millis(at.unix_millis(), offset_minutes);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let off = offset_minutes.unsigned_abs();
    format!(
        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{sign}{:02}:{:02}",
        off / 60,
        off % 60
    )
}

fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// `yyyy-MM-dd[ T]HH:mm:ss[.fff]` into (days since epoch, seconds of day, millis).
fn date_time(text: &str) -> Option<(i64, i64, i64)> {
    let (date, time) = text.split_once([' ', 'T'])?;
    let mut d = date.split('-');
    let (y, m, day): (i64, i64, i64) = (number(d.next()?)?, number(d.next()?)?, number(d.next()?)?);
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.split(':');
    let (h, mi, s): (i64, i64, i64) = (
        number(t.next()?)?,
        number(t.next()?)?,
        number(t.next().unwrap_or("0"))?,
    );
    if t.next().is_some() || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let millis = match frac {
        "" => 0,
        _ => number::<i64>(&format!("{frac:0<3}")[..3])?,
    };
    Some((days_from_civil(y, m, day), h * 3600 + mi * 60 + s, millis))
}

/// A platform time; empty text and `0` are no time at all.
pub fn parse_time(text: &str, format: &TimeFormat) -> Result<Option<Timestamp>, String> {
    let text = text.trim();
    if text.is_empty() || text == "0" || text.starts_with("0000-00-00") {
        return Ok(None);
    }
    let bad = || format!("{text:?} is not a time in the {format:?} format");
    let millis = match format {
        TimeFormat::UnixSeconds => number::<i64>(text)
            .ok_or_else(bad)?
            .checked_mul(1000)
            .ok_or_else(bad)?,
        TimeFormat::UnixMillis => number::<i64>(text).ok_or_else(bad)?,
        TimeFormat::Local { offset_minutes } => {
            let (days, secs, millis) = date_time(text).ok_or_else(bad)?;
            (days * 86_400 + secs - i64::from(*offset_minutes) * 60) * 1000 + millis
        }
        TimeFormat::Rfc3339 => {
            let split = text
                .rfind(['+', '-', 'Z', 'z'])
                .filter(|it| *it > 10)
                .ok_or_else(bad)?;
            let (local, offset) = text.split_at(split);
            let offset = parse_offset(offset).ok_or_else(bad)?;
            // Spreadsheet exports write `2024-11-05 09:12:45 -0500`.
            let (days, secs, millis) = date_time(local.trim_end()).ok_or_else(bad)?;
            (days * 86_400 + secs - i64::from(offset) * 60) * 1000 + millis
        }
    };
    Ok(Some(Timestamp::from_unix_millis(millis)))
}

/// An amount as integer minor units, exactly: `"198.00"` major → 19800; `19800` minor → 19800.
pub fn parse_money(text: &str, unit: MoneyUnit, minor_per_major: i64) -> Result<i64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    let bad = || format!("{text:?} is not an amount");
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let whole: i64 = number(whole).ok_or_else(bad)?;
    if !frac.is_empty() && !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let places = match minor_per_major {
        1 => 0,
        _ => 2,
    };
    let minor = match unit {
        MoneyUnit::Minor => {
            if frac.bytes().any(|b| b != b'0') {
                return Err(format!("{text:?} has a fraction of a minor unit"));
            }
            whole
        }
        MoneyUnit::Major => {
            let significant = frac.trim_end_matches('0');
            if significant.len() > places {
                return Err(format!("{text:?} has more than {places} decimal places"));
            }
            let frac_minor: i64 = if significant.is_empty() {
                0
            } else {
                format!("{significant:0<places$}")
                    .parse()
                    .map_err(|_| bad())?
            };
            whole
                .checked_mul(minor_per_major)
                .and_then(|it| it.checked_add(frac_minor))
                .ok_or_else(bad)?
        }
    };
    Ok(if negative { -minor } else { minor })
}

#[cfg(test)]
mod tests {
    use domain::Timestamp;
    use proptest::prelude::*;

    use crate::values::{MoneyUnit, TimeFormat, parse_money, parse_time, rfc3339};

    #[test]
    fn money_is_exact() {
        assert_eq!(parse_money("198.00", MoneyUnit::Major, 100), Ok(19800));
        assert_eq!(parse_money("0.1", MoneyUnit::Major, 100), Ok(10));
        assert_eq!(parse_money("198", MoneyUnit::Major, 100), Ok(19800));
        assert_eq!(parse_money("-5.05", MoneyUnit::Major, 100), Ok(-505));
        assert_eq!(parse_money("19800", MoneyUnit::Minor, 100), Ok(19800));
        assert_eq!(parse_money("700", MoneyUnit::Major, 1), Ok(700));
        assert!(parse_money("1.005", MoneyUnit::Major, 100).is_err());
        assert!(parse_money("1e3", MoneyUnit::Major, 100).is_err());
        assert!(parse_money("198.5", MoneyUnit::Minor, 100).is_err());
        assert!(parse_money("99999999999999999999", MoneyUnit::Major, 100).is_err());
    }

    #[test]
    fn times_in_every_format() {
        let t = Timestamp::from_unix_millis(1_718_712_903_000);
        let local = TimeFormat::parse("local+08:00").unwrap();
        assert_eq!(parse_time("2024-06-18 20:15:03", &local), Ok(Some(t)));
        assert_eq!(
            parse_time("1718712903", &TimeFormat::UnixSeconds),
            Ok(Some(t))
        );
        assert_eq!(
            parse_time("2024-06-18T08:15:03-04:00", &TimeFormat::Rfc3339),
            Ok(Some(t))
        );
        assert_eq!(
            parse_time("2024-06-18T12:15:03Z", &TimeFormat::Rfc3339),
            Ok(Some(t))
        );
        assert_eq!(parse_time("", &local), Ok(None));
        assert_eq!(parse_time("0", &TimeFormat::UnixSeconds), Ok(None));
        assert!(parse_time("2024-13-01 00:00:00", &local).is_err());
        assert_eq!(rfc3339(t, 480), "2024-06-18T20:15:03+08:00");
    }

    proptest! {
        #[test]
        fn rendering_and_parsing_agree(millis in -2_000_000_000_000i64..4_000_000_000_000, offset in -720i32..840) {
            let at = Timestamp::from_unix_millis(millis / 1000 * 1000);
            let text = rfc3339(at, offset / 15 * 15);
            prop_assert_eq!(parse_time(&text, &TimeFormat::Rfc3339), Ok(Some(at)));
        }

        #[test]
        fn money_text_round_trips(minor in -1_000_000_000_000i64..1_000_000_000_000) {
            let text = format!("{}{}.{:02}", if minor < 0 { "-" } else { "" }, minor.abs() / 100, minor.abs() % 100);
            prop_assert_eq!(parse_money(&text, MoneyUnit::Major, 100), Ok(minor));
        }
    }
}
