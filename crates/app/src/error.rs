//! The one error of the use cases, by category of blame: the caller (not found, conflict, a domain rule
//! refused, invalid input) or us (storage).

use domain::{AfterSaleError, InvalidTransition, OverAllocation, ShipmentError, StockError};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0} not found")]
    NotFound(String),
    /// Somebody else changed the thing first (a stale version, a lost race): reload and retry.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error(transparent)]
    Order(#[from] InvalidTransition),
    #[error(transparent)]
    Shipment(#[from] ShipmentError),
    #[error(transparent)]
    Stock(#[from] StockError),
    #[error(transparent)]
    AfterSale(#[from] AfterSaleError),
    #[error(transparent)]
    OverAllocation(#[from] OverAllocation),
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    /// The database failed or holds something we cannot read back: an operator must look.
    #[error("storage: {0}")]
    Storage(String),
}

impl Error {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
