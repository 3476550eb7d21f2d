//! `dpkg` against its authoritative comparator.
