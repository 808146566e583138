//! Collecting every field error of a request, each with its JSON path, so a client
//! learns about all of its mistakes in one answer.

use std::fmt;

/// Whether a field was absent or present but wrong; decides between codes 2001 and 2002.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldErrorKind {
    Missing,
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub kind: FieldErrorKind,
    pub reason: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// A path written only when an error needs it: a valid 500-line order checks thousands of
/// fields, and formatting each one's path up front was most of the cost of reading it (#21).
pub struct LazyPath<F>(pub F);

impl<F: FnOnce() -> String> From<LazyPath<F>> for String {
    fn from(p: LazyPath<F>) -> String {
        (p.0)()
    }
}

/// An ordered list of field errors. Empty means the input was valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// True when at least one required field was absent.
    pub fn has_missing(&self) -> bool {
        self.0.iter().any(|e| e.kind == FieldErrorKind::Missing)
    }

    pub fn missing(&mut self, path: impl Into<String>) {
        self.0.push(FieldError {
            path: path.into(),
            kind: FieldErrorKind::Missing,
            reason: "is required".into(),
        });
    }

    /// A missing-field error with its own wording (e.g. "one of a, b is required").
    pub fn missing_because(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldError {
            path: path.into(),
            kind: FieldErrorKind::Missing,
            reason: reason.into(),
        });
    }

    pub fn invalid(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldError {
            path: path.into(),
            kind: FieldErrorKind::Invalid,
            reason: reason.into(),
        });
    }

    /// Checks a required field: records `missing` when absent, the rule's reason when it fails.
    pub fn required<T, U>(
        &mut self,
        path: impl Into<String>,
        value: Option<T>,
        rule: impl FnOnce(T) -> Result<U, String>,
    ) -> Option<U> {
        match value {
            None => {
                self.missing(path);
                None
            }
            Some(v) => self.check(path, v, rule),
        }
    }

    /// Checks an optional field: absent is fine, present must pass the rule.
    /// The outer `Option` of the result is `None` only when the field was present but invalid.
    pub fn optional<T, U>(
        &mut self,
        path: impl Into<String>,
        value: Option<T>,
        rule: impl FnOnce(T) -> Result<U, String>,
    ) -> Option<U> {
        value.and_then(|v| self.check(path, v, rule))
    }

    fn check<T, U>(
        &mut self,
        path: impl Into<String>,
        value: T,
        rule: impl FnOnce(T) -> Result<U, String>,
    ) -> Option<U> {
        match rule(value) {
            Ok(u) => Some(u),
            Err(reason) => {
                self.invalid(path, reason);
                None
            }
        }
    }

    /// `Ok(value)` when no error was recorded, otherwise the errors.
    pub fn into_result<T>(self, value: Option<T>) -> Result<T, FieldErrors> {
        match value {
            Some(v) if self.is_empty() => Ok(v),
            _ => Err(self),
        }
    }

    pub fn extend(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }

    /// The same errors with their paths below `prefix` (a dialect placing domain paths
    /// such as `items[2].qty` in its own request: `request.items[2].qty`).
    pub fn prefixed(self, prefix: &str) -> FieldErrors {
        FieldErrors(
            self.0
                .into_iter()
                .map(|e| FieldError {
                    path: if prefix.is_empty() {
                        e.path
                    } else {
                        format!("{prefix}.{}", e.path)
                    },
                    ..e
                })
                .collect(),
        )
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_is_listed_with_its_path() {
        let mut e = FieldErrors::default();
        let a: Option<u32> = e.required("request.a", None::<u32>, Ok);
        let b = e.required("request.b", Some(-1), |v: i32| {
            if v > 0 {
                Ok(v)
            } else {
                Err("must be > 0".to_string())
            }
        });
        assert!(a.is_none() && b.is_none());
        assert!(e.has_missing());
        assert_eq!(
            e.to_string(),
            "request.a: is required; request.b: must be > 0"
        );
    }

    #[test]
    fn absent_optional_fields_are_fine() {
        let mut e = FieldErrors::default();
        let v: Option<u8> = e.optional("x", None::<u8>, Ok);
        assert!(v.is_none());
        assert!(e.is_empty());
        assert_eq!(e.into_result(Some(1)), Ok(1));
    }
}
