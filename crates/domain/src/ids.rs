//! Identifiers and quantities: small newtypes that make mixing them up a compile error.

use std::fmt;
use std::num::NonZeroU32;

/// Why a textual identifier or quantity was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{what} must not be empty")]
    Empty { what: &'static str },
    #[error("{what} {value:?} is longer than {max} bytes")]
    TooLong {
        what: &'static str,
        value: String,
        max: usize,
    },
    #[error("{what} {value:?} contains a control character")]
    ControlCharacter { what: &'static str, value: String },
    #[error("quantity must be at least 1")]
    ZeroQuantity,
}

macro_rules! int_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

int_id!(
    /// Our own id of a shop.
    ShopId
);
int_id!(
    /// Our own id of an order, assigned by the store when the order is first ingested.
    OrderId
);
int_id!(
    /// Our own id of a shipment; it is also what the shipment barcode encodes.
    ShipmentId
);
int_id!(
    /// Our own id of an after-sale case.
    AfterSaleId
);

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Result<$name, IdError> {
                let value = value.into();
                check_text($what, &value, $max)?;
                Ok($name(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_id!(
    /// The order id on its platform (Taobao `tid`, Douyin `order_id`, Shopify `id`). Kept as text:
    /// 19-digit ids do not survive a float.
    ExternalId,
    "external order id",
    128
);
text_id!(
    /// Our SKU code (the seller's own code, shared by every shop).
    SkuCode,
    "sku code",
    64
);
text_id!(
    /// A warehouse code such as `JX01`.
    WarehouseCode,
    "warehouse code",
    32
);

fn check_text(what: &'static str, value: &str, max: usize) -> Result<(), IdError> {
    if value.trim().is_empty() {
        return Err(IdError::Empty { what });
    }
    if value.len() > max {
        return Err(IdError::TooLong {
            what,
            value: value.to_owned(),
            max,
        });
    }
    if value.chars().any(char::is_control) {
        return Err(IdError::ControlCharacter {
            what,
            value: value.to_owned(),
        });
    }
    Ok(())
}

/// A count of units that is at least one: a line of zero items is not a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(NonZeroU32);

impl Quantity {
    pub const ONE: Quantity = Quantity(NonZeroU32::MIN);

    pub fn new(n: u32) -> Result<Quantity, IdError> {
        NonZeroU32::new(n)
            .map(Quantity)
            .ok_or(IdError::ZeroQuantity)
    }

    pub fn get(self) -> u32 {
        self.0.get()
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use crate::ids::{ExternalId, IdError, Quantity};

    #[test]
    fn text_ids_are_checked() {
        assert_eq!(
            ExternalId::new(" "),
            Err(IdError::Empty {
                what: "external order id"
            })
        );
        assert!(matches!(
            ExternalId::new("a\nb"),
            Err(IdError::ControlCharacter { .. })
        ));
        assert!(matches!(
            ExternalId::new("9".repeat(129)),
            Err(IdError::TooLong { .. })
        ));
        assert_eq!(
            ExternalId::new("4093281234567890123").unwrap().as_str(),
            "4093281234567890123"
        );
        assert_eq!(Quantity::new(0), Err(IdError::ZeroQuantity));
    }
}
