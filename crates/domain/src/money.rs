//! Money: an integer count of minor units (fen, cents) and a currency. No floats, ever.

use std::fmt;

/// An ISO 4217 alphabetic currency code such as `CNY`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

/// Why a money value or operation was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("currency code {0:?} is not three upper-case ASCII letters")]
    BadCurrency(String),
    #[error("cannot combine {left} with {right}")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("amount overflows 64-bit minor units")]
    Overflow,
}

impl Currency {
    pub const CNY: Currency = Currency(*b"CNY");
    pub const USD: Currency = Currency(*b"USD");

    pub fn new(code: &str) -> Result<Currency, MoneyError> {
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(MoneyError::BadCurrency(code.to_owned()));
        }
        Ok(Currency([bytes[0], bytes[1], bytes[2]]))
    }

    pub fn code(&self) -> &str {
        // Constructed only from ASCII upper-case letters.
        std::str::from_utf8(&self.0).expect("currency codes are ASCII")
    }

    /// Minor units per major unit: 100 for the currencies we trade in, 1 for yen and won.
    pub fn minor_per_major(&self) -> i64 {
        match &self.0 {
            b"JPY" | b"KRW" | b"VND" | b"IDR" => 1,
            _ => 100,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount of one currency in integer minor units (fen for CNY).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub const fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub const fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money {
            minor,
            currency: self.currency,
        })
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money {
            minor,
            currency: self.currency,
        })
    }

    pub fn checked_mul(self, factor: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        Ok(Money {
            minor,
            currency: self.currency,
        })
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            });
        }
        Ok(())
    }
}

/// Renders as a decimal string with the currency, e.g. `123.45 CNY`, without floats.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per = self.currency.minor_per_major();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let per_u = per.unsigned_abs();
        match per {
            1 => write!(f, "{sign}{abs} {}", self.currency),
            _ => write!(
                f,
                "{sign}{}.{:02} {}",
                abs / per_u,
                abs % per_u,
                self.currency
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::money::{Currency, Money, MoneyError};

    #[test]
    fn display_is_exact_decimal() {
        let cny = Currency::CNY;
        assert_eq!(Money::new(12345, cny).to_string(), "123.45 CNY");
        assert_eq!(Money::new(-5, cny).to_string(), "-0.05 CNY");
        assert_eq!(
            Money::new(700, Currency::new("JPY").unwrap()).to_string(),
            "700 JPY"
        );
        assert_eq!(
            Money::new(i64::MIN, cny).to_string(),
            "-92233720368547758.08 CNY"
        );
    }

    #[test]
    fn mixing_currencies_is_refused() {
        let err = Money::new(1, Currency::CNY).checked_add(Money::new(1, Currency::USD));
        assert_eq!(
            err,
            Err(MoneyError::CurrencyMismatch {
                left: Currency::CNY,
                right: Currency::USD
            })
        );
        assert_eq!(
            Currency::new("cny"),
            Err(MoneyError::BadCurrency("cny".to_owned()))
        );
        assert_eq!(
            Money::new(i64::MAX, Currency::CNY).checked_mul(2),
            Err(MoneyError::Overflow)
        );
    }
}
