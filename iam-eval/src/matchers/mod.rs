//! Matching of the `Action`, `Resource` and `Principal` elements (spec §2).

pub mod action;
pub mod principal;
pub mod resource;
