//! `bulkhead`: the one binary. This crate is the only one that parses arguments, prints and
//! chooses exit codes; everything it does is a call into a library crate.
//!
//! Exit codes (DESIGN.md §4): 0 ran and the gate passed; 1 the gate failed (for `image verify`:
//! a digest did not match); 2 usage, input or internal error. A closed stdout (`| head`) is
//! not an error.

// The binary is where printing and exit codes belong (STYLE.md §2.7).
#![allow(clippy::print_stdout, clippy::print_stderr)]
// Doc comments on the argument types are clap's help text (`oci:DIR[:TAG]`), not rustdoc links.
#![allow(rustdoc::broken_intra_doc_links)]

mod args;
mod commands;
mod db;
mod misconfig;
mod scan;

use std::process::ExitCode;

use bulkhead_report::ExitStatus;
use clap::Parser as _;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(&cli) {
        Ok(status) => status.into(),
        Err(err) if is_broken_pipe(&err) => ExitStatus::Success.into(),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitStatus::Error.into()
        }
    }
}

/// `bulkhead image … | head` closes our stdout early; that is the reader's choice, not a failure.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
