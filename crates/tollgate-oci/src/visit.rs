//! The streaming visitor API: analyzers say which files they want (by path, glob or magic
//! bytes), and the walker hands them those files while it reads each layer once.

use std::collections::HashMap;
use std::io::{self, Read};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::error::BoxError;
use crate::{Digest, Error, Result};

/// Which files a visitor wants. Paths and globs are relative to the image root, without a
/// leading `/` (`etc/os-release`, `**/*.dist-info/METADATA`).
#[derive(Clone, Copy, Debug)]
pub enum Selector {
    /// One exact path.
    Path(&'static str),
    /// A glob in `globset` syntax; `*` does not cross `/`, `**` does.
    Glob(&'static str),
    /// Regular files whose content starts with these magic bytes.
    Magic(Magic),
}

/// File types recognised by their first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Magic {
    /// `\x7fELF`: executables and shared libraries (Go and Rust binaries).
    Elf,
    /// `PK\x03\x04`: zip, jar, war, ear, wheel, nupkg.
    Zip,
    /// `\x1f\x8b`: gzip.
    Gzip,
}

impl Magic {
    const LONGEST: usize = 4;

    fn detect(head: &[u8]) -> Option<Self> {
        if head.starts_with(b"\x7fELF") {
            Some(Self::Elf)
        } else if head.starts_with(b"PK\x03\x04") {
            Some(Self::Zip)
        } else if head.starts_with(&[0x1f, 0x8b]) {
            Some(Self::Gzip)
        } else {
            None
        }
    }
}

/// A file handed to a visitor.
#[derive(Debug)]
pub struct VisitedFile<'a> {
    /// Index of the layer the file is in (0 = bottom).
    pub layer_index: usize,
    /// Digest of that layer's blob, when the source has one (not for `rootfs:`).
    pub layer_digest: Option<&'a Digest>,
    /// The layer's diff_id, when known.
    pub diff_id: Option<&'a Digest>,
    /// Absolute path inside the image, e.g. `/var/lib/dpkg/status`.
    pub path: &'a str,
    /// Size in bytes.
    pub size: u64,
    /// Mode bits from the tar header.
    pub mode: u32,
    /// What the first bytes say, if a visitor asked for magic detection.
    pub magic: Option<Magic>,
    /// For a hard link, the path whose content this is.
    pub hardlink_of: Option<&'a str>,
    /// Most bytes a visitor should buffer from this file (see [`read_capped`]).
    pub buffer_limit: u64,
}

/// An analyzer that receives files during the single pass over the layers. Visitors run on
/// several layers at once, so they collect results through their own synchronisation.
pub trait Visitor: Sync {
    /// A stable id, used in problem reports (e.g. `dpkg-db`).
    fn id(&self) -> &str;
    /// The files this visitor wants.
    fn selectors(&self) -> &[Selector];
    /// Receive one file. An error does not stop the walk: it is recorded as a
    /// [`VisitProblem`] so that an unparsable file is reported, never dropped.
    fn visit(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> std::result::Result<(), BoxError>;
}

/// A visitor that failed on one file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct VisitProblem {
    /// The visitor's id.
    pub visitor: String,
    /// The layer.
    pub layer_index: usize,
    /// The file.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Read a whole file into memory, refusing more than `limit` bytes.
pub fn read_capped(content: &mut dyn Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    content
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("file is larger than the {limit}-byte analysis buffer"),
        ));
    }
    Ok(bytes)
}

/// All visitors' selectors compiled once into one matcher.
pub(crate) struct SelectorSet<'v> {
    visitors: &'v [&'v dyn Visitor],
    exact: HashMap<&'static str, Vec<usize>>,
    globs: GlobSet,
    glob_owner: Vec<usize>,
    magic: Vec<(Magic, usize)>,
    spill_dir: Option<std::path::PathBuf>,
}

impl<'v> SelectorSet<'v> {
    pub(crate) fn new(visitors: &'v [&'v dyn Visitor]) -> Result<Self> {
        let mut exact: HashMap<&'static str, Vec<usize>> = HashMap::new();
        let mut builder = GlobSetBuilder::new();
        let mut glob_owner = Vec::new();
        let mut magic = Vec::new();
        for (index, visitor) in visitors.iter().enumerate() {
            for selector in visitor.selectors() {
                match *selector {
                    Selector::Path(path) => exact
                        .entry(path.trim_start_matches('/'))
                        .or_default()
                        .push(index),
                    Selector::Glob(pattern) => {
                        let glob = GlobBuilder::new(pattern.trim_start_matches('/'))
                            .literal_separator(true)
                            .build()
                            .map_err(|e| Error::Visitor {
                                what: format!("glob `{pattern}` of `{}`", visitor.id()),
                                message: e.to_string(),
                            })?;
                        builder.add(glob);
                        glob_owner.push(index);
                    }
                    Selector::Magic(kind) => magic.push((kind, index)),
                }
            }
        }
        let globs = builder.build().map_err(|e| Error::Visitor {
            what: "selector set".to_owned(),
            message: e.to_string(),
        })?;
        Ok(Self {
            visitors,
            exact,
            globs,
            glob_owner,
            magic,
            spill_dir: None,
        })
    }

    /// Where a file wanted by several visitors and too large for the analysis buffer is
    /// copied once, so each can read it in turn (default: [`crate::temp_dir`]).
    pub(crate) fn spilling_to(mut self, dir: std::path::PathBuf) -> Self {
        self.spill_dir = Some(dir);
        self
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.visitors.is_empty()
    }

    pub(crate) fn wants_magic(&self) -> bool {
        !self.magic.is_empty()
    }

    /// Visitors that want `path` (relative, clean) by name.
    pub(crate) fn by_path(&self, path: &str, out: &mut Vec<usize>) {
        out.clear();
        if let Some(owners) = self.exact.get(path) {
            out.extend(owners);
        }
        if !self.glob_owner.is_empty() {
            for hit in self.globs.matches(path) {
                out.push(self.glob_owner[hit]);
            }
        }
    }

    pub(crate) fn by_magic(&self, magic: Option<Magic>, out: &mut Vec<usize>) {
        if let Some(magic) = magic {
            out.extend(
                self.magic
                    .iter()
                    .filter(|(kind, _)| *kind == magic)
                    .map(|(_, owner)| *owner),
            );
        }
        out.sort_unstable();
        out.dedup();
    }

    /// Deliver one file to the visitors in `owners`. One visitor streams the content; several
    /// share a buffered copy (bounded by the buffer limit).
    pub(crate) fn deliver(
        &self,
        owners: &[usize],
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
        problems: &mut Vec<VisitProblem>,
    ) -> io::Result<()> {
        let problem = |visitor: &dyn Visitor, message: String| VisitProblem {
            visitor: visitor.id().to_owned(),
            layer_index: file.layer_index,
            path: file.path.to_owned(),
            message,
        };
        match owners {
            [] => {}
            [only] => {
                let visitor = self.visitors[*only];
                let mut guarded = FaultGuard::new(content);
                let outcome = visitor.visit(file, &mut guarded);
                // A failure of the layer stream itself (digest, bomb, truncation) must abort the
                // walk, even if the visitor swallowed it.
                guarded.take_fault()?;
                if let Err(error) = outcome {
                    problems.push(problem(visitor, error.to_string()));
                }
            }
            several => {
                let mut guarded = FaultGuard::new(content);
                let shared = self.share(file, &mut guarded);
                guarded.take_fault()?;
                match shared {
                    Ok(mut shared) => {
                        for &owner in several {
                            let visitor = self.visitors[owner];
                            let outcome = shared
                                .rewind()
                                .map_err(|error| format!("re-reading the spilled copy: {error}"))
                                .and_then(|mut reader| {
                                    visitor.visit(file, &mut reader).map_err(|e| e.to_string())
                                });
                            if let Err(message) = outcome {
                                problems.push(problem(visitor, message));
                            }
                        }
                    }
                    Err(error) => {
                        for &owner in several {
                            problems.push(problem(self.visitors[owner], error.to_string()));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

impl SelectorSet<'_> {
    /// One copy of a file for several visitors: in memory up to the buffer limit, else in an
    /// anonymous temporary file (large Go and Rust binaries are ELF files that two catalogers
    /// want, and the layer stream can be read only once).
    fn share(&self, file: &VisitedFile<'_>, content: &mut dyn Read) -> io::Result<SharedCopy> {
        if file.size <= file.buffer_limit {
            return read_capped(content, file.buffer_limit).map(SharedCopy::Memory);
        }
        let dir = self.spill_dir.clone().unwrap_or_else(crate::temp_dir);
        let mut spilled = tempfile::tempfile_in(&dir).map_err(|error| {
            io::Error::new(
                error.kind(),
                format!(
                    "creating a temporary copy in {} (set TOLLGATE_TMPDIR): {error}",
                    dir.display()
                ),
            )
        })?;
        // The walker bounds `content` to the entry's size.
        io::copy(content, &mut spilled)?;
        Ok(SharedCopy::File(io::BufReader::new(spilled)))
    }
}

/// A file's content, readable once per visitor.
enum SharedCopy {
    Memory(Vec<u8>),
    File(io::BufReader<std::fs::File>),
}

impl SharedCopy {
    /// A reader from the start.
    fn rewind(&mut self) -> io::Result<Box<dyn Read + '_>> {
        match self {
            Self::Memory(bytes) => Ok(Box::new(bytes.as_slice())),
            Self::File(reader) => {
                io::Seek::rewind(reader)?;
                Ok(Box::new(reader))
            }
        }
    }
}

/// Remembers the first I/O error of the underlying stream so that a visitor cannot hide it.
struct FaultGuard<'a> {
    inner: &'a mut dyn Read,
    fault: Option<io::Error>,
}

impl<'a> FaultGuard<'a> {
    fn new(inner: &'a mut dyn Read) -> Self {
        Self { inner, fault: None }
    }

    fn take_fault(&mut self) -> io::Result<()> {
        match self.fault.take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

impl Read for FaultGuard<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => Ok(n),
            Err(error) => {
                let copy = io::Error::new(error.kind(), error.to_string());
                self.fault = Some(error);
                Err(copy)
            }
        }
    }
}

/// Peek at the first bytes of `content` to detect its magic; returns the bytes read so they can
/// be chained back in front of the rest.
pub(crate) fn peek_magic(content: &mut dyn Read) -> io::Result<(Option<Magic>, Vec<u8>)> {
    let mut head = Vec::with_capacity(Magic::LONGEST);
    content.take(Magic::LONGEST as u64).read_to_end(&mut head)?;
    Ok((Magic::detect(&head), head))
}
