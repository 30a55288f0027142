//! Shipments: the unit a warehouse works on, and its lifecycle (DESIGN §4):
//!
//! ```text
//! allocated ─► claimed ─► picked ─► packed ─► shipped ─► delivered
//!      ▲          │  (claim expired or given back)
//!      └ released ◄┘                      voided (from allocated or released)
//!
//! claimed, picked, packed ─► intercepted ─► claimed (the holder resumes; voided when no line is left)
//! ```
//!
//! A claimed shipment whose order is cancelled or refunded before it ships is intercepted: the store
//! takes the order's lines out, the holder is told, and the ship scan is refused until the holder has
//! put those goods back and resumes.
//!
//! Only the claim holder may move a claimed shipment, and only while its lease runs. Shipping needs the
//! scanned shipment barcode to match and a tracking number. [`LineProgress`] keeps the rule that a line
//! is never planned or shipped beyond its quantity, across all shipments.

#[cfg(test)]
mod tests;

use std::fmt;

use crate::ids::{OrderId, Quantity, ShipmentId, WarehouseCode};
use crate::time::Timestamp;

/// Where a shipment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShipmentStatus {
    Allocated,
    Claimed,
    Picked,
    Packed,
    Shipped,
    Delivered,
    Released,
    Voided,
    /// Stopped while claimed: an order in it was cancelled or refunded; its holder must resume it.
    Intercepted,
}

impl ShipmentStatus {
    pub const ALL: [ShipmentStatus; 9] = [
        ShipmentStatus::Allocated,
        ShipmentStatus::Claimed,
        ShipmentStatus::Picked,
        ShipmentStatus::Packed,
        ShipmentStatus::Shipped,
        ShipmentStatus::Delivered,
        ShipmentStatus::Released,
        ShipmentStatus::Voided,
        ShipmentStatus::Intercepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ShipmentStatus::Allocated => "allocated",
            ShipmentStatus::Claimed => "claimed",
            ShipmentStatus::Picked => "picked",
            ShipmentStatus::Packed => "packed",
            ShipmentStatus::Shipped => "shipped",
            ShipmentStatus::Delivered => "delivered",
            ShipmentStatus::Released => "released",
            ShipmentStatus::Voided => "voided",
            ShipmentStatus::Intercepted => "intercepted",
        }
    }

    pub fn parse(text: &str) -> Option<ShipmentStatus> {
        ShipmentStatus::ALL
            .into_iter()
            .find(|it| it.as_str() == text)
    }

    /// Whether a warehouse works on it: claimed, picked or packed.
    fn is_claimed(self) -> bool {
        match self {
            ShipmentStatus::Claimed | ShipmentStatus::Picked | ShipmentStatus::Packed => true,
            ShipmentStatus::Allocated
            | ShipmentStatus::Shipped
            | ShipmentStatus::Delivered
            | ShipmentStatus::Released
            | ShipmentStatus::Voided
            | ShipmentStatus::Intercepted => false,
        }
    }

    /// Whether someone holds it: claimed, picked, packed or intercepted in their hands.
    pub fn has_holder(self) -> bool {
        self.is_claimed() || self == ShipmentStatus::Intercepted
    }
}

impl fmt::Display for ShipmentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A carrier's tracking number: 8 to 32 ASCII letters and digits, kept upper-case. Carrier-specific
/// formats are checked where the carrier is known.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TrackingNumber(String);

impl TrackingNumber {
    pub fn parse(text: &str) -> Option<TrackingNumber> {
        let text = text.trim();
        let ok = (8..=32).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric());
        ok.then(|| TrackingNumber(text.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Something that happens to a shipment. `holder` names the warehouse user or station acting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShipmentEvent {
    Claim {
        holder: String,
        until: Timestamp,
    },
    Renew {
        holder: String,
        until: Timestamp,
    },
    GiveBack {
        holder: String,
    },
    /// The lease ran out with nobody renewing it.
    ExpireClaim,
    /// A supervisor takes the claim from its holder.
    TakeOver {
        holder: String,
        until: Timestamp,
    },
    Pick {
        holder: String,
    },
    Pack {
        holder: String,
    },
    Ship {
        holder: String,
        scanned: String,
        tracking: TrackingNumber,
    },
    Deliver,
    Void,
    /// An order in the claimed shipment was cancelled or refunded; its lines were taken out.
    Intercept,
    /// The holder put the intercepted goods back and carries on with what is left.
    Resume {
        holder: String,
    },
}

/// The kind of a [`ShipmentEvent`], without its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShipmentEventKind {
    Claim,
    Renew,
    GiveBack,
    ExpireClaim,
    TakeOver,
    Pick,
    Pack,
    Ship,
    Deliver,
    Void,
    Intercept,
    Resume,
}

impl ShipmentEventKind {
    pub const ALL: [ShipmentEventKind; 12] = [
        ShipmentEventKind::Claim,
        ShipmentEventKind::Renew,
        ShipmentEventKind::GiveBack,
        ShipmentEventKind::ExpireClaim,
        ShipmentEventKind::TakeOver,
        ShipmentEventKind::Pick,
        ShipmentEventKind::Pack,
        ShipmentEventKind::Ship,
        ShipmentEventKind::Deliver,
        ShipmentEventKind::Void,
        ShipmentEventKind::Intercept,
        ShipmentEventKind::Resume,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ShipmentEventKind::Claim => "claim",
            ShipmentEventKind::Renew => "renew",
            ShipmentEventKind::GiveBack => "give_back",
            ShipmentEventKind::ExpireClaim => "expire_claim",
            ShipmentEventKind::TakeOver => "take_over",
            ShipmentEventKind::Pick => "pick",
            ShipmentEventKind::Pack => "pack",
            ShipmentEventKind::Ship => "ship",
            ShipmentEventKind::Deliver => "deliver",
            ShipmentEventKind::Void => "void",
            ShipmentEventKind::Intercept => "intercept",
            ShipmentEventKind::Resume => "resume",
        }
    }
}

impl fmt::Display for ShipmentEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ShipmentEvent {
    pub fn kind(&self) -> ShipmentEventKind {
        match self {
            ShipmentEvent::Claim { .. } => ShipmentEventKind::Claim,
            ShipmentEvent::Renew { .. } => ShipmentEventKind::Renew,
            ShipmentEvent::GiveBack { .. } => ShipmentEventKind::GiveBack,
            ShipmentEvent::ExpireClaim => ShipmentEventKind::ExpireClaim,
            ShipmentEvent::TakeOver { .. } => ShipmentEventKind::TakeOver,
            ShipmentEvent::Pick { .. } => ShipmentEventKind::Pick,
            ShipmentEvent::Pack { .. } => ShipmentEventKind::Pack,
            ShipmentEvent::Ship { .. } => ShipmentEventKind::Ship,
            ShipmentEvent::Deliver => ShipmentEventKind::Deliver,
            ShipmentEvent::Void => ShipmentEventKind::Void,
            ShipmentEvent::Intercept => ShipmentEventKind::Intercept,
            ShipmentEvent::Resume { .. } => ShipmentEventKind::Resume,
        }
    }
}

/// What a shipment event requires of the rest of the system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShipmentEffect {
    /// The goods left: turn the reservation into a stock decrease and count the lines shipped.
    ConsumeStock,
    /// Tell the platform the tracking number (through the outbox).
    ConfirmToPlatform,
    /// The shipment will not go: give its lines back to their orders and release the stock.
    ReleaseStock,
}

/// Why a shipment event was refused. Nothing changes when one is returned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShipmentError {
    #[error("shipment cannot {event} while {from}")]
    InvalidTransition {
        from: ShipmentStatus,
        event: ShipmentEventKind,
    },
    #[error("shipment is claimed by {holder}")]
    ClaimedByOther { holder: String },
    #[error("the claim's lease ended at {until}")]
    LeaseExpired { until: Timestamp },
    #[error("the claim's lease runs until {until}")]
    LeaseActive { until: Timestamp },
    #[error("scanned barcode {scanned:?} is not shipment {expected}")]
    BarcodeMismatch {
        expected: ShipmentId,
        scanned: String,
    },
    #[error(transparent)]
    TrackingMismatch(#[from] crate::carrier::TrackingMismatch),
    #[error(
        "shipment {shipment} was intercepted: an order in it was cancelled or refunded; put its goods back and resume before shipping"
    )]
    Intercepted { shipment: ShipmentId },
}

/// One order line's share of a shipment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ShipmentLine {
    pub order: OrderId,
    pub line_no: u32,
    pub quantity: Quantity,
}

/// A parcel a warehouse works on: lines of one or more orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shipment {
    pub id: ShipmentId,
    pub warehouse: WarehouseCode,
    pub carrier: Option<String>,
    pub status: ShipmentStatus,
    pub holder: Option<String>,
    pub lease_until: Option<Timestamp>,
    pub tracking: Option<TrackingNumber>,
    pub lines: Vec<ShipmentLine>,
    pub version: u64,
    pub created_at: Timestamp,
}

impl Shipment {
    /// The text the shipment barcode encodes.
    pub fn barcode(&self) -> String {
        format!("SH{}", self.id.0)
    }

    /// The transition function: the shipment after `event` at time `now`, and the effects it causes.
    pub fn apply(
        &self,
        event: &ShipmentEvent,
        now: Timestamp,
    ) -> Result<(Shipment, Vec<ShipmentEffect>), ShipmentError> {
        use ShipmentStatus as S;
        let invalid = ShipmentError::InvalidTransition {
            from: self.status,
            event: event.kind(),
        };
        let mut next = self.clone();
        let mut effects = Vec::new();
        match event {
            ShipmentEvent::Claim { holder, until } => match self.status {
                S::Allocated | S::Released => {
                    next.status = S::Claimed;
                    next.holder = Some(holder.clone());
                    next.lease_until = Some(*until);
                }
                S::Claimed | S::Picked | S::Packed => {
                    self.check_holder(holder, now)?;
                    return Err(invalid);
                }
                S::Intercepted => {
                    self.check_holder(holder, now)?;
                    return Err(invalid);
                }
                S::Shipped | S::Delivered | S::Voided => return Err(invalid),
            },
            ShipmentEvent::Renew { holder, until } => {
                if !self.status.has_holder() {
                    return Err(invalid);
                }
                self.check_holder(holder, now)?;
                next.lease_until = Some(*until);
            }
            ShipmentEvent::GiveBack { holder } => {
                if !self.status.is_claimed() {
                    return Err(invalid);
                }
                self.check_holder(holder, now)?;
                next.release_claim();
            }
            ShipmentEvent::ExpireClaim => {
                if !self.status.is_claimed() {
                    return Err(invalid);
                }
                let until = self.lease_until.unwrap_or(Timestamp::EPOCH);
                if now < until {
                    return Err(ShipmentError::LeaseActive { until });
                }
                next.release_claim();
            }
            ShipmentEvent::TakeOver { holder, until } => {
                if !self.status.has_holder() {
                    return Err(invalid);
                }
                next.holder = Some(holder.clone());
                next.lease_until = Some(*until);
            }
            ShipmentEvent::Pick { holder } => {
                if self.status != S::Claimed {
                    return Err(invalid);
                }
                self.check_holder(holder, now)?;
                next.status = S::Picked;
            }
            ShipmentEvent::Pack { holder } => {
                if !matches!(self.status, S::Claimed | S::Picked) {
                    return Err(invalid);
                }
                self.check_holder(holder, now)?;
                next.status = S::Packed;
            }
            ShipmentEvent::Ship {
                holder,
                scanned,
                tracking,
            } => {
                if self.status == S::Intercepted {
                    self.check_holder(holder, now)?;
                    return Err(ShipmentError::Intercepted { shipment: self.id });
                }
                if !self.status.is_claimed() {
                    return Err(invalid);
                }
                self.check_holder(holder, now)?;
                if scanned.trim() != self.barcode() {
                    return Err(ShipmentError::BarcodeMismatch {
                        expected: self.id,
                        scanned: scanned.clone(),
                    });
                }
                if let Some(carrier) = &self.carrier {
                    crate::carrier::check_tracking(carrier, tracking.as_str())?;
                }
                next.status = S::Shipped;
                next.tracking = Some(tracking.clone());
                next.holder = None;
                next.lease_until = None;
                effects.push(ShipmentEffect::ConsumeStock);
                effects.push(ShipmentEffect::ConfirmToPlatform);
            }
            ShipmentEvent::Deliver => {
                if self.status != S::Shipped {
                    return Err(invalid);
                }
                next.status = S::Delivered;
            }
            ShipmentEvent::Void => {
                if !matches!(self.status, S::Allocated | S::Released) {
                    return Err(invalid);
                }
                next.status = S::Voided;
                effects.push(ShipmentEffect::ReleaseStock);
            }
            ShipmentEvent::Intercept => {
                if !self.status.has_holder() {
                    return Err(invalid);
                }
                next.status = S::Intercepted;
            }
            ShipmentEvent::Resume { holder } => {
                if self.status != S::Intercepted {
                    return Err(invalid);
                }
                self.check_holder(holder, now)?;
                if self.lines.is_empty() {
                    next.status = S::Voided;
                    next.holder = None;
                    next.lease_until = None;
                    effects.push(ShipmentEffect::ReleaseStock);
                } else {
                    next.status = S::Claimed;
                }
            }
        }
        next.version = self.version + 1;
        Ok((next, effects))
    }

    fn check_holder(&self, holder: &str, now: Timestamp) -> Result<(), ShipmentError> {
        match &self.holder {
            Some(current) if current != holder => {
                return Err(ShipmentError::ClaimedByOther {
                    holder: current.clone(),
                });
            }
            Some(_) | None => {}
        }
        match self.lease_until {
            Some(until) if now >= until => Err(ShipmentError::LeaseExpired { until }),
            Some(_) | None => Ok(()),
        }
    }

    fn release_claim(&mut self) {
        self.status = ShipmentStatus::Released;
        self.holder = None;
        self.lease_until = None;
    }
}

/// How much of one order line is planned into open shipments and how much has shipped.
///
/// `planned + shipped <= quantity` always holds: that is what keeps a line from shipping twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LineProgress {
    pub quantity: u32,
    /// Units in shipments not yet shipped or voided.
    pub planned: u32,
    pub shipped: u32,
}

/// A plan or shipment would take a line beyond its quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "line has {quantity} units, {planned} planned and {shipped} shipped; cannot take {requested} more"
)]
pub struct OverAllocation {
    pub quantity: u32,
    pub planned: u32,
    pub shipped: u32,
    pub requested: u32,
}

impl LineProgress {
    pub fn new(quantity: Quantity) -> LineProgress {
        LineProgress {
            quantity: quantity.get(),
            planned: 0,
            shipped: 0,
        }
    }

    pub fn unplanned(self) -> u32 {
        self.quantity - self.planned - self.shipped
    }

    /// Put `n` more units into a shipment.
    pub fn plan(self, n: Quantity) -> Result<LineProgress, OverAllocation> {
        if n.get() > self.unplanned() {
            return Err(self.over(n));
        }
        Ok(LineProgress {
            planned: self.planned + n.get(),
            ..self
        })
    }

    /// A shipment holding `n` units was voided.
    pub fn unplan(self, n: Quantity) -> Result<LineProgress, OverAllocation> {
        if n.get() > self.planned {
            return Err(self.over(n));
        }
        Ok(LineProgress {
            planned: self.planned - n.get(),
            ..self
        })
    }

    /// A shipment holding `n` planned units shipped.
    pub fn ship(self, n: Quantity) -> Result<LineProgress, OverAllocation> {
        if n.get() > self.planned {
            return Err(self.over(n));
        }
        Ok(LineProgress {
            planned: self.planned - n.get(),
            shipped: self.shipped + n.get(),
            ..self
        })
    }

    fn over(self, n: Quantity) -> OverAllocation {
        OverAllocation {
            quantity: self.quantity,
            planned: self.planned,
            shipped: self.shipped,
            requested: n.get(),
        }
    }
}
