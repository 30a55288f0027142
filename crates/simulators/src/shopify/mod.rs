//! Shopify: a simulated Admin API (being built).
