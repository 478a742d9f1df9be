//! The one error type of medcode. Every variant says what was wrong and
//! where, and carries a stable machine-readable [`Error::code`].

/// What went wrong. Messages are sentences a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A blob or pack is damaged, truncated or not a medcode blob at all.
    #[error("{what} is corrupt: {detail}")]
    Corrupt { what: String, detail: String },
    /// A blob or pack written by an incompatible version of medcode.
    #[error("{what} has format version {found}; this medcode reads version {expected}")]
    Version { what: String, found: u16, expected: u16 },
    /// A date that is not a real `YYYY-MM-DD` date.
    #[error("{field}: {value:?} is not a valid date (expected YYYY-MM-DD)")]
    BadDate { field: String, value: String },
    /// An unknown code-system name.
    #[error("unknown code system {0:?}; expected one of icd10cm, hcpcs, icd10pcs, pos, cpt (with a CPT pack)")]
    UnknownSystem(String),
    /// An option with a value of the wrong kind.
    #[error("option {option}: {detail}")]
    BadOption { option: String, detail: String },
    /// A code system that is not in this build.
    #[error("code system {0} is not included in this build (enable its cargo feature)")]
    SystemNotBuilt(String),
    /// Input too large to accept.
    #[error("{what} is too large: {detail}")]
    TooLarge { what: String, detail: String },
    /// A pack that is truncated, altered, inconsistent inside, or not a medcode pack at all.
    #[error("{what} is not a usable medcode pack: {detail}")]
    PackCorrupt { what: String, detail: String },
    /// A pack built by a medcode with another format version.
    #[error(
        "{what} has pack format version {found}; this medcode reads version {expected} (rebuild the pack from its source files with `medcode pack build`)"
    )]
    PackVersion { what: String, found: u16, expected: u16 },
    /// A medcode blob that is not a pack, or a pack of a kind this medcode does not know.
    #[error("{what}: {detail}")]
    PackKind { what: String, detail: String },
    /// A source file `medcode pack build` cannot turn into a pack (`location` is `file:line` or the file).
    #[error("{location}: {detail}")]
    PackInput { location: String, detail: String },
}

impl Error {
    /// A stable identifier of the error kind, for programs (`err.code` in JS).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Corrupt { .. } => "BLOB-CORRUPT",
            Error::Version { .. } => "BLOB-VERSION",
            Error::BadDate { .. } => "BAD-DATE",
            Error::UnknownSystem(_) => "UNKNOWN-SYSTEM",
            Error::BadOption { .. } => "BAD-OPTION",
            Error::SystemNotBuilt(_) => "SYSTEM-NOT-BUILT",
            Error::TooLarge { .. } => "TOO-LARGE",
            Error::PackCorrupt { .. } => "PACK-CORRUPT",
            Error::PackVersion { .. } => "PACK-VERSION",
            Error::PackKind { .. } => "PACK-KIND",
            Error::PackInput { .. } => "PACK-INPUT",
        }
    }

    pub(crate) fn corrupt(what: &str, detail: impl Into<String>) -> Self {
        Error::Corrupt { what: what.to_string(), detail: detail.into() }
    }

    /// The same problem found in a pack: blob errors become their `PACK-` codes.
    pub(crate) fn in_pack(self) -> Self {
        match self {
            Error::Corrupt { what, detail } => Error::PackCorrupt { what, detail },
            Error::Version { what, found, expected } => Error::PackVersion { what, found, expected },
            other => other,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
