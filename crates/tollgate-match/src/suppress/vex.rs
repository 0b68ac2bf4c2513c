//! The VEX statement both formats are read into, and how one applies to a finding.

use super::purl::Purl;
use super::time::Instant;

/// The four VEX statuses (CycloneDX's six analysis states map onto them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

impl Status {
    /// Whether a finding this status applies to is suppressed: only a statement that the
    /// product is not affected or is fixed says the finding is noise; `affected` and
    /// `under_investigation` leave it standing.
    pub(super) fn suppresses(self) -> bool {
        matches!(self, Self::NotAffected | Self::Fixed)
    }
}

/// One statement: a status for one vulnerability in some products.
#[derive(Clone, Debug)]
pub(super) struct Statement {
    /// The vulnerability's name and its aliases, as written.
    pub(super) ids: Vec<String>,
    pub(super) products: Vec<Product>,
    pub(super) status: Status,
    /// The status as the document wrote it (`false_positive`, `resolved`...), for the reason.
    pub(super) label: String,
    pub(super) justification: Option<String>,
    /// Free text: OpenVEX `impact_statement`, CycloneDX `analysis.detail`.
    pub(super) detail: Option<String>,
    /// When it was made (its own timestamp, else its document's); statements without one
    /// come before those with one.
    pub(super) timestamp: Option<Instant>,
    /// Load order: the tie-break between statements made at the same time (later wins).
    pub(super) seq: usize,
    /// The file, the statement's line and the statement (`vex.json:12 statements[3]`).
    pub(super) source: String,
}

impl Statement {
    /// `VEX not_affected: vulnerable_code_not_in_execute_path (free text)`.
    pub(super) fn reason(&self) -> String {
        let mut reason = format!("VEX {}", self.label);
        let detail = self
            .detail
            .as_deref()
            .map(one_line)
            .filter(|d| !d.is_empty());
        match (&self.justification, detail) {
            (Some(justification), Some(detail)) => {
                reason.push_str(&format!(": {justification} ({detail})"));
            }
            (Some(justification), None) => reason.push_str(&format!(": {justification}")),
            (None, Some(detail)) => reason.push_str(&format!(": {detail}")),
            (None, None) => {}
        }
        reason
    }

    /// Which of two statements that both apply wins: the later one.
    pub(super) fn is_later_than(&self, other: &Self) -> bool {
        (self.timestamp, self.seq) > (other.timestamp, other.seq)
    }
}

/// A product a statement is about.
#[derive(Clone, Debug)]
pub(super) struct Product {
    /// The purls that identify it (`@id` and `identifiers.purl`); empty when it has none.
    pub(super) purls: Vec<Purl>,
    /// The subcomponents the statement is about: `None` when it lists none (it is about the
    /// product as a whole), else the purls of those it lists (empty when none of them has a
    /// purl: then it covers nothing here, rather than widening to the whole product).
    pub(super) subcomponents: Option<Vec<Purl>>,
    /// The product is the scanned target as a whole, named only as "what this document is
    /// about" (a CycloneDX VEX whose `affects` name its own `metadata.component`, which has
    /// no purl, as Dependency-Track exports them): it covers every package. Loading warned.
    pub(super) whole_target: bool,
}

/// Whether a product covers a finding's package.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Coverage {
    No,
    Yes,
    /// The package is covered, but the product is an image and the scanned image's purl is
    /// unknown, so which image it names cannot be checked: not applied.
    UnknownImage,
    /// The package is covered but the product is another image: not applied.
    OtherImage,
}

impl Product {
    /// A product that is a container image.
    pub(super) fn is_image(&self) -> bool {
        self.purls.iter().any(Purl::is_image)
    }

    /// Whether this product covers `package` in the image `image`.
    ///
    /// A product that is the whole target covers everything. An image product covers its
    /// subcomponents, or, when it lists none, every package of the
    /// image (the OpenVEX idiom for containers, as `vexctl` and Trivy read it), and only in the
    /// image it names: when the scanned image's purl is unknown, it covers nothing (fail
    /// closed: a statement about one image must not silence findings in another). Another
    /// product covers itself; one that lists subcomponents covers none here, since tollgate
    /// does not know which packages it contains (loading warned about those).
    pub(super) fn covers(&self, package: Option<&Purl>, image: Option<&Purl>) -> Coverage {
        if self.whole_target {
            Coverage::Yes
        } else if self.is_image() {
            let package_covered = match &self.subcomponents {
                None => true,
                Some(subcomponents) => {
                    package.is_some_and(|p| subcomponents.iter().any(|s| s.identifies(p)))
                }
            };
            if !package_covered {
                return Coverage::No;
            }
            match image {
                None => Coverage::UnknownImage,
                Some(image)
                    if self
                        .purls
                        .iter()
                        .any(|p| p.is_image() && p.identifies(image)) =>
                {
                    Coverage::Yes
                }
                Some(_) => Coverage::OtherImage,
            }
        } else if self.subcomponents.is_none()
            && package.is_some_and(|p| self.purls.iter().any(|id| id.identifies(p)))
        {
            Coverage::Yes
        } else {
            Coverage::No
        }
    }

    /// How messages name it.
    pub(super) fn label(&self) -> String {
        match self.purls.first() {
            Some(purl) => purl.to_string(),
            None if self.whole_target => "the document's subject".to_owned(),
            None => "a product without a purl".to_owned(),
        }
    }
}

/// Free text on one line, cut at 200 characters.
pub(super) fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() > 200 {
        let cut: String = joined.chars().take(199).collect();
        format!("{cut}…")
    } else {
        joined
    }
}
