//! `maven` against its authoritative comparator.
