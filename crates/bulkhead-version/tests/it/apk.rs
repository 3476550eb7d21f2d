//! `apk` against its authoritative comparator.
