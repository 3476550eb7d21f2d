//! `gem` against its authoritative comparator.
