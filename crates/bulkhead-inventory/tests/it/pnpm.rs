//! Tests of the `pnpm` cataloger.
