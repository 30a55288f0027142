//! After-sales: refund only, return and refund, exchange, resend — and their states.

use std::fmt;

use crate::ids::{AfterSaleId, OrderId, Quantity};
use crate::money::Money;

/// What the buyer asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AfterSaleKind {
    RefundOnly,
    ReturnAndRefund,
    Exchange,
    Resend,
}

/// Where an after-sale stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AfterSaleStatus {
    Requested,
    /// Approved; for returns and exchanges the parcel is now awaited.
    Approved,
    /// The returned parcel arrived and was inspected.
    Received,
    Refunded,
    /// The replacement (exchange or resend) shipment was created.
    Replaced,
    Rejected,
}

/// Something that happens to an after-sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AfterSaleEvent {
    Approve,
    Reject,
    ReceiveReturn,
    Refund,
    Replace,
}

/// The event is not allowed for this kind of after-sale in this status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?} after-sale cannot {event:?} while {from:?}")]
pub struct AfterSaleError {
    pub kind: AfterSaleKind,
    pub from: AfterSaleStatus,
    pub event: AfterSaleEvent,
}

/// One order line's share of an after-sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AfterSaleLine {
    pub line_no: u32,
    pub quantity: Quantity,
    pub refund: Money,
}

/// An after-sale case of one order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AfterSale {
    pub id: AfterSaleId,
    pub order: OrderId,
    /// The platform's refund or after-sale id; empty when created by hand.
    pub external_id: String,
    pub kind: AfterSaleKind,
    pub status: AfterSaleStatus,
    pub reason: String,
    pub lines: Vec<AfterSaleLine>,
    /// The order made to ship an exchange or a resend, once replaced.
    pub replacement: Option<OrderId>,
    pub version: u64,
}

impl AfterSale {
    /// What the case pays back: the sum of its lines' refunds.
    pub fn refund_minor(&self) -> i64 {
        self.lines.iter().map(|it| it.refund.minor).sum()
    }
}

impl AfterSaleKind {
    pub const ALL: [AfterSaleKind; 4] = [
        AfterSaleKind::RefundOnly,
        AfterSaleKind::ReturnAndRefund,
        AfterSaleKind::Exchange,
        AfterSaleKind::Resend,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AfterSaleKind::RefundOnly => "refund_only",
            AfterSaleKind::ReturnAndRefund => "return_and_refund",
            AfterSaleKind::Exchange => "exchange",
            AfterSaleKind::Resend => "resend",
        }
    }

    pub fn parse(text: &str) -> Option<AfterSaleKind> {
        AfterSaleKind::ALL
            .into_iter()
            .find(|it| it.as_str() == text)
    }

    /// Whether the buyer sends goods back before the case goes on.
    pub fn needs_return(self) -> bool {
        matches!(
            self,
            AfterSaleKind::ReturnAndRefund | AfterSaleKind::Exchange
        )
    }

    /// Whether the case ends in money paid back (else in goods sent again).
    pub fn refunds(self) -> bool {
        matches!(
            self,
            AfterSaleKind::RefundOnly | AfterSaleKind::ReturnAndRefund
        )
    }
}

impl AfterSaleStatus {
    pub const ALL: [AfterSaleStatus; 6] = [
        AfterSaleStatus::Requested,
        AfterSaleStatus::Approved,
        AfterSaleStatus::Received,
        AfterSaleStatus::Refunded,
        AfterSaleStatus::Replaced,
        AfterSaleStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AfterSaleStatus::Requested => "requested",
            AfterSaleStatus::Approved => "approved",
            AfterSaleStatus::Received => "received",
            AfterSaleStatus::Refunded => "refunded",
            AfterSaleStatus::Replaced => "replaced",
            AfterSaleStatus::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<AfterSaleStatus> {
        AfterSaleStatus::ALL
            .into_iter()
            .find(|it| it.as_str() == text)
    }

    /// Whether the case is closed.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            AfterSaleStatus::Refunded | AfterSaleStatus::Replaced | AfterSaleStatus::Rejected
        )
    }
}

impl AfterSaleEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            AfterSaleEvent::Approve => "approve",
            AfterSaleEvent::Reject => "reject",
            AfterSaleEvent::ReceiveReturn => "receive_return",
            AfterSaleEvent::Refund => "refund",
            AfterSaleEvent::Replace => "replace",
        }
    }
}

impl AfterSale {
    /// The transition function of an after-sale; the kind decides whether goods come back first.
    pub fn next_status(
        kind: AfterSaleKind,
        from: AfterSaleStatus,
        event: AfterSaleEvent,
    ) -> Result<AfterSaleStatus, AfterSaleError> {
        use AfterSaleEvent as E;

        use AfterSaleStatus as S;
        let (needs_return, refunds) = (kind.needs_return(), kind.refunds());
        let next = match (from, event) {
            (S::Requested, E::Approve) => Some(S::Approved),
            (S::Requested, E::Reject) => Some(S::Rejected),
            (S::Approved, E::ReceiveReturn) if needs_return => Some(S::Received),
            (S::Approved, E::Refund) if refunds && !needs_return => Some(S::Refunded),
            (S::Received, E::Refund) if refunds => Some(S::Refunded),
            (S::Approved, E::Replace) if !refunds && !needs_return => Some(S::Replaced),
            (S::Received, E::Replace) if !refunds => Some(S::Replaced),
            (S::Requested, E::ReceiveReturn | E::Refund | E::Replace)
            | (S::Approved, E::Approve | E::Reject | E::ReceiveReturn | E::Refund | E::Replace)
            | (S::Received, E::Approve | E::Reject | E::ReceiveReturn | E::Refund | E::Replace)
            | (S::Refunded | S::Replaced | S::Rejected, _) => None,
        };
        next.ok_or(AfterSaleError { kind, from, event })
    }
}

impl fmt::Display for AfterSaleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use crate::after_sale::{
        AfterSale, AfterSaleEvent as E, AfterSaleKind as K, AfterSaleStatus as S,
    };

    #[test]
    fn return_must_arrive_before_refund() {
        let approved =
            AfterSale::next_status(K::ReturnAndRefund, S::Requested, E::Approve).unwrap();
        assert!(AfterSale::next_status(K::ReturnAndRefund, approved, E::Refund).is_err());
        let received =
            AfterSale::next_status(K::ReturnAndRefund, approved, E::ReceiveReturn).unwrap();
        assert_eq!(
            AfterSale::next_status(K::ReturnAndRefund, received, E::Refund),
            Ok(S::Refunded)
        );
        assert_eq!(
            AfterSale::next_status(K::RefundOnly, approved, E::Refund),
            Ok(S::Refunded)
        );
        assert_eq!(
            AfterSale::next_status(K::Resend, approved, E::Replace),
            Ok(S::Replaced)
        );
        assert!(AfterSale::next_status(K::Exchange, approved, E::Replace).is_err());
    }
}
