//! PLACEHOLDER: being written in this session; replaced by the real cataloger.

use std::io::Read;

use tollgate_oci::{Selector, VisitedFile};

use crate::Package;
use crate::cataloger::{CatalogError, Cataloger};

pub(crate) struct PythonPackage;

impl Cataloger for PythonPackage {
    fn id(&self) -> &'static str {
        "python-package"
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
