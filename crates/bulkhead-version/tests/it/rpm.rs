//! `rpm` against its authoritative comparator.
