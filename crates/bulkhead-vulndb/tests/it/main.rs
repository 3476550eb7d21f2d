#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod hostile;
mod reference;
