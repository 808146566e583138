//! Signature help for sandbox identities (#22): what the gateway signed, so an integrator can
//! put it beside their own string. Never for real identities: the signed string shows the
//! exact parameters, which is harmless without the secret but is still more than a production
//! caller needs to be told.

use serde::Serialize;

/// What a signature was computed over, without the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignHelp {
    /// The exact string hashed (for MD5: between the secret on both sides).
    pub signed_string: String,
    /// The parameters it includes, in the order they were concatenated.
    pub signed_parameters: Vec<String>,
    /// How the secret is applied, in words.
    pub how: String,
}

impl SignHelp {
    pub fn new(
        signed_string: String,
        signed_parameters: Vec<String>,
        how: impl Into<String>,
    ) -> Self {
        Self {
            signed_string,
            signed_parameters,
            how: how.into(),
        }
    }

    /// One sentence for dialects whose error shape has only text.
    pub fn sentence(&self) -> String {
        format!(
            "[sandbox] the gateway signed {how}; parameters in order: {}; signed string: {}",
            self.signed_parameters.join(", "),
            self.signed_string,
            how = self.how,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_names_parameters_in_order_and_the_string() {
        let h = SignHelp::new(
            "aAbB".into(),
            vec!["a".into(), "b".into()],
            "md5(secret + string + secret)",
        );
        assert_eq!(
            h.sentence(),
            "[sandbox] the gateway signed md5(secret + string + secret); parameters in order: a, b; signed string: aAbB"
        );
    }
}
