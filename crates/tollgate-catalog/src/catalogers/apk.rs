//! PLACEHOLDER: being written in this session; replaced by the real cataloger.

use std::io::Read;

use tollgate_oci::{Selector, VisitedFile};

use crate::Package;
use crate::cataloger::{CatalogError, Cataloger};

pub(crate) struct ApkDb;

impl Cataloger for ApkDb {
    fn id(&self) -> &'static str {
        "apk-db"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[]
    }

    fn catalog(
        &self,
        _file: &VisitedFile<'_>,
        _content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError> {
        Err(CatalogError::malformed("placeholder", "not written yet"))
    }
}
