//! The rules, one per module; a rule is registered by its one line below, in id order.

use super::Rule;

/// Declare each rule module and list its `RULE` in [`RULES`].
macro_rules! register {
    ($($module:ident),* $(,)?) => {
        $(mod $module;)*
        /// Every rule, in id order.
        pub(crate) static RULES: &[&dyn Rule] = &[$(&$module::RULE),*];
    };
}

register! {
    root_user,          // TG-CFG-001
    unknown_user,       // TG-CFG-002
    shells,             // TG-CFG-003
    package_managers,   // TG-CFG-004
    debug_tools,        // TG-CFG-005
    setid_files,        // TG-CFG-006
    world_writable,     // TG-CFG-007
    no_healthcheck,     // TG-CFG-008
    sensitive_ports,    // TG-CFG-009
    env_secrets,        // TG-CFG-010
    label_secrets,      // TG-CFG-011
    history_secrets,    // TG-CFG-012
    remote_add,         // TG-CFG-013
    pipe_to_shell,      // TG-CFG-014
    insecure_transfer,  // TG-CFG-015
    chmod_world,        // TG-CFG-016
    eol_release,        // TG-CFG-017
    lts_only_release,   // TG-CFG-018
    image_age,          // TG-CFG-019
    minimal_base,       // TG-CFG-020
}
