//! Email alerts: the RFC 5322 message text and its SMTP envelope; sending is the caller's.
//!
//! The message is `text/plain; charset=utf-8` in base64 (RFC 2045), so Chinese text and long lines
//! survive any relay. Non-ASCII headers (the subject, display names) are RFC 2047 encoded-words in
//! UTF-8 and base64, each holding whole characters and at most 75 characters long, folded onto
//! continuation lines. `Date` is the time passed in, shown at the configured UTC offset.
//! `Message-ID` is derived from the alert's dedup key, so a retried send is recognisably the same
//! message. `Auto-Submitted: auto-generated` (RFC 3834) keeps vacation responders quiet.
//! Lines end in CRLF; the SMTP client still dot-stuffs the text when it sends it as DATA.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::{Alert, EmailError, Timestamp};

/// An address with an optional display name, checked so that it can go into a header as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    name: Option<String>,
    address: String,
}

impl Mailbox {
    /// `address` must be ASCII `local@domain` (no spaces, quotes or brackets); `name`, if any, may
    /// be any text without control characters.
    pub fn new(name: Option<&str>, address: &str) -> Result<Mailbox, EmailError> {
        if !is_plain_address(address) {
            return Err(EmailError::NotAnAddress {
                address: address.to_owned(),
            });
        }
        if let Some(name) = name.filter(|name| name.chars().any(char::is_control)) {
            return Err(EmailError::BadDisplayName {
                name: name.to_owned(),
            });
        }
        Ok(Mailbox {
            name: name
                .filter(|name| !name.trim().is_empty())
                .map(str::to_owned),
            address: address.to_owned(),
        })
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    fn domain(&self) -> &str {
        self.address
            .rsplit_once('@')
            .map_or("", |(_, domain)| domain)
    }

    /// `name <address>` as a header writes it.
    fn header_form(&self) -> String {
        match &self.name {
            None => self.address.clone(),
            Some(name) if name.bytes().all(|b| (0x20..0x7f).contains(&b)) => {
                let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
                format!("\"{quoted}\" <{}>", self.address)
            }
            Some(name) => format!("{} <{}>", encoded_words(name), self.address),
        }
    }
}

/// Who an alert email is from and to, and the zone its Date is shown in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailSettings {
    from: Mailbox,
    to: Vec<Mailbox>,
    utc_offset_minutes: i32,
}

impl EmailSettings {
    /// `to` must not be empty; `utc_offset_minutes` is e.g. 480 for Beijing time.
    pub fn new(
        from: Mailbox,
        to: Vec<Mailbox>,
        utc_offset_minutes: i32,
    ) -> Result<EmailSettings, EmailError> {
        if to.is_empty() {
            return Err(EmailError::NoRecipients);
        }
        if utc_offset_minutes.abs() > 23 * 60 + 59 {
            return Err(EmailError::OffsetOutOfRange {
                minutes: utc_offset_minutes,
            });
        }
        Ok(EmailSettings {
            from,
            to,
            utc_offset_minutes,
        })
    }
}

/// One message ready for an SMTP client: the envelope and the DATA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailMessage {
    /// `MAIL FROM`.
    pub envelope_from: String,
    /// One `RCPT TO` each.
    pub envelope_to: Vec<String>,
    /// Headers, a blank line and the base64 body, every line ending in CRLF.
    pub text: String,
}

/// The message announcing `alert`, dated `at`.
pub fn message(settings: &EmailSettings, alert: &Alert, at: Timestamp) -> EmailMessage {
    let mut text = String::new();
    let mut header = |name: &str, value: &str| {
        text.push_str(name);
        text.push_str(": ");
        text.push_str(value);
        text.push_str("\r\n");
    };
    header("From", &settings.from.header_form());
    let to: Vec<String> = settings.to.iter().map(Mailbox::header_form).collect();
    header("To", &to.join(",\r\n "));
    header("Subject", &subject(&alert.headline()));
    header("Date", &rfc5322_date(at, settings.utc_offset_minutes));
    header(
        "Message-ID",
        &message_id(&alert.dedup_key, settings.from.domain()),
    );
    header("Auto-Submitted", "auto-generated");
    header("MIME-Version", "1.0");
    header("Content-Type", "text/plain; charset=utf-8");
    header("Content-Transfer-Encoding", "base64");
    text.push_str("\r\n");
    let plain = format!(
        "{}\n\n{}\n\n查看详情: {}\n",
        alert.headline(),
        alert.body,
        alert.link
    );
    text.push_str(&base64_lines(&crlf(&plain)));
    EmailMessage {
        envelope_from: settings.from.address.clone(),
        envelope_to: settings.to.iter().map(|it| it.address.clone()).collect(),
        text,
    }
}

/// `local@domain` in ASCII with no characters that would end an address in a header.
fn is_plain_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
    let domain_ok = !domain.is_empty()
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    local_ok && domain_ok
}

/// The subject as is when it is short printable ASCII, else as encoded-words.
fn subject(text: &str) -> String {
    let plain =
        text.len() <= 68 && text.bytes().all(|b| (0x20..0x7f).contains(&b)) && !text.contains("=?");
    if plain {
        text.to_owned()
    } else {
        encoded_words(text)
    }
}

/// Bytes of UTF-8 per encoded-word: 39 bytes are 52 base64 characters, 64 with `=?UTF-8?B?` and
/// `?=`, so `Subject: ` and the first word stay within 78 characters.
const WORD_BYTES: usize = 39;

/// RFC 2047 `=?UTF-8?B?…?=` words of whole characters, folded one per line.
fn encoded_words(text: &str) -> String {
    let mut words = Vec::new();
    let mut start = 0;
    let mut end = 0;
    for (at, ch) in text.char_indices() {
        if at + ch.len_utf8() - start > WORD_BYTES {
            words.push(&text[start..end]);
            start = at;
        }
        end = at + ch.len_utf8();
    }
    words.push(&text[start..end]);
    let encoded: Vec<String> = words
        .into_iter()
        .map(|word| format!("=?UTF-8?B?{}?=", STANDARD.encode(word)))
        .collect();
    encoded.join("\r\n ")
}

/// `Tue, 01 Jul 2025 09:30:00 +0800`: the time at the offset, seconds rounded down.
fn rfc5322_date(at: Timestamp, offset_minutes: i32) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let local = at.unix_millis().div_euclid(1000) + i64::from(offset_minutes) * 60;
    let days = local.div_euclid(86_400);
    let second_of_day = local.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let offset = offset_minutes.abs();
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} {sign}{:02}{:02}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
        offset / 60,
        offset % 60,
    )
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `<alert.HASH@domain>`: the first 128 bits of SHA-256 of the dedup key, in hex.
fn message_id(dedup_key: &str, domain: &str) -> String {
    let digest = Sha256::digest(dedup_key.as_bytes());
    format!("<alert.{}@{domain}>", hex::encode(&digest[..16]))
}

/// Line breaks of any kind as CRLF, the canonical form of text before base64.
fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "\r\n")
}

/// Base64 in lines of 76 characters, each ending in CRLF.
fn base64_lines(bytes: &str) -> String {
    let encoded = STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38 + 2);
    for line in encoded.as_bytes().chunks(76) {
        // Base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests;
