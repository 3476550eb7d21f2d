//! `pep440` against its authoritative comparator.
