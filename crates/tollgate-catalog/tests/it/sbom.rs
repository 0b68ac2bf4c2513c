//! SBOM tests (being written).
