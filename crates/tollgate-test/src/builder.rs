//! filled in by the hostile-suite work
