//! The OrderHub binary.

fn main() {}
