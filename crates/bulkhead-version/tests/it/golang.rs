//! `golang` against its authoritative comparator.
