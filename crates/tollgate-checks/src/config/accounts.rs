//! `/etc/passwd` and `/etc/group`, as the container runtime reads them to turn `USER name` into
//! ids (runc's `user.GetExecUser`: the first entry with the name wins; malformed lines are
//! skipped).
//!
//! ref: passwd(5), group(5)

/// One line of `/etc/passwd`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswdEntry {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
}

/// One line of `/etc/group`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupEntry {
    /// Group name.
    pub name: String,
    /// Group id.
    pub gid: u32,
}

/// A `USER` value split into its user and group parts (`name`, `uid`, `name:group`,
/// `uid:gid`), with empty parts as `None`.
pub(crate) fn split_user(user: &str) -> (Option<&str>, Option<&str>) {
    let user = user.trim();
    let (name, group) = user.split_once(':').unwrap_or((user, ""));
    (
        (!name.is_empty()).then_some(name),
        (!group.is_empty()).then_some(group),
    )
}

/// A numeric id, as runtimes read one (`0`, `65532`); names are `None`.
pub(crate) fn numeric_id(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The entries of a passwd file; lines that are not `name:pw:uid:gid:gecos:home:shell` with
/// numeric ids are skipped.
#[must_use]
pub(crate) fn parse_passwd(text: &str) -> Vec<PasswdEntry> {
    text.lines()
        .filter_map(|line| {
            if line.trim_start().starts_with('#') {
                return None;
            }
            let fields: Vec<&str> = line.split(':').collect();
            let [name, _, uid, gid, rest @ ..] = fields.as_slice() else {
                return None;
            };
            if name.is_empty() {
                return None;
            }
            Some(PasswdEntry {
                name: (*name).to_owned(),
                uid: uid.trim().parse().ok()?,
                gid: gid.trim().parse().ok()?,
                home: rest
                    .get(1)
                    .map_or_else(String::new, |home| (*home).to_owned()),
                shell: rest
                    .get(2)
                    .map_or_else(String::new, |shell| (*shell).to_owned()),
            })
        })
        .collect()
}

/// The entries of a group file; lines that are not `name:pw:gid[:members]` are skipped.
#[must_use]
pub(crate) fn parse_group(text: &str) -> Vec<GroupEntry> {
    text.lines()
        .filter_map(|line| {
            if line.trim_start().starts_with('#') {
                return None;
            }
            let fields: Vec<&str> = line.split(':').collect();
            let [name, _, gid, ..] = fields.as_slice() else {
                return None;
            };
            if name.is_empty() {
                return None;
            }
            Some(GroupEntry {
                name: (*name).to_owned(),
                gid: gid.trim().parse().ok()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_lines() {
        let text = "root:x:0:0:root:/root:/bin/bash\n\
                    # comment\n\
                    \n\
                    broken:x:notanumber:0::/:/bin/sh\n\
                    short:x:5\n\
                    :x:7:7::/:/bin/sh\n\
                    nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n\
                    toor:x:0:0::/root\n";
        let entries = parse_passwd(text);
        let names: Vec<(&str, u32, u32)> = entries
            .iter()
            .map(|e| (e.name.as_str(), e.uid, e.gid))
            .collect();
        assert_eq!(
            names,
            [("root", 0, 0), ("nonroot", 65532, 65532), ("toor", 0, 0)]
        );
        assert_eq!(entries[0].shell, "/bin/bash");
        assert_eq!(entries[1].home, "/home/nonroot");
        assert_eq!(entries[2].shell, "");
    }

    #[test]
    fn user_specs() {
        assert_eq!(split_user(""), (None, None));
        assert_eq!(split_user(" root "), (Some("root"), None));
        assert_eq!(split_user("0:0"), (Some("0"), Some("0")));
        assert_eq!(split_user(":10"), (None, Some("10")));
        assert_eq!(split_user("app:"), (Some("app"), None));
        assert_eq!(numeric_id("0"), Some(0));
        assert_eq!(numeric_id("65532"), Some(65532));
        for text in ["", "root", "-1", "+5", "99999999999", "1a"] {
            assert_eq!(numeric_id(text), None, "{text}");
        }
    }

    #[test]
    fn group_lines() {
        let text = "root:x:0:\nnonroot:x:65532:\nbad:x:\nwheel:x:10:root,app\n";
        let groups: Vec<(String, u32)> = parse_group(text)
            .into_iter()
            .map(|g| (g.name, g.gid))
            .collect();
        assert_eq!(
            groups,
            [
                ("root".to_owned(), 0),
                ("nonroot".to_owned(), 65532),
                ("wheel".to_owned(), 10)
            ]
        );
    }
}
