//! `npm` against its authoritative comparator.
