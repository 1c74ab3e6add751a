//! Typed errors of the core. The web layer turns each into a JS `Error` whose
//! `name` is `AttuneError`, whose `code` is [`AttuneError::code`] and whose `path`
//! is [`AttuneError::path`] (a JSON path into the offending config or input).

use crate::core::text::cat;

/// Every failure the core can report. None of them is ever a panic.
///
/// One pointer wide (the [`ErrorKind`] is boxed), so the many `Result`s that
/// carry it stay small and cheap to pass and to propagate with `?`.
#[derive(Debug, Clone, PartialEq)]
pub struct AttuneError(Box<ErrorKind>);

/// What an [`AttuneError`] is, with its details.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// The configuration is invalid at `path` (e.g. `segments.vip.when.$and[1].visits.$gt`).
    Config {
        /// JSON path of the offending value.
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// An argument passed to the API is invalid at `path` (e.g. `track.event`).
    Input {
        /// JSON path of the offending argument.
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// An event serialized to more bytes than the limit; it was not queued.
    EventTooLarge {
        /// Which call produced the event (e.g. `track`).
        path: String,
        /// Serialized size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// Storage failed (blocked, full or corrupt); the engine fell back to memory.
    Storage {
        /// Storage key concerned.
        path: String,
        /// What happened.
        message: String,
    },
    /// A stored record could not be read and was replaced by a fresh one.
    Corrupt {
        /// Storage key concerned.
        path: String,
        /// Parse error.
        message: String,
    },
    /// A remote endpoint (e.g. `profile.url`) failed or timed out; nothing was blocked.
    Remote {
        /// The URL.
        path: String,
        /// What happened.
        message: String,
    },
    /// The collector rejected a batch permanently (a 4xx other than 408/429).
    Rejected {
        /// Collector URL.
        path: String,
        /// HTTP status.
        status: u16,
    },
}

impl From<ErrorKind> for AttuneError {
    fn from(kind: ErrorKind) -> Self {
        AttuneError(Box::new(kind))
    }
}

impl AttuneError {
    /// Shorthand for an [`ErrorKind::Config`] error.
    pub fn config(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::from(ErrorKind::Config {
            path: path.into(),
            message: message.into(),
        })
    }

    /// A config error at `key` under `parent` (the path [`join_path`] makes).
    pub fn config_at(parent: &str, key: &str, message: impl Into<String>) -> Self {
        Self::config(join_path(parent, key), message)
    }

    /// Shorthand for an [`ErrorKind::Input`] error.
    pub fn input(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::from(ErrorKind::Input {
            path: path.into(),
            message: message.into(),
        })
    }

    /// What the error is.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// Stable machine-readable code, exposed to JS as `error.code`.
    pub fn code(&self) -> &'static str {
        match self.kind() {
            ErrorKind::Config { .. } => "invalid_config",
            ErrorKind::Input { .. } => "invalid_input",
            ErrorKind::EventTooLarge { .. } => "event_too_large",
            ErrorKind::Storage { .. } => "storage_unavailable",
            ErrorKind::Corrupt { .. } => "storage_corrupt",
            ErrorKind::Rejected { .. } => "collector_rejected",
            ErrorKind::Remote { .. } => "remote_failed",
        }
    }

    /// The JSON path (or storage key / URL) the error is about.
    pub fn path(&self) -> &str {
        match self.kind() {
            ErrorKind::Config { path, .. }
            | ErrorKind::Input { path, .. }
            | ErrorKind::EventTooLarge { path, .. }
            | ErrorKind::Storage { path, .. }
            | ErrorKind::Corrupt { path, .. }
            | ErrorKind::Rejected { path, .. }
            | ErrorKind::Remote { path, .. } => path,
        }
    }

    /// The human-readable text (what `Display` writes): `path: message`, or
    /// for the fixed kinds `path: event is N bytes, over the L-byte limit`,
    /// `path: storage unavailable: …`, `path: stored record is corrupt and
    /// was reset: …` and `path: collector rejected the batch with HTTP N`.
    pub fn message(&self) -> String {
        match self.kind() {
            ErrorKind::Config { path, message }
            | ErrorKind::Input { path, message }
            | ErrorKind::Remote { path, message } => cat!(path, ": ", message),
            ErrorKind::EventTooLarge { path, size, limit } => cat!(
                path,
                ": event is ",
                size,
                " bytes, over the ",
                limit,
                "-byte limit"
            ),
            ErrorKind::Storage { path, message } => cat!(path, ": storage unavailable: ", message),
            ErrorKind::Corrupt { path, message } => {
                cat!(path, ": stored record is corrupt and was reset: ", message)
            }
            ErrorKind::Rejected { path, status } => {
                cat!(path, ": collector rejected the batch with HTTP ", status)
            }
        }
    }
}

impl std::fmt::Display for AttuneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for AttuneError {}

/// Result type of the core.
pub type Result<T, E = AttuneError> = std::result::Result<T, E>;

/// Joins a JSON path and a child key the way error paths are written:
/// `a.b` for object keys, `a[3]` for array indices.
pub fn join_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        cat!(parent, '.', key)
    }
}

/// Appends an array index to a JSON path: `a` + 3 → `a[3]`.
pub fn index_path(parent: &str, index: usize) -> String {
    cat!(parent, '[', index, ']')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_paths_are_exposed() {
        let e = AttuneError::config("segments.vip.when.$gt", "expected number");
        assert_eq!(e.code(), "invalid_config");
        assert_eq!(e.path(), "segments.vip.when.$gt");
        assert_eq!(e.to_string(), "segments.vip.when.$gt: expected number");
        assert_eq!(join_path("", "a"), "a");
        assert_eq!(index_path(&join_path("a", "$and"), 1), "a.$and[1]");
    }

    #[test]
    fn messages_read_as_display_did() {
        let cases = [
            (
                AttuneError::input("track.event", "must not be empty"),
                "track.event: must not be empty",
            ),
            (
                AttuneError::from(ErrorKind::EventTooLarge {
                    path: "track".into(),
                    size: 40_123,
                    limit: 32_768,
                }),
                "track: event is 40123 bytes, over the 32768-byte limit",
            ),
            (
                AttuneError::from(ErrorKind::Storage {
                    path: "attune:profile".into(),
                    message: "quota".into(),
                }),
                "attune:profile: storage unavailable: quota",
            ),
            (
                AttuneError::from(ErrorKind::Corrupt {
                    path: "attune:profile".into(),
                    message: "bad".into(),
                }),
                "attune:profile: stored record is corrupt and was reset: bad",
            ),
            (
                AttuneError::from(ErrorKind::Remote {
                    path: "http://x/".into(),
                    message: "timeout".into(),
                }),
                "http://x/: timeout",
            ),
            (
                AttuneError::from(ErrorKind::Rejected {
                    path: "http://x/".into(),
                    status: 400,
                }),
                "http://x/: collector rejected the batch with HTTP 400",
            ),
        ];
        for (e, text) in cases {
            assert_eq!(e.message(), text);
            assert_eq!(e.to_string(), text);
        }
    }
}
