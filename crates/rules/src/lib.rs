//! Routing rules as data: a TOML file of named regions, ordered rules (`when` → `then`) and the file's
//! own test cases, compiled into a `domain::routing::RuleSet` against what the deployment knows
//! (warehouses, capabilities, carriers, SKUs, shops). Every mistake is reported with the rule and the
//! field it is in, all at once, never only the first.
//!
//! Pure: text in, values out.

mod cases;
mod compile;
mod document;

pub use crate::cases::{CaseResult, TestCase, run_cases};
pub use crate::compile::{Known, RuleFile, compile};

/// One mistake in a rule file: where (the rule, the field) and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {}{message}", if field.is_empty() { String::new() } else { format!("{field}: ") })]
pub struct RuleError {
    /// `rule 3 "跨境走保税仓"`, `regions`, `test "杭州"` or `file`.
    pub place: String,
    /// The field's path, e.g. `when.region` or `then.assign[1]`.
    pub field: String,
    pub message: String,
}

/// Every mistake found in a file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct RuleErrors(pub Vec<RuleError>);

/// The seed scenario's rules, shipped as the example: 江浙沪 to 嘉兴仓, bonded goods to 保税仓, big
/// and risky orders to review, the rest by the default strategy.
pub const SEED: &str = include_str!("../seed/rules.toml");

#[cfg(test)]
mod tests;
