//! Who caused a change and what it was about: the envelope every event carries.

use std::fmt;

use crate::ids::{AfterSaleId, OrderId, ShipmentId};

/// Who made a change: a person, a platform sync, or OrderHub's own automation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    User(String),
    Platform(String),
    System,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::User(name) => write!(f, "user:{name}"),
            Actor::Platform(shop) => write!(f, "platform:{shop}"),
            Actor::System => f.write_str("system"),
        }
    }
}

impl Actor {
    /// Parses the form written by `Display`.
    pub fn parse(text: &str) -> Option<Actor> {
        match text.split_once(':') {
            Some(("user", name)) => Some(Actor::User(name.to_owned())),
            Some(("platform", shop)) => Some(Actor::Platform(shop.to_owned())),
            Some(_) => None,
            None => (text == "system").then_some(Actor::System),
        }
    }
}

/// What an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventSubject {
    Order(OrderId),
    Shipment(ShipmentId),
    AfterSale(AfterSaleId),
    /// A stock row, by its store id.
    Stock(i64),
}

impl EventSubject {
    pub fn kind(self) -> &'static str {
        match self {
            EventSubject::Order(_) => "order",
            EventSubject::Shipment(_) => "shipment",
            EventSubject::AfterSale(_) => "after_sale",
            EventSubject::Stock(_) => "stock",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            EventSubject::Order(it) => it.0,
            EventSubject::Shipment(it) => it.0,
            EventSubject::AfterSale(it) => it.0,
            EventSubject::Stock(it) => it,
        }
    }
}
