//! TOP's times: `yyyy-MM-dd HH:mm:ss` in GMT+8, to and from [`Timestamp`]s, whole seconds only.

use domain::Timestamp;

const OFFSET_MILLIS: i64 = 8 * 3600 * 1000;
const DAY_MILLIS: i64 = 86_400_000;

/// `t` as TOP writes it (GMT+8), the milliseconds dropped.
pub fn format(t: Timestamp) -> String {
    let local = t.unix_millis() + OFFSET_MILLIS;
    let days = local.div_euclid(DAY_MILLIS);
    let secs = local.rem_euclid(DAY_MILLIS) / 1000;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// A TOP time (`2024-06-18 20:15:03`, GMT+8), or `None` when it is not exactly that shape or no such
/// moment exists.
pub fn parse(text: &str) -> Option<Timestamp> {
    let bytes = text.as_bytes();
    if bytes.len() != 19 || bytes[4] != b'-' || bytes[7] != b'-' || bytes[10] != b' ' {
        return None;
    }
    if bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = &text[range];
        match part.bytes().all(|it| it.is_ascii_digit()) {
            true => part.parse().ok(),
            false => None,
        }
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let millis = days * DAY_MILLIS + (hour * 3600 + minute * 60 + second) * 1000 - OFFSET_MILLIS;
    Some(Timestamp::from_unix_millis(millis))
}

/// `t` with its milliseconds dropped: TOP keeps whole seconds.
pub(crate) fn whole_seconds(t: Timestamp) -> Timestamp {
    Timestamp::from_unix_millis(t.unix_millis().div_euclid(1000) * 1000)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the era-based algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use domain::Timestamp;

    use crate::taobao::time::{format, parse, whole_seconds};

    #[test]
    fn gmt8_text_round_trips() {
        // 2024-06-18 12:15:03 UTC is 20:15:03 in Beijing.
        let t = Timestamp::from_unix_millis(1_718_712_903_000);
        assert_eq!(format(t), "2024-06-18 20:15:03");
        assert_eq!(parse("2024-06-18 20:15:03"), Some(t));
        assert_eq!(format(Timestamp::EPOCH), "1970-01-01 08:00:00");
        assert_eq!(
            parse("2024-02-29 23:59:59").map(format).unwrap(),
            "2024-02-29 23:59:59"
        );
        for step in 0..2000 {
            let t = Timestamp::from_unix_millis(946_684_800_000 + step * 86_399_123);
            assert_eq!(parse(&format(t)), Some(whole_seconds(t)));
        }
    }

    #[test]
    fn other_shapes_are_refused() {
        for text in [
            "2024-06-18T20:15:03",
            "2024-6-18 20:15:03",
            "2023-02-29 10:00:00",
            "2024-06-18 24:00:00",
            "2024-06-18 20:15",
            "",
            "２０２４-06-18 20:15:03",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
