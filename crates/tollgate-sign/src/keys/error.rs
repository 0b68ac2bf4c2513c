use std::path::PathBuf;

/// What to tell the user when a password is wrong.
const PASSWORD_HINT: &str = "check the password (TOLLGATE_PASSWORD, COSIGN_PASSWORD or the prompt)";

/// Everything that can go wrong with keys and signatures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A key file could not be read or written (the I/O error names the path).
    #[error(transparent)]
    Io(#[from] std::io::Error),

    /// An error about one key file.
    #[error("{}: {source}", path.display())]
    InFile {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: Box<KeyError>,
    },

    /// The input is not PEM.
    #[error(
        "not a PEM key ({0}): expected a `-----BEGIN ... KEY-----` block as written by \
         `tollgate key generate` or `cosign generate-key-pair`"
    )]
    Pem(String),

    /// A PEM block of a type tollgate does not read.
    #[error("unsupported PEM type \"{label}\" for a {expected}: tollgate reads {supported}")]
    UnsupportedPemType {
        /// The PEM label found.
        label: String,
        /// "private key" or "public key".
        expected: &'static str,
        /// The labels that are read.
        supported: &'static str,
    },

    /// The JSON envelope of an encrypted key is malformed.
    #[error(
        "the encrypted key's envelope is malformed ({0}): the file is corrupt or not a cosign key"
    )]
    Envelope(String),

    /// A KDF other than scrypt.
    #[error("unsupported key derivation function \"{0}\": cosign keys use scrypt")]
    UnsupportedKdf(String),

    /// scrypt parameters outside the ones cosign and go-securesystemslib write.
    #[error(
        "unsupported scrypt parameters N={n} r={r} p={p}: tollgate accepts N=32768, 65536 or \
         131072 with r=8 p=1 (those go-securesystemslib writes), to bound the memory a key file \
         can make it use"
    )]
    UnsupportedScryptParams {
        /// Cost.
        n: u64,
        /// Block size.
        r: u64,
        /// Parallelism.
        p: u64,
    },

    /// A cipher other than NaCl secretbox.
    #[error("unsupported cipher \"{0}\": cosign keys use nacl/secretbox")]
    UnsupportedCipher(String),

    /// secretbox authentication failed.
    #[error("wrong password or corrupt key (secretbox authentication failed): {PASSWORD_HINT}")]
    WrongPassword,

    /// The caller's password source failed (no terminal for a prompt, ...).
    #[error(
        "reading the key's password failed ({0}): set TOLLGATE_PASSWORD or COSIGN_PASSWORD \
         (empty for a key without a password)"
    )]
    Password(#[source] std::io::Error),

    /// The private key bytes are not a valid key.
    #[error("invalid private key: {0}")]
    PrivateKey(String),

    /// The public key bytes are not a valid key.
    #[error("invalid public key: {0}")]
    PublicKey(String),

    /// A key of an algorithm tollgate does not support.
    #[error("unsupported key algorithm {0}: tollgate supports ECDSA P-256 and Ed25519 keys")]
    UnsupportedAlgorithm(String),

    /// The signature is not a signature of this key's algorithm.
    #[error("malformed signature: {0}")]
    MalformedSignature(String),

    /// The signature does not verify.
    #[error(
        "signature verification failed: the signature was not made over these bytes by this key"
    )]
    InvalidSignature,

    /// Generating would overwrite a key.
    #[error("{} already exists: remove it or choose another output prefix", .0.display())]
    Exists(PathBuf),
}

impl KeyError {
    /// This error, said of a file.
    pub(crate) fn in_file(self, path: impl Into<PathBuf>) -> Self {
        match self {
            // I/O errors from fs-err already name the path.
            error @ (Self::Io(_) | Self::InFile { .. } | Self::Exists(_)) => error,
            error => Self::InFile {
                path: path.into(),
                source: Box::new(error),
            },
        }
    }
}
