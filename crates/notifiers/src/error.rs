//! Errors: a webhook delivery that does not verify, email settings we will not put in a message.

/// Why a webhook delivery was not accepted as ours (see [`crate::webhook::verify`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A header is absent from the delivery or not shaped as the scheme says.
    #[error("{header} is not well formed: expected {expected}")]
    Malformed {
        header: &'static str,
        expected: &'static str,
    },
    /// The timestamp is further from the verifier's clock than the tolerance allows: a replay or a
    /// badly wrong clock.
    #[error(
        "the delivery is {skew_seconds}s away from now, more than the {tolerance_seconds}s allowed"
    )]
    Stale {
        skew_seconds: i64,
        tolerance_seconds: i64,
    },
    /// The signature does not match the timestamp and body under the shared secret.
    #[error("the signature does not match the timestamp and body under the shared secret")]
    Mismatch,
}

/// Why email settings are refused: each would otherwise break a header or the SMTP envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Not `local@domain` in ASCII (internationalised addresses need SMTPUTF8, which we do not use).
    #[error("{address:?} is not a plain ASCII local@domain address")]
    NotAnAddress { address: String },
    /// A display name with a line break or control character (a header injection).
    #[error("display name {name:?} contains a line break or control character")]
    BadDisplayName { name: String },
    #[error("an alert email needs at least one recipient")]
    NoRecipients,
    /// The zone of the Date header must be within ±23:59.
    #[error("UTC offset of {minutes} minutes is outside ±23:59")]
    OffsetOutOfRange { minutes: i32 },
}
