//! `nuget` against its authoritative comparator.
