//! The vulnerability DB: the advisory model (OSV 1.6), importers for the feeds tollgate reads
//! (OSV, the Debian security tracker, Alpine secdb), and the on-disk DB that is built from them,
//! opened in milliseconds and queried by (ecosystem, package name).

pub mod advisory;
pub mod db;
pub mod import;
pub mod signature;
pub mod update;

pub use advisory::{Advisory, Affected, AffectedPackage, Event, Range, Severity};
pub use db::{Db, DbBuilder, DbError, DbInfo, build};
pub use import::{
    BuildError, FeedKind, ImportError, ImportLimits, Imported, ImportedAdvisory, Sink, SourceInfo,
    import, import_into,
};
pub use signature::{SignatureError, SignatureInfo, SignaturePayload, sign_db};
