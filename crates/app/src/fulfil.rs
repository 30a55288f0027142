//! Warehouse work written once for the command line, the packing station and the API: claiming a
//! batch of shipments, the sweep that ends abandoned claims, and the scan-to-ship station.
//!
//! A station is a small state machine over scans: a shipment barcode (`SH…`) opens the parcel (claiming
//! it when nobody holds it, renewing the lease when this station does), the next scan is its tracking
//! number. A refused scan changes nothing and says why.

use domain::{
    Actor, AfterSale, AfterSaleLine, Money, Order, Quantity, Shipment, ShipmentError,
    ShipmentEvent, ShipmentId, ShipmentStatus, Timestamp, TrackingNumber, WarehouseCode,
};

use crate::{
    AfterSaleAction, Error, NewAfterSale, PlatformAfterSale, PlatformStage, Result, Store,
};

/// How long a claim holds without being renewed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    pub millis: i64,
}

impl Lease {
    pub fn minutes(minutes: i64) -> Lease {
        Lease {
            millis: minutes * 60_000,
        }
    }

    fn until(self, now: Timestamp) -> Timestamp {
        Timestamp::from_unix_millis(now.unix_millis() + self.millis)
    }
}

/// Claims up to `count` unclaimed shipments of `warehouse`, oldest first, for `holder`. A shipment
/// another station takes first is skipped, not an error.
pub async fn claim_batch(
    store: &dyn Store,
    warehouse: &WarehouseCode,
    holder: &str,
    count: usize,
    lease: Lease,
    actor: &Actor,
    now: Timestamp,
) -> Result<Vec<Shipment>> {
    let mut claimed = Vec::new();
    let open = store.open_shipments(Some(warehouse), 10_000).await?;
    for shipment in open {
        if claimed.len() >= count {
            break;
        }
        if !matches!(
            shipment.status,
            ShipmentStatus::Allocated | ShipmentStatus::Released
        ) {
            continue;
        }
        let event = ShipmentEvent::Claim {
            holder: holder.to_owned(),
            until: lease.until(now),
        };
        match store
            .apply_shipment_event(shipment.id, shipment.version, &event, actor, now)
            .await
        {
            Ok(it) => claimed.push(it),
            Err(error) if lost_race(&error) => continue,
            Err(error) => return Err(error),
        }
    }
    Ok(claimed)
}

/// Ends every claim whose lease ran out, so that the shipments can be claimed again. Returns how many
/// ended; a claim renewed meanwhile is left alone.
pub async fn expire_lapsed_claims(store: &dyn Store, now: Timestamp) -> Result<usize> {
    let mut expired = 0;
    for (id, version) in store.lapsed_claims(now).await? {
        match store
            .apply_shipment_event(
                id,
                version,
                &ShipmentEvent::ExpireClaim,
                &Actor::System,
                now,
            )
            .await
        {
            Ok(_) => expired += 1,
            Err(error) if lost_race(&error) => continue,
            Err(error) => return Err(error),
        }
    }
    Ok(expired)
}

/// Keeps a platform's after-sale as our case (once, by its platform id) and takes our case as far as
/// the platform has gone: agreed → approved, refunded → approved and paid back (a return waits for
/// our receipt scan before its refund), closed while still requested → rejected. Each step is the
/// same action a person would take, attributed to the platform.
pub async fn record_platform_after_sale(
    store: &dyn Store,
    order: &Order,
    external_id: &str,
    case: &PlatformAfterSale,
    now: Timestamp,
) -> Result<AfterSale> {
    let mut lines = Vec::new();
    for platform in &case.lines {
        let Some(line) = order
            .data
            .lines
            .iter()
            .find(|it| it.platform_line_id == platform.line_id)
        else {
            return Err(Error::invalid(
                "after_sale.lines",
                format!(
                    "order {} has no line {:?}",
                    order.data.external_id.as_str(),
                    platform.line_id
                ),
            ));
        };
        let pieces = platform.quantity.unwrap_or(line.quantity.get());
        let quantity = Quantity::new(pieces.min(line.quantity.get()))
            .map_err(|_| Error::invalid("after_sale.lines", "a line of no pieces"))?;
        lines.push(AfterSaleLine {
            line_no: line.line_no,
            quantity,
            refund: Money::new(platform.refund_minor, order.data.currency),
        });
    }
    let actor = Actor::Platform(order.data.shop.to_string());
    let new = NewAfterSale {
        order: order.id,
        external_id: external_id.to_owned(),
        kind: case.kind,
        reason: case.reason.clone(),
        lines,
    };
    let mut ours = store.create_after_sale(&new, &actor, now).await?;
    let wanted: &[AfterSaleAction] = match case.stage {
        PlatformStage::Requested => &[],
        PlatformStage::Agreed => &[AfterSaleAction::Approve],
        PlatformStage::Refunded => &[AfterSaleAction::Approve, AfterSaleAction::Refund],
        PlatformStage::Closed => &[AfterSaleAction::Reject],
    };
    for action in wanted {
        if AfterSale::next_status(ours.kind, ours.status, action.event()).is_err() {
            continue;
        }
        ours = store
            .apply_after_sale(
                ours.id,
                ours.version,
                action,
                "as the platform says",
                &actor,
                now,
            )
            .await?;
    }
    Ok(ours)
}

/// Somebody else moved the shipment first: not this caller's failure.
fn lost_race(error: &Error) -> bool {
    matches!(
        error,
        Error::Conflict(_)
            | Error::Shipment(
                ShipmentError::ClaimedByOther { .. }
                    | ShipmentError::InvalidTransition { .. }
                    | ShipmentError::LeaseActive { .. }
            )
    )
}

/// The shipment id a barcode names: `SH` and digits, as printed on the documents.
pub fn parse_shipment_barcode(text: &str) -> Option<ShipmentId> {
    let text = text.trim();
    let digits = text
        .strip_prefix("SH")
        .or_else(|| text.strip_prefix("sh"))?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().map(ShipmentId)
}

/// What one scan did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScanOutcome {
    /// The parcel is open at this station; scan its tracking number next.
    Opened(Shipment),
    /// The parcel left with this tracking number; the platform will be told.
    Shipped(Shipment),
    /// Nothing changed, and why.
    Refused(String),
}

/// One packing station: who it is, how long its claims hold, and the parcel it has open.
#[derive(Clone, Debug)]
pub struct Station {
    pub holder: String,
    pub lease: Lease,
    open: Option<ShipmentId>,
}

impl Station {
    pub fn new(holder: impl Into<String>, lease: Lease) -> Station {
        Station {
            holder: holder.into(),
            lease,
            open: None,
        }
    }

    /// The parcel waiting for its tracking number.
    pub fn open_shipment(&self) -> Option<ShipmentId> {
        self.open
    }

    /// Takes one scan (a keyboard-wedge line or an API call). Storage failures are errors; everything
    /// a packer can get wrong is a [`ScanOutcome::Refused`].
    pub async fn scan(
        &mut self,
        store: &dyn Store,
        text: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<ScanOutcome> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(ScanOutcome::Refused("empty scan".to_owned()));
        }
        if let Some(id) = parse_shipment_barcode(text) {
            return self.open(store, id, actor, now).await;
        }
        let Some(id) = self.open else {
            return Ok(ScanOutcome::Refused(format!(
                "{text} is not a shipment barcode: scan the shipment's barcode (SH…) first"
            )));
        };
        let Some(tracking) = TrackingNumber::parse(text) else {
            return Ok(ScanOutcome::Refused(format!(
                "{text} is not a tracking number (8 to 32 letters and digits)"
            )));
        };
        let shipment = store.load_shipment(id).await?;
        let event = ShipmentEvent::Ship {
            holder: self.holder.clone(),
            scanned: shipment.barcode(),
            tracking,
        };
        match store
            .apply_shipment_event(id, shipment.version, &event, actor, now)
            .await
        {
            Ok(shipped) => {
                self.open = None;
                Ok(ScanOutcome::Shipped(shipped))
            }
            Err(error) => {
                if matches!(error, Error::Shipment(ShipmentError::Intercepted { .. })) {
                    self.open = None;
                }
                refusal(error)
            }
        }
    }

    async fn open(
        &mut self,
        store: &dyn Store,
        id: ShipmentId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<ScanOutcome> {
        let shipment = match store.load_shipment(id).await {
            Ok(it) => it,
            Err(Error::NotFound(_)) => {
                return Ok(ScanOutcome::Refused(format!("there is no shipment SH{id}")));
            }
            Err(error) => return Err(error),
        };
        let until = self.lease.until(now);
        let event = match shipment.status {
            ShipmentStatus::Allocated | ShipmentStatus::Released => ShipmentEvent::Claim {
                holder: self.holder.clone(),
                until,
            },
            ShipmentStatus::Claimed | ShipmentStatus::Picked | ShipmentStatus::Packed => {
                ShipmentEvent::Renew {
                    holder: self.holder.clone(),
                    until,
                }
            }
            ShipmentStatus::Intercepted => {
                return Ok(ScanOutcome::Refused(format!(
                    "SH{id} was intercepted: an order in it was cancelled or refunded; put its goods back and resume it"
                )));
            }
            ShipmentStatus::Shipped | ShipmentStatus::Delivered => {
                let tracking = shipment.tracking.as_ref().map_or("", |it| it.as_str());
                return Ok(ScanOutcome::Refused(format!(
                    "SH{id} was already shipped with tracking number {tracking}"
                )));
            }
            ShipmentStatus::Voided => {
                return Ok(ScanOutcome::Refused(format!(
                    "SH{id} was voided: it will not be shipped"
                )));
            }
        };
        match store
            .apply_shipment_event(id, shipment.version, &event, actor, now)
            .await
        {
            Ok(opened) => {
                self.open = Some(id);
                Ok(ScanOutcome::Opened(opened))
            }
            Err(error) => refusal(error),
        }
    }
}

/// A refused event as the packer's message; storage failures stay errors.
fn refusal(error: Error) -> Result<ScanOutcome> {
    match error {
        Error::Storage(_) => Err(error),
        Error::Shipment(ShipmentError::ClaimedByOther { holder }) => Ok(ScanOutcome::Refused(
            format!("claimed by {holder}: only the holder may ship it"),
        )),
        other => Ok(ScanOutcome::Refused(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipment_barcodes_are_sh_and_digits() {
        assert_eq!(parse_shipment_barcode("SH42"), Some(ShipmentId(42)));
        assert_eq!(parse_shipment_barcode(" sh7 \r"), Some(ShipmentId(7)));
        assert_eq!(parse_shipment_barcode("SH"), None);
        assert_eq!(parse_shipment_barcode("SF1234567890123"), None);
        assert_eq!(parse_shipment_barcode("SH12A"), None);
        assert_eq!(parse_shipment_barcode("42"), None);
    }
}
