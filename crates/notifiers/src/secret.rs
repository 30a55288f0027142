//! Credentials as a type: printed redacted, read only where a request is signed or addressed.

use std::fmt;

/// A robot key, access token or signing secret.
///
/// `Debug` prints `Secret(**redacted**)`; there is no `Display`. Only the builders in this crate call
/// [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for signing or for the URL the robot is reached at.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(**redacted**)")
    }
}
