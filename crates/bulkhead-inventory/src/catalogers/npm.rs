//! TODO(issue 4): this cataloger is being written.

use bulkhead_fsview::Metadata;

use super::{Cataloger, Context, ParseError};
use crate::{Options, Package};

#[derive(Debug)]
pub(crate) struct NpmLock;

impl Cataloger for NpmLock {
    fn name(&self) -> &'static str {
        "npm-npmlock"
    }

    fn wants(&self, _path: &str, _meta: &Metadata, _options: &Options) -> bool {
        false
    }

    fn parse(&self, _path: &str, _content: &[u8], _context: &Context<'_>) -> Result<Vec<Package>, ParseError> {
        Ok(Vec::new())
    }
}

#[derive(Debug)]
pub(crate) struct NodeModules;

impl Cataloger for NodeModules {
    fn name(&self) -> &'static str {
        "npm-nodemodules"
    }

    fn wants(&self, _path: &str, _meta: &Metadata, _options: &Options) -> bool {
        false
    }

    fn parse(&self, _path: &str, _content: &[u8], _context: &Context<'_>) -> Result<Vec<Package>, ParseError> {
        Ok(Vec::new())
    }
}
