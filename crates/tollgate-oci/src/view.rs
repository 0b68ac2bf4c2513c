//! The merged, read-only filesystem view of an image: layers applied in order with OCI
//! whiteouts and opaque directories, links kept as links, and path resolution that follows
//! symbolic links the way a process chrooted into the image would, so nothing resolves outside.
//!
//! ref: <https://github.com/opencontainers/image-spec/blob/v1.1.0/layer.md#whiteouts>
//!
//! Memory is the point of this module: an image can hold millions of files, so a path is not a
//! `String` but a node in a tree whose names live in one arena, and each node is a few dozen
//! bytes. No crate offers such an interned path tree with whiteout semantics; `hashbrown`'s
//! `HashTable` gives the (parent, name) index without storing the names twice.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use crate::{Error, Result};

/// The kind of a file in the view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Directory,
    /// A symbolic link (its target is kept verbatim).
    Symlink,
    /// A hard link to another path of the same layer (or a lower one).
    Hardlink,
}

const KIND_NONE: u8 = 0;
const KIND_FILE: u8 = 1;
const KIND_DIRECTORY: u8 = 2;
const KIND_SYMLINK: u8 = 3;
const KIND_HARDLINK: u8 = 4;

const FLAG_DELETED: u8 = 1;
/// In a layer: this path hides the same path of lower layers (`.wh.<name>`).
const FLAG_WHITEOUT: u8 = 2;
/// In a layer: this directory hides all children of lower layers (`.wh..wh..opq`).
const FLAG_OPAQUE: u8 = 4;
/// A directory that exists only because a deeper entry needed it.
const FLAG_IMPLICIT: u8 = 8;

const NONE: u32 = u32::MAX;
/// Symbolic links followed while applying a layer, as Linux's `MAXSYMLINKS`.
const MAX_HOPS: usize = 40;
const ROOT: u32 = 0;

#[derive(Clone, Copy, Debug)]
struct Node {
    parent: u32,
    name_start: u32,
    name_len: u32,
    first_child: u32,
    next_sibling: u32,
    link_start: u32,
    link_len: u32,
    /// Position of the entry in its layer's tar (0-based), to find it again quickly.
    ordinal: u32,
    size: u64,
    mode: u32,
    layer: u16,
    kind: u8,
    flags: u8,
}

/// Metadata of one entry, as recorded from a tar header.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct EntryMeta {
    pub(crate) size: u64,
    pub(crate) mode: u32,
    pub(crate) ordinal: u32,
}

/// A tree of paths with compact nodes. Used both for one layer's entries (with whiteout flags)
/// and for the merged view.
#[derive(Clone)]
pub(crate) struct PathTable {
    nodes: Vec<Node>,
    names: Vec<u8>,
    links: Vec<u8>,
    index: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    /// Some entry was put under a symbolic link (`link/child`): when applied, it goes where the
    /// link leads, so this table cannot become a view as it is.
    symlink_parents: bool,
}

impl Default for PathTable {
    fn default() -> Self {
        let mut table = Self {
            nodes: Vec::new(),
            names: Vec::new(),
            links: Vec::new(),
            index: HashTable::new(),
            hasher: hashbrown::DefaultHashBuilder::default(),
            symlink_parents: false,
        };
        table.nodes.push(Node {
            parent: NONE,
            name_start: 0,
            name_len: 0,
            first_child: NONE,
            next_sibling: NONE,
            link_start: 0,
            link_len: 0,
            ordinal: 0,
            size: 0,
            mode: 0o755,
            layer: 0,
            kind: KIND_DIRECTORY,
            flags: FLAG_IMPLICIT,
        });
        table
    }
}

fn too_large() -> Error {
    Error::LimitExceeded {
        what: "size of the path table".to_owned(),
        limit: u64::from(u32::MAX),
        unit: "bytes",
        hint: "",
    }
}

impl PathTable {
    fn name(&self, node: u32) -> &str {
        let n = &self.nodes[node as usize];
        let bytes = &self.names[n.name_start as usize..(n.name_start + n.name_len) as usize];
        // Names are stored from `&str` only, so this cannot fail; fall back to "" defensively.
        std::str::from_utf8(bytes).unwrap_or_default()
    }

    fn link_target(&self, node: u32) -> Option<&str> {
        let n = &self.nodes[node as usize];
        if n.kind != KIND_SYMLINK && n.kind != KIND_HARDLINK {
            return None;
        }
        let bytes = &self.links[n.link_start as usize..(n.link_start + n.link_len) as usize];
        std::str::from_utf8(bytes).ok()
    }

    fn hash_key(&self, parent: u32, name: &str) -> u64 {
        self.hasher.hash_one((parent, name))
    }

    fn child(&self, parent: u32, name: &str) -> Option<u32> {
        let hash = self.hash_key(parent, name);
        self.index
            .find(hash, |&id| {
                self.nodes[id as usize].parent == parent && self.name(id) == name
            })
            .copied()
    }

    fn live(&self, node: u32) -> bool {
        self.nodes[node as usize].flags & FLAG_DELETED == 0
    }

    /// The child `name` of `parent`, created (as an implicit directory) if missing. A deleted
    /// node is revived with its flags cleared.
    fn child_or_insert(&mut self, parent: u32, name: &str) -> Result<u32> {
        if let Some(id) = self.child(parent, name) {
            let node = &mut self.nodes[id as usize];
            if node.flags & FLAG_DELETED != 0 {
                node.flags = FLAG_IMPLICIT;
                node.kind = KIND_DIRECTORY;
                node.size = 0;
                node.mode = 0o755;
            }
            return Ok(id);
        }
        let id = u32::try_from(self.nodes.len()).map_err(|_| too_large())?;
        let name_start = u32::try_from(self.names.len()).map_err(|_| too_large())?;
        self.names.extend_from_slice(name.as_bytes());
        u32::try_from(self.names.len()).map_err(|_| too_large())?;
        let next_sibling = self.nodes[parent as usize].first_child;
        self.nodes.push(Node {
            parent,
            name_start,
            name_len: name.len() as u32,
            first_child: NONE,
            next_sibling,
            link_start: 0,
            link_len: 0,
            ordinal: 0,
            size: 0,
            mode: 0o755,
            layer: 0,
            kind: KIND_DIRECTORY,
            flags: FLAG_IMPLICIT,
        });
        self.nodes[parent as usize].first_child = id;
        let hash = self.hash_key(parent, name);
        let (nodes, names) = (&self.nodes, &self.names);
        let hasher = &self.hasher;
        self.index.insert_unique(hash, id, |&other| {
            let n = &nodes[other as usize];
            let other_name = std::str::from_utf8(
                &names[n.name_start as usize..(n.name_start + n.name_len) as usize],
            )
            .unwrap_or_default();
            hasher.hash_one((n.parent, other_name))
        });
        Ok(id)
    }

    /// The node for a clean relative path, creating parents as implicit directories. A parent
    /// that is a symbolic link stays one (the entry will be written through it when the layer
    /// is applied); any other non-directory parent becomes a directory.
    fn insert_path(&mut self, path: &str) -> Result<u32> {
        let mut node = ROOT;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let parent = node;
            if self.nodes[parent as usize].kind == KIND_SYMLINK {
                self.symlink_parents = true;
            } else if self.nodes[parent as usize].kind != KIND_DIRECTORY {
                let n = &mut self.nodes[parent as usize];
                n.kind = KIND_DIRECTORY;
                n.flags |= FLAG_IMPLICIT;
                n.size = 0;
            }
            node = self.child_or_insert(parent, part)?;
        }
        Ok(node)
    }

    /// The node of a clean relative path, not following any link.
    fn lookup(&self, path: &str) -> Option<u32> {
        let mut node = ROOT;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            node = self.child(node, part)?;
            if !self.live(node) {
                return None;
            }
        }
        Some(node)
    }

    fn set_entry(
        &mut self,
        node: u32,
        kind: u8,
        meta: EntryMeta,
        layer: u16,
        link: Option<&str>,
    ) -> Result<()> {
        let (link_start, link_len) = match link {
            Some(link) => {
                let start = u32::try_from(self.links.len()).map_err(|_| too_large())?;
                self.links.extend_from_slice(link.as_bytes());
                (start, link.len() as u32)
            }
            None => (0, 0),
        };
        let n = &mut self.nodes[node as usize];
        n.kind = kind;
        n.size = meta.size;
        n.mode = meta.mode;
        n.ordinal = meta.ordinal;
        n.layer = layer;
        n.link_start = link_start;
        n.link_len = link_len;
        n.flags &= !(FLAG_IMPLICIT | FLAG_DELETED);
        Ok(())
    }

    /// Mark all descendants of `node` deleted (not `node` itself).
    fn delete_children(&mut self, node: u32) {
        let mut stack = vec![self.nodes[node as usize].first_child];
        while let Some(mut child) = stack.pop() {
            while child != NONE {
                let n = &mut self.nodes[child as usize];
                n.flags |= FLAG_DELETED;
                if n.first_child != NONE {
                    stack.push(n.first_child);
                }
                child = n.next_sibling;
            }
        }
    }

    fn delete(&mut self, node: u32) {
        self.delete_children(node);
        if node != ROOT {
            self.nodes[node as usize].flags |= FLAG_DELETED;
        }
    }

    fn path_of(&self, node: u32) -> String {
        let mut parts = Vec::new();
        let mut current = node;
        while current != ROOT && current != NONE {
            parts.push(self.name(current));
            current = self.nodes[current as usize].parent;
        }
        let mut path = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
        for part in parts.iter().rev() {
            path.push('/');
            path.push_str(part);
        }
        if path.is_empty() {
            path.push('/');
        }
        path
    }

    /// Live children of `node`, sorted by name.
    fn sorted_children(&self, node: u32) -> Vec<u32> {
        let mut children = Vec::new();
        let mut child = self.nodes[node as usize].first_child;
        while child != NONE {
            if self.live(child) {
                children.push(child);
            }
            child = self.nodes[child as usize].next_sibling;
        }
        children.sort_unstable_by(|a, b| self.name(*a).cmp(self.name(*b)));
        children
    }

    fn len_live(&self) -> usize {
        self.nodes
            .iter()
            .skip(1)
            .filter(|n| n.flags & FLAG_DELETED == 0 && n.kind != KIND_NONE)
            .count()
    }
}

/// One layer's entries as a path table, with its whiteouts and opaque directories.
#[derive(Clone, Default)]
pub(crate) struct LayerTable {
    table: PathTable,
    pub(crate) entries: u64,
    pub(crate) whiteouts: u64,
}

impl LayerTable {
    pub(crate) fn add(
        &mut self,
        path: &str,
        kind: FileKind,
        meta: EntryMeta,
        link: Option<&str>,
    ) -> Result<()> {
        let node = self.table.insert_path(path)?;
        let code = match kind {
            FileKind::File => KIND_FILE,
            FileKind::Directory => KIND_DIRECTORY,
            FileKind::Symlink => KIND_SYMLINK,
            FileKind::Hardlink => KIND_HARDLINK,
        };
        // Replacing a directory by a non-directory within one layer drops what was under it,
        // as extracting the tar would.
        if code != KIND_DIRECTORY {
            self.table.delete_children(node);
        }
        self.table.set_entry(node, code, meta, 0, link)
    }

    pub(crate) fn add_whiteout(&mut self, path: &str) -> Result<()> {
        self.whiteouts += 1;
        let node = self.table.insert_path(path)?;
        let n = &mut self.table.nodes[node as usize];
        if n.flags & FLAG_IMPLICIT != 0 {
            n.kind = KIND_NONE;
            n.flags &= !FLAG_IMPLICIT;
        }
        n.flags |= FLAG_WHITEOUT;
        Ok(())
    }

    /// An entry that is not represented (a device node or a fifo) but, as extracting it would,
    /// replaces what was at `path`: an earlier entry of this layer and the lower layers' entry.
    pub(crate) fn add_hidden(&mut self, path: &str) -> Result<()> {
        let node = self.table.insert_path(path)?;
        self.table.delete_children(node);
        let n = &mut self.table.nodes[node as usize];
        n.kind = KIND_NONE;
        n.size = 0;
        n.flags = (n.flags & !FLAG_IMPLICIT) | FLAG_WHITEOUT;
        Ok(())
    }

    pub(crate) fn add_opaque(&mut self, directory: &str) -> Result<()> {
        self.whiteouts += 1;
        let node = self.table.insert_path(directory)?;
        self.table.nodes[node as usize].flags |= FLAG_OPAQUE;
        Ok(())
    }

    /// A regular file (or a hard link to one) at `path` in this layer, by its last occurrence.
    pub(crate) fn file(&self, path: &str) -> Option<(FileKind, EntryMeta, Option<String>)> {
        let node = self.table.lookup(path)?;
        let n = &self.table.nodes[node as usize];
        let meta = EntryMeta {
            size: n.size,
            mode: n.mode,
            ordinal: n.ordinal,
        };
        match n.kind {
            KIND_FILE => Some((FileKind::File, meta, None)),
            KIND_HARDLINK => Some((
                FileKind::Hardlink,
                meta,
                self.table.link_target(node).map(str::to_owned),
            )),
            _ => None,
        }
    }

    /// Number of non-directory entries added by this layer.
    pub(crate) fn files_added(&self) -> u64 {
        self.table
            .nodes
            .iter()
            .skip(1)
            .filter(|n| {
                n.flags & FLAG_DELETED == 0
                    && matches!(n.kind, KIND_FILE | KIND_SYMLINK | KIND_HARDLINK)
            })
            .count() as u64
    }
}

/// The leading bytes of an encoded [`LayerTable`], with the format's version.
const LISTING_MAGIC: &[u8; 8] = b"TGLIST\x00\x01";

impl LayerTable {
    /// The table in a stable byte form (for the layer cache): the counters, then every live
    /// node in index order (so parents come before children and sibling order is kept), each
    /// naming its parent by position.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let table = &self.table;
        let mut out = Vec::with_capacity(64 + table.nodes.len() * 40 + table.names.len());
        out.extend_from_slice(LISTING_MAGIC);
        out.extend_from_slice(&self.entries.to_le_bytes());
        out.extend_from_slice(&self.whiteouts.to_le_bytes());
        out.push(u8::from(table.symlink_parents));
        // The root itself can carry flags: an opaque marker at the top of the layer.
        out.push(table.nodes[ROOT as usize].flags);
        // Position of each live node in the encoding; deleted nodes are left out.
        let mut position = vec![NONE; table.nodes.len()];
        let live: Vec<u32> = (1..table.nodes.len() as u32)
            .filter(|&id| table.live(id))
            .collect();
        out.extend_from_slice(&(live.len() as u32).to_le_bytes());
        for (at, &id) in live.iter().enumerate() {
            position[id as usize] = at as u32 + 1;
            let node = &table.nodes[id as usize];
            let parent = if node.parent == ROOT {
                0
            } else {
                position[node.parent as usize]
            };
            out.extend_from_slice(&parent.to_le_bytes());
            out.push(node.kind);
            out.push(node.flags);
            out.extend_from_slice(&node.mode.to_le_bytes());
            out.extend_from_slice(&node.ordinal.to_le_bytes());
            out.extend_from_slice(&node.size.to_le_bytes());
            let name = table.name(id).as_bytes();
            out.extend_from_slice(&(name.len() as u32).to_le_bytes());
            out.extend_from_slice(name);
            let link = table.link_target(id).unwrap_or_default().as_bytes();
            out.extend_from_slice(&(link.len() as u32).to_le_bytes());
            out.extend_from_slice(link);
        }
        out
    }

    /// The table back from [`LayerTable::encode`]'s bytes. The bytes come from a cache on disk,
    /// so they are checked as if hostile: `None` unless every node is well formed (known kind
    /// and flags, a clean UTF-8 name, a parent already read that is a directory or a link, no
    /// duplicate names) and nothing is left over.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let mut input = Cursor(bytes);
        if input.take(LISTING_MAGIC.len())? != LISTING_MAGIC {
            return None;
        }
        let entries = input.u64()?;
        let whiteouts = input.u64()?;
        let symlink_parents = match input.u8()? {
            0 => false,
            1 => true,
            _ => return None,
        };
        let root_flags = input.u8()?;
        let count = input.u32()? as usize;
        // Each node takes at least 30 bytes: refuse counts the input cannot hold before
        // allocating for them.
        if count > bytes.len() / 30 {
            return None;
        }
        let mut table = PathTable {
            symlink_parents,
            ..PathTable::default()
        };
        if root_flags & !(FLAG_OPAQUE | FLAG_IMPLICIT) != 0 {
            return None;
        }
        table.nodes[ROOT as usize].flags = root_flags;
        table.nodes.reserve(count);
        for at in 1..=count as u32 {
            let parent = input.u32()?;
            let kind = input.u8()?;
            let flags = input.u8()?;
            let mode = input.u32()?;
            let ordinal = input.u32()?;
            let size = input.u64()?;
            let name_len = input.u32()? as usize;
            let name = std::str::from_utf8(input.take(name_len)?).ok()?;
            let link_len = input.u32()? as usize;
            let link = std::str::from_utf8(input.take(link_len)?).ok()?;
            let known_flags = FLAG_WHITEOUT | FLAG_OPAQUE | FLAG_IMPLICIT;
            let clean_name = !name.is_empty() && !name.contains('/') && name != "." && name != "..";
            let has_link = matches!(kind, KIND_SYMLINK | KIND_HARDLINK);
            if parent >= at
                || kind > KIND_HARDLINK
                || flags & !known_flags != 0
                || !clean_name
                || (!has_link && !link.is_empty())
                // A whited-out directory (kind none) keeps the entries the layer put under it.
                || !matches!(
                    table.nodes[parent as usize].kind,
                    KIND_DIRECTORY | KIND_SYMLINK | KIND_NONE
                )
                || table.child(parent, name).is_some()
            {
                return None;
            }
            let id = table.child_or_insert(parent, name).ok()?;
            if id != at {
                return None;
            }
            let meta = EntryMeta {
                size,
                mode,
                ordinal,
            };
            table
                .set_entry(id, kind, meta, 0, has_link.then_some(link))
                .ok()?;
            table.nodes[id as usize].flags = flags;
        }
        if !input.0.is_empty() {
            return None;
        }
        Some(Self {
            table,
            entries,
            whiteouts,
        })
    }
}

/// Little-endian reads from a byte slice, `None` at the end.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        if len > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

/// The image's final filesystem.
#[derive(Clone, Default)]
pub struct MergedView {
    table: PathTable,
}

/// Where a path walk ended.
enum Walked {
    Found(u32),
    /// `name` does not exist in the directory `parent`.
    Missing {
        parent: u32,
        name: String,
    },
    NotADirectory,
}

/// One path in the merged view.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FileInfo {
    /// Absolute path inside the image, e.g. `/etc/os-release`.
    pub path: String,
    /// What it is.
    pub kind: FileKind,
    /// Size in bytes (for regular files and hard links).
    pub size: u64,
    /// Permission and type bits from the tar header.
    pub mode: u32,
    /// Index of the layer that last wrote this path.
    pub layer: usize,
    /// Link target, verbatim (symbolic links) or as an absolute image path (hard links).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
    #[serde(skip)]
    pub(crate) ordinal: u32,
}

impl MergedView {
    /// Apply one layer on top of the view. Whiteouts and opaque markers of the layer only hide
    /// lower layers, whatever their order in the tar (image-spec: "whiteout files MUST only
    /// apply to resources in lower/parent layers").
    pub(crate) fn apply(
        &mut self,
        layer: LayerTable,
        layer_index: u16,
        layer_name: &str,
    ) -> Result<()> {
        if self.table.nodes.len() == 1 && layer_index == 0 && !layer.table.symlink_parents {
            // The bottom layer: nothing to hide, so its table becomes the view (moved, not
            // copied: with millions of files that halves the peak memory).
            self.table = layer.table;
            for node in &mut self.table.nodes {
                if node.kind == KIND_NONE {
                    node.flags |= FLAG_DELETED;
                }
                node.flags &= !(FLAG_WHITEOUT | FLAG_OPAQUE);
                node.layer = layer_index;
            }
            return self.check_hardlinks(&self.table, layer_name);
        }
        let upper = &layer.table;
        // Pass 1: deletions.
        for (id, node) in upper.nodes.iter().enumerate().skip(1) {
            if node.flags & (FLAG_WHITEOUT | FLAG_OPAQUE) == 0 {
                continue;
            }
            let path = upper.path_of(id as u32);
            // Parents are resolved through symbolic links, as the extractor resolves them.
            if let Some(target) = self.resolve_node(&path, false, MAX_HOPS).ok().flatten() {
                if node.flags & FLAG_WHITEOUT != 0 {
                    self.table.delete(target);
                } else {
                    self.table.delete_children(target);
                }
            }
        }
        // Pass 2: additions, parents before children.
        let mut stack: Vec<(u32, u32)> = vec![(ROOT, ROOT)];
        while let Some((upper_id, merged_id)) = stack.pop() {
            let mut child = upper.nodes[upper_id as usize].first_child;
            while child != NONE {
                let id = child;
                let node = upper.nodes[id as usize];
                child = node.next_sibling;
                if node.flags & FLAG_DELETED != 0 || node.kind == KIND_NONE {
                    continue;
                }
                let name = upper.name(id);
                if self.table.nodes[merged_id as usize].kind != KIND_DIRECTORY {
                    let parent = &mut self.table.nodes[merged_id as usize];
                    parent.kind = KIND_DIRECTORY;
                    parent.size = 0;
                }
                let existed = self
                    .table
                    .child(merged_id, name)
                    .filter(|&m| self.table.live(m));
                // Entries under a path that is a symbolic link below (and only implied above) are
                // written through the link by runtimes (containerd resolves parents inside the
                // root): `hide -> /usr/bin` then `hide/sudo` replaces `/usr/bin/sudo`. Showing
                // `/hide/sudo` instead would let an image hide a file from a scan.
                if node.kind == KIND_DIRECTORY
                    && node.flags & FLAG_IMPLICIT != 0
                    && let Some(link) =
                        existed.filter(|&m| self.table.nodes[m as usize].kind == KIND_SYMLINK)
                    && let Some(directory) = self.resolve_creating(link, layer_index)?
                {
                    stack.push((id, directory));
                    continue;
                }
                let target = self.table.child_or_insert(merged_id, name)?;
                let keep_existing_directory = existed.is_some()
                    && node.kind == KIND_DIRECTORY
                    && self.table.nodes[target as usize].kind == KIND_DIRECTORY;
                if keep_existing_directory {
                    if node.flags & FLAG_IMPLICIT == 0 {
                        let t = &mut self.table.nodes[target as usize];
                        t.mode = node.mode;
                        t.layer = layer_index;
                        t.flags &= !FLAG_IMPLICIT;
                    }
                } else {
                    if existed.is_some() {
                        self.table.delete_children(target);
                    }
                    let meta = EntryMeta {
                        size: node.size,
                        mode: node.mode,
                        ordinal: node.ordinal,
                    };
                    let link = upper.link_target(id).map(str::to_owned);
                    self.table
                        .set_entry(target, node.kind, meta, layer_index, link.as_deref())?;
                    if node.flags & FLAG_IMPLICIT != 0 {
                        self.table.nodes[target as usize].flags |= FLAG_IMPLICIT;
                    }
                }
                if node.kind == KIND_DIRECTORY {
                    stack.push((id, target));
                } else if node.kind == KIND_SYMLINK
                    && node.first_child != NONE
                    && let Some(directory) = self.resolve_creating(target, layer_index)?
                {
                    // The same, within one layer: `link` then `link/child` in one tar.
                    stack.push((id, directory));
                }
            }
        }
        self.check_hardlinks(upper, layer_name)
    }

    /// Every hard link of the layer must name a regular file that exists once the layer is
    /// applied (docker refuses to extract a layer whose hard link has no target).
    fn check_hardlinks(&self, upper: &PathTable, layer_name: &str) -> Result<()> {
        for (id, node) in upper.nodes.iter().enumerate().skip(1) {
            if node.kind != KIND_HARDLINK || node.flags & FLAG_DELETED != 0 {
                continue;
            }
            let target = upper.link_target(id as u32).unwrap_or_default();
            let found = self
                .resolve_node(target, false, MAX_HOPS)
                .ok()
                .flatten()
                .is_some_and(|t| {
                    matches!(self.table.nodes[t as usize].kind, KIND_FILE | KIND_HARDLINK)
                });
            if !found {
                return Err(Error::HardlinkTargetMissing {
                    layer: layer_name.to_owned(),
                    path: upper.path_of(id as u32),
                    target: format!("/{target}"),
                });
            }
        }
        Ok(())
    }

    /// Information about `path` without following a final symbolic link (like `lstat`); parent
    /// directories are followed.
    #[must_use]
    pub fn get(&self, path: &str, max_hops: usize) -> Option<FileInfo> {
        let node = self.resolve_node(path, false, max_hops).ok()??;
        Some(self.info(node))
    }

    /// Resolve `path` following every symbolic link, chroot-style: `..` at the root stays at
    /// the root and absolute link targets start at the image root, so a link can never lead
    /// outside the image. `Ok(None)` if the path does not exist.
    pub fn resolve(&self, path: &str, max_hops: usize) -> Result<Option<FileInfo>> {
        Ok(self
            .resolve_node(path, true, max_hops)?
            .map(|node| self.info(node)))
    }

    fn resolve_node(&self, path: &str, follow_last: bool, max_hops: usize) -> Result<Option<u32>> {
        Ok(match self.walk_path(path, follow_last, max_hops)? {
            Walked::Found(node) => Some(node),
            Walked::Missing { .. } | Walked::NotADirectory => None,
        })
    }

    /// The one path walk behind every lookup: components are taken from a stack so that link
    /// targets can be spliced in; `..` stops at the root; an absolute target restarts there.
    fn walk_path(&self, path: &str, follow_last: bool, max_hops: usize) -> Result<Walked> {
        let split = |text: &str| -> Vec<String> {
            text.split('/')
                .filter(|p| !p.is_empty() && *p != ".")
                .rev()
                .map(str::to_owned)
                .collect()
        };
        let mut hops = 0usize;
        let mut pending = split(path);
        let mut current = ROOT;
        while let Some(part) = pending.pop() {
            if part == ".." {
                let parent = self.table.nodes[current as usize].parent;
                current = if parent == NONE { ROOT } else { parent };
                continue;
            }
            if self.table.nodes[current as usize].kind != KIND_DIRECTORY {
                return Ok(Walked::NotADirectory);
            }
            let Some(next) = self
                .table
                .child(current, &part)
                .filter(|&n| self.table.live(n))
            else {
                return Ok(Walked::Missing {
                    parent: current,
                    name: part,
                });
            };
            let is_last = pending.is_empty();
            if self.table.nodes[next as usize].kind == KIND_SYMLINK && (follow_last || !is_last) {
                hops += 1;
                if hops > max_hops {
                    return Err(Error::SymlinkLoop {
                        path: path.to_owned(),
                    });
                }
                let target = self.table.link_target(next).unwrap_or_default();
                if target.starts_with('/') {
                    current = ROOT;
                }
                pending.extend(split(target));
                continue;
            }
            current = next;
        }
        Ok(Walked::Found(current))
    }

    /// Where an extractor writes through the symbolic link `link`: its target resolved inside
    /// the root, with missing directories created (as `MkdirAll` through the link would).
    /// `None` when the link leads to something that is not a directory.
    fn resolve_creating(&mut self, link: u32, layer_index: u16) -> Result<Option<u32>> {
        let path = self.table.path_of(link);
        // Each round creates one missing directory, so the rounds are bounded by the components
        // of the path and of the link targets met on the way.
        for _ in 0..=self.table.nodes.len().min(4096) {
            match self.walk_path(&path, true, MAX_HOPS)? {
                Walked::Found(node) => {
                    return Ok(
                        (self.table.nodes[node as usize].kind == KIND_DIRECTORY).then_some(node)
                    );
                }
                Walked::NotADirectory => return Ok(None),
                Walked::Missing { parent, name } => {
                    let created = self.table.child_or_insert(parent, &name)?;
                    self.table.nodes[created as usize].layer = layer_index;
                }
            }
        }
        Err(Error::SymlinkLoop { path })
    }

    fn info(&self, node: u32) -> FileInfo {
        let n = &self.table.nodes[node as usize];
        let kind = match n.kind {
            KIND_FILE => FileKind::File,
            KIND_SYMLINK => FileKind::Symlink,
            KIND_HARDLINK => FileKind::Hardlink,
            _ => FileKind::Directory,
        };
        let link_target = self.table.link_target(node).map(|t| {
            if kind == FileKind::Hardlink {
                format!("/{t}")
            } else {
                t.to_owned()
            }
        });
        FileInfo {
            path: self.table.path_of(node),
            kind,
            size: n.size,
            mode: n.mode,
            layer: usize::from(n.layer),
            link_target,
            ordinal: n.ordinal,
        }
    }

    /// Every path of the final filesystem (directories included), sorted, depth first.
    pub fn files(&self) -> impl Iterator<Item = FileInfo> + '_ {
        let mut stack: Vec<u32> = self.table.sorted_children(ROOT).into_iter().rev().collect();
        std::iter::from_fn(move || {
            let node = stack.pop()?;
            if self.table.nodes[node as usize].kind == KIND_DIRECTORY {
                stack.extend(self.table.sorted_children(node).into_iter().rev());
            }
            Some(self.info(node))
        })
    }

    /// Number of paths in the final filesystem (directories included).
    #[must_use]
    pub fn len(&self) -> usize {
        self.table.len_live()
    }

    /// Whether the filesystem is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(size: u64) -> EntryMeta {
        EntryMeta {
            size,
            mode: 0o644,
            ordinal: 0,
        }
    }

    fn paths(view: &MergedView) -> Vec<String> {
        view.files().map(|f| f.path).collect()
    }

    /// Layers exercising every node form an encoding must keep: whiteouts (also over a
    /// directory the layer fills again), opaque directories and an opaque root, links of both
    /// kinds, entries written under a symbolic link, a file replacing a directory (deleted
    /// nodes), hidden entries.
    fn tricky_layers() -> Vec<LayerTable> {
        let mut lower = LayerTable::default();
        for path in [
            "etc/passwd",
            "opt/app/a",
            "opt/app/b",
            "usr/bin/sudo",
            "var/x/y",
        ] {
            lower.add(path, FileKind::File, file(7), None).unwrap();
        }
        lower
            .add("bin", FileKind::Symlink, file(0), Some("usr/bin"))
            .unwrap();
        lower
            .add(
                "etc/passwd-",
                FileKind::Hardlink,
                file(7),
                Some("etc/passwd"),
            )
            .unwrap();
        let mut upper = LayerTable::default();
        upper
            .add("var/x/new", FileKind::File, file(3), None)
            .unwrap();
        upper.add_whiteout("var/x").unwrap();
        upper.add_opaque("opt/app").unwrap();
        upper
            .add("opt/app/c", FileKind::File, file(2), None)
            .unwrap();
        upper
            .add("bin/evil", FileKind::File, file(9), None)
            .unwrap();
        upper
            .add("srv/dir/f", FileKind::File, file(1), None)
            .unwrap();
        upper.add("srv/dir", FileKind::File, file(4), None).unwrap();
        upper.add_hidden("dev-node").unwrap();
        upper
            .add(
                "home",
                FileKind::Directory,
                EntryMeta {
                    size: 0,
                    mode: 0o700,
                    ordinal: 3,
                },
                None,
            )
            .unwrap();
        let mut top = LayerTable::default();
        top.add_opaque("").unwrap();
        top.add("only", FileKind::File, file(1), None).unwrap();
        vec![lower, upper, top]
    }

    fn listing(view: &MergedView) -> Vec<FileInfo> {
        view.files().collect()
    }

    #[test]
    fn a_layer_table_survives_encoding_exactly() {
        let layers = tricky_layers();
        let mut direct = MergedView::default();
        let mut decoded = MergedView::default();
        for (index, layer) in layers.into_iter().enumerate() {
            let bytes = layer.encode();
            let again = LayerTable::decode(&bytes).expect("decodes");
            assert_eq!(
                again.encode(),
                bytes,
                "layer {index} re-encodes identically"
            );
            assert_eq!(
                (again.entries, again.whiteouts),
                (layer.entries, layer.whiteouts)
            );
            assert_eq!(again.files_added(), layer.files_added());
            direct.apply(layer, index as u16, "direct").unwrap();
            decoded.apply(again, index as u16, "decoded").unwrap();
            assert_eq!(listing(&decoded), listing(&direct), "after layer {index}");
        }
        assert!(paths(&decoded).contains(&"/usr/bin/evil".to_owned()));
    }

    #[test]
    fn a_damaged_encoding_is_refused_never_half_read() {
        for layer in tricky_layers() {
            let bytes = layer.encode();
            for cut in 0..bytes.len() {
                assert!(LayerTable::decode(&bytes[..cut]).is_none(), "cut at {cut}");
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert!(LayerTable::decode(&longer).is_none());
            // Flipping any byte either is refused or gives a table that still encodes (no
            // panic, no out-of-range index).
            for at in 0..bytes.len() {
                for flip in [0x01u8, 0x80, 0xff] {
                    let mut damaged = bytes.clone();
                    damaged[at] ^= flip;
                    if let Some(table) = LayerTable::decode(&damaged) {
                        let mut view = MergedView::default();
                        let _ = view.apply(table.clone(), 1, "damaged");
                        let _ = table.encode();
                    }
                }
            }
        }
    }

    #[test]
    fn whiteouts_and_opaque_directories() {
        let mut lower = LayerTable::default();
        lower
            .add("etc/passwd", FileKind::File, file(10), None)
            .unwrap();
        lower
            .add("etc/shadow", FileKind::File, file(5), None)
            .unwrap();
        lower
            .add("opt/app/a", FileKind::File, file(1), None)
            .unwrap();
        lower
            .add("opt/app/b", FileKind::File, file(1), None)
            .unwrap();
        lower
            .add("root/.ssh/id_rsa", FileKind::File, file(1675), None)
            .unwrap();
        let mut upper = LayerTable::default();
        upper.add_whiteout("root/.ssh/id_rsa").unwrap();
        upper.add_opaque("opt/app").unwrap();
        upper
            .add("opt/app/c", FileKind::File, file(2), None)
            .unwrap();
        upper
            .add("etc/passwd", FileKind::File, file(20), None)
            .unwrap();

        let mut view = MergedView::default();
        view.apply(lower, 0, "layer 0").unwrap();
        view.apply(upper, 1, "layer 1").unwrap();
        assert_eq!(
            paths(&view),
            [
                "/etc",
                "/etc/passwd",
                "/etc/shadow",
                "/opt",
                "/opt/app",
                "/opt/app/c",
                "/root",
                "/root/.ssh"
            ]
        );
        let passwd = view.get("/etc/passwd", 40).unwrap();
        assert_eq!((passwd.size, passwd.layer), (20, 1));
        assert_eq!(view.get("etc/shadow", 40).unwrap().layer, 0);
    }

    #[test]
    fn whiteout_then_recreate_in_same_layer_keeps_the_new_entry() {
        let mut lower = LayerTable::default();
        lower.add("a/old", FileKind::File, file(1), None).unwrap();
        let mut upper = LayerTable::default();
        upper.add("a", FileKind::Directory, file(0), None).unwrap();
        upper.add("a/new", FileKind::File, file(1), None).unwrap();
        upper.add_opaque("a").unwrap();
        let mut view = MergedView::default();
        view.apply(lower, 0, "l0").unwrap();
        view.apply(upper, 1, "l1").unwrap();
        assert_eq!(paths(&view), ["/a", "/a/new"]);
    }

    #[test]
    fn file_replaces_directory_and_back() {
        let mut l0 = LayerTable::default();
        l0.add("x/y/z", FileKind::File, file(1), None).unwrap();
        let mut l1 = LayerTable::default();
        l1.add("x", FileKind::File, file(3), None).unwrap();
        let mut l2 = LayerTable::default();
        l2.add("x/w", FileKind::File, file(4), None).unwrap();
        let mut view = MergedView::default();
        view.apply(l0, 0, "l0").unwrap();
        view.apply(l1, 1, "l1").unwrap();
        assert_eq!(paths(&view), ["/x"]);
        view.apply(l2, 2, "l2").unwrap();
        assert_eq!(paths(&view), ["/x", "/x/w"]);
    }

    #[test]
    fn symlinks_resolve_inside_the_root() {
        let mut layer = LayerTable::default();
        layer
            .add("usr/lib/os-release", FileKind::File, file(100), None)
            .unwrap();
        layer
            .add(
                "etc/os-release",
                FileKind::Symlink,
                file(0),
                Some("../usr/lib/os-release"),
            )
            .unwrap();
        layer
            .add("bin", FileKind::Symlink, file(0), Some("usr/bin"))
            .unwrap();
        layer
            .add("usr/bin/sh", FileKind::File, file(7), None)
            .unwrap();
        layer
            .add(
                "escape",
                FileKind::Symlink,
                file(0),
                Some("../../../../../etc/os-release"),
            )
            .unwrap();
        layer
            .add(
                "abs",
                FileKind::Symlink,
                file(0),
                Some("/usr/lib/../lib/os-release"),
            )
            .unwrap();
        layer
            .add("loop1", FileKind::Symlink, file(0), Some("loop2"))
            .unwrap();
        layer
            .add("loop2", FileKind::Symlink, file(0), Some("loop1"))
            .unwrap();
        layer
            .add(
                "host",
                FileKind::Symlink,
                file(0),
                Some("/proc/self/root/etc/shadow"),
            )
            .unwrap();
        let mut view = MergedView::default();
        view.apply(layer, 0, "l0").unwrap();
        let resolved = |p: &str| view.resolve(p, 40).unwrap().map(|f| f.path);
        assert_eq!(
            resolved("/etc/os-release").as_deref(),
            Some("/usr/lib/os-release")
        );
        assert_eq!(resolved("/bin/sh").as_deref(), Some("/usr/bin/sh"));
        assert_eq!(resolved("/escape").as_deref(), Some("/usr/lib/os-release"));
        assert_eq!(resolved("/abs").as_deref(), Some("/usr/lib/os-release"));
        assert_eq!(resolved("/host"), None);
        assert_eq!(
            resolved("/../../etc/os-release").as_deref(),
            Some("/usr/lib/os-release")
        );
        assert!(matches!(
            view.resolve("/loop1", 40),
            Err(Error::SymlinkLoop { .. })
        ));
        assert_eq!(
            view.get("/etc/os-release", 40).unwrap().kind,
            FileKind::Symlink
        );
    }

    #[test]
    fn entries_under_a_lower_symlink_are_written_through_it() {
        let mut l0 = LayerTable::default();
        l0.add("usr/bin/sudo", FileKind::File, file(100), None)
            .unwrap();
        l0.add("hide", FileKind::Symlink, file(0), Some("/usr/bin"))
            .unwrap();
        l0.add("evil", FileKind::Symlink, file(0), Some("../../.."))
            .unwrap();
        let mut l1 = LayerTable::default();
        l1.add("hide/sudo", FileKind::File, file(7), None).unwrap();
        l1.add("evil/x", FileKind::File, file(1), None).unwrap();
        l1.add("hide/new/deep", FileKind::File, file(2), None)
            .unwrap();
        let mut view = MergedView::default();
        view.apply(l0, 0, "l0").unwrap();
        view.apply(l1, 1, "l1").unwrap();
        let sudo = view.get("/usr/bin/sudo", 40).unwrap();
        assert_eq!((sudo.size, sudo.layer), (7, 1));
        assert_eq!(view.get("/hide", 40).unwrap().kind, FileKind::Symlink);
        assert_eq!(view.get("/x", 40).unwrap().layer, 1);
        assert_eq!(view.get("/evil", 40).unwrap().kind, FileKind::Symlink);
        assert_eq!(view.get("/usr/bin/new/deep", 40).unwrap().size, 2);
        assert!(
            paths(&view)
                .iter()
                .all(|p| !p.starts_with("/hide/") && !p.starts_with("/evil/"))
        );
    }

    #[test]
    fn entries_under_a_symlink_of_the_same_layer_are_written_through_it() {
        let mut l0 = LayerTable::default();
        l0.add("etc/passwd", FileKind::File, file(10), None)
            .unwrap();
        l0.add("link", FileKind::Symlink, file(0), Some("etc"))
            .unwrap();
        l0.add("link/shadow", FileKind::File, file(3), None)
            .unwrap();
        let mut view = MergedView::default();
        view.apply(l0, 0, "l0").unwrap();
        assert_eq!(
            paths(&view),
            ["/etc", "/etc/passwd", "/etc/shadow", "/link"]
        );
    }

    #[test]
    fn an_explicit_directory_replaces_a_lower_symlink() {
        let mut l0 = LayerTable::default();
        l0.add("usr/bin/sudo", FileKind::File, file(100), None)
            .unwrap();
        l0.add("hide", FileKind::Symlink, file(0), Some("/usr/bin"))
            .unwrap();
        let mut l1 = LayerTable::default();
        l1.add("hide", FileKind::Directory, file(0), None).unwrap();
        l1.add("hide/sudo", FileKind::File, file(7), None).unwrap();
        let mut view = MergedView::default();
        view.apply(l0, 0, "l0").unwrap();
        view.apply(l1, 1, "l1").unwrap();
        assert_eq!(view.get("/hide", 40).unwrap().kind, FileKind::Directory);
        assert_eq!(view.get("/hide/sudo", 40).unwrap().size, 7);
        assert_eq!(view.get("/usr/bin/sudo", 40).unwrap().size, 100);
    }

    #[test]
    fn hardlink_without_target_is_an_error() {
        let mut layer = LayerTable::default();
        layer.add("a", FileKind::File, file(1), None).unwrap();
        layer
            .add("b", FileKind::Hardlink, file(1), Some("a"))
            .unwrap();
        let mut view = MergedView::default();
        view.apply(layer, 0, "l0").unwrap();
        assert_eq!(
            view.get("/b", 40).unwrap().link_target.as_deref(),
            Some("/a")
        );

        let mut bad = LayerTable::default();
        bad.add("c", FileKind::Hardlink, file(1), Some("missing"))
            .unwrap();
        let err = view.apply(bad, 1, "layer 1").unwrap_err();
        assert!(
            matches!(err, Error::HardlinkTargetMissing { ref target, .. } if target == "/missing"),
            "{err}"
        );
    }
}
