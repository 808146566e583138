//! Seed 001 defines no callbacks: an OMS system polls (`warehouse.getList`). Its identities
//! receive nothing, so every event addressed to one is settled as `skipped`.

use crate::push::{Outgoing, PushDialect, Rendered};

pub struct OmsPushes;

impl PushDialect for OmsPushes {
    fn render(&self, _push: &Outgoing<'_>) -> Result<Option<Rendered>, String> {
        Ok(None)
    }

    fn accepted(&self, _http_status: u16, _body: &str) -> bool {
        false
    }

    fn push_type(&self, _rendered: &Rendered) -> String {
        String::new()
    }
}
