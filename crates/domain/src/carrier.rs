//! Carriers' tracking-number formats: a scanned number is refused before the parcel ships when it
//! cannot be the shipment's carrier's (a label of another carrier, a mis-scan of the order barcode).
//!
//! The formats are the carriers' current waybill patterns as they print them; a carrier we have no
//! rule for accepts any well-formed number (8–32 letters and digits, see `TrackingNumber`).

use std::fmt;

/// One alternative of a carrier's format: a prefix and a count of digits after it.
#[derive(Clone, Copy, Debug)]
struct Pattern {
    prefix: &'static str,
    /// Digits after the prefix, inclusive range.
    digits: (usize, usize),
    /// Letters after the digits (EMS's two-letter country code).
    suffix_letters: usize,
}

const fn p(prefix: &'static str, min: usize, max: usize) -> Pattern {
    Pattern {
        prefix,
        digits: (min, max),
        suffix_letters: 0,
    }
}

/// Our carrier codes and their formats.
const RULES: &[(&str, &str, &[Pattern])] = &[
    // 顺丰: SF and 13 digits; older waybills are 12 digits.
    (
        "SF",
        "SF + 13 digits, or 12 digits",
        &[p("SF", 13, 13), p("", 12, 12)],
    ),
    // 中通: 12 to 15 digits, led by 7, 5, 6, 3 or 2.
    (
        "ZTO",
        "12–15 digits starting 7, 5, 6, 3 or 2",
        &[
            p("7", 11, 14),
            p("5", 11, 14),
            p("6", 11, 14),
            p("3", 11, 14),
            p("2", 11, 14),
        ],
    ),
    // 圆通: YT and 13 to 15 digits.
    ("YTO", "YT + 13–15 digits", &[p("YT", 13, 15)]),
    // 申通: 12 to 15 digits, led by 77, 88, 66, 55, 44, 33, 22 or 11.
    (
        "STO",
        "12–15 digits starting 77, 88, 66, 55, 44, 33, 22 or 11",
        &[
            p("77", 10, 13),
            p("88", 10, 13),
            p("66", 10, 13),
            p("55", 10, 13),
            p("44", 10, 13),
            p("33", 10, 13),
            p("22", 10, 13),
            p("11", 10, 13),
        ],
    ),
    // 韵达: 13 or 15 digits.
    ("YUNDA", "13 or 15 digits", &[p("", 13, 13), p("", 15, 15)]),
    // 京东: JD (JDVA…, JDX…) and 11 to 14 more letters and digits: checked as JD + letters/digits.
    ("JD", "JD + 11–14 letters and digits", &[]),
    // EMS: 13 digits at home; the UPU form (two letters, nine digits, two letters) abroad.
    (
        "EMS",
        "13 digits, or 2 letters + 9 digits + 2 letters",
        &[p("", 13, 13)],
    ),
    // 极兔: JT and 13 digits.
    ("JT", "JT + 13 digits", &[p("JT", 13, 13)]),
    // 德邦: DPK and 12 digits; older waybills are 8 to 10 digits.
    (
        "DBL",
        "DPK + 12 digits, or 8–10 digits",
        &[p("DPK", 12, 12), p("", 8, 10)],
    ),
];

/// A tracking number that cannot be its carrier's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{tracking} is not a {carrier} tracking number ({expected})")]
pub struct TrackingMismatch {
    pub carrier: String,
    pub tracking: String,
    pub expected: &'static str,
}

/// Checks `tracking` (already upper-case, letters and digits) against `carrier`'s format.
pub fn check_tracking(carrier: &str, tracking: &str) -> Result<(), TrackingMismatch> {
    let Some((_, expected, patterns)) = RULES.iter().find(|(code, _, _)| *code == carrier) else {
        return Ok(());
    };
    let fits = match carrier {
        "JD" => {
            tracking.starts_with("JD")
                && (13..=16).contains(&tracking.len())
                && tracking.bytes().all(|b| b.is_ascii_alphanumeric())
        }
        "EMS" if tracking.len() == 13 && !tracking.as_bytes()[0].is_ascii_digit() => {
            let b = tracking.as_bytes();
            b[..2].iter().all(u8::is_ascii_uppercase)
                && b[2..11].iter().all(u8::is_ascii_digit)
                && b[11..].iter().all(u8::is_ascii_uppercase)
        }
        _ => patterns.iter().any(|it| it.fits(tracking)),
    };
    match fits {
        true => Ok(()),
        false => Err(TrackingMismatch {
            carrier: carrier.to_owned(),
            tracking: tracking.to_owned(),
            expected,
        }),
    }
}

impl Pattern {
    fn fits(self, text: &str) -> bool {
        let Some(rest) = text.strip_prefix(self.prefix) else {
            return false;
        };
        let letters = self.suffix_letters;
        if rest.len() < letters {
            return false;
        }
        let (digits, tail) = rest.split_at(rest.len() - letters);
        let (min, max) = self.digits;
        (min..=max).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && tail.bytes().all(|b| b.is_ascii_uppercase())
    }
}

/// The carrier codes with a format rule.
pub fn carriers_with_rules() -> impl Iterator<Item = &'static str> {
    RULES.iter().map(|(code, _, _)| *code)
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}–{} digits",
            self.prefix, self.digits.0, self.digits.1
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::carrier::{carriers_with_rules, check_tracking};

    #[test]
    fn each_carrier_takes_its_own_numbers_and_refuses_others() {
        let good = [
            ("SF", "SF1400123456789"),
            ("SF", "123456789012"),
            ("ZTO", "75123456789012"),
            ("ZTO", "531234567890"),
            ("YTO", "YT1234567890123"),
            ("STO", "773123456789012"),
            ("YUNDA", "4312345678901"),
            ("YUNDA", "462345678901234"),
            ("JD", "JDVA12345678901"),
            ("EMS", "1123456789012"),
            ("EMS", "EA123456789CN"),
            ("JT", "JT1234567890123"),
            ("DBL", "DPK123456789012"),
            ("DBL", "123456789"),
        ];
        for (carrier, tracking) in good {
            assert!(
                check_tracking(carrier, tracking).is_ok(),
                "{carrier} {tracking}"
            );
        }
        let bad = [
            ("SF", "YT1234567890123"),
            ("SF", "SF12345"),
            ("ZTO", "SF1400123456789"),
            ("ZTO", "91234567890123"),
            ("YTO", "1234567890123"),
            ("STO", "991234567890"),
            ("YUNDA", "12345678901234"),
            ("JD", "SF1400123456789"),
            ("EMS", "EA12345678CN"),
            ("JT", "JT123"),
            ("DBL", "DPK12345"),
        ];
        for (carrier, tracking) in bad {
            let err = check_tracking(carrier, tracking).unwrap_err();
            assert!(err.to_string().contains(carrier), "{err}");
        }
        assert!(
            check_tracking("UNKNOWN", "ANYTHING123").is_ok(),
            "no rule, no refusal"
        );
        assert_eq!(carriers_with_rules().count(), 9);
    }
}
