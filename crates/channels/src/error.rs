//! The one error of push verification: which signature or field did not match, and how.

/// Why a pushed message was not accepted as coming from the platform.
///
/// `field` names what the platform sent (a header, a query parameter or a field of the decrypted
/// message) so a log line says exactly what to look at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The signature is not even shaped like one (not hex or base64, or the wrong length).
    #[error("{field} is not a well-formed signature: expected {expected}")]
    Malformed {
        field: &'static str,
        expected: &'static str,
    },
    /// The signature is well formed but differs from the one computed over the message with our secret.
    #[error("{field} does not match the signature of the message under our secret")]
    Mismatch { field: &'static str },
    /// The message is signed or encrypted for another app than ours.
    #[error("{field} names app {found:?}, but ours is {expected:?}")]
    WrongApp {
        field: &'static str,
        expected: String,
        found: String,
    },
    /// The encrypted payload cannot be decrypted into a message (bad base64, length or padding).
    #[error("the encrypted message cannot be decrypted: {reason}")]
    Undecryptable { reason: &'static str },
}
