//! filled in by the registry test work
