//! Which HubSpot events the sync acts on (`SYNCED_EVENT_TYPES`).

use events::WebhookEvent;

/// Patterns over normalised event types: `deal.*`, `company.propertyChange`, `*`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFilter {
    patterns: Vec<(String, Option<String>)>,
}

impl EventFilter {
    pub fn parse(list: &str) -> Result<Self, String> {
        let patterns = list
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('.') {
                _ if p == "*" => Ok(("*".to_owned(), None)),
                Some((object, "*")) => Ok((object.to_owned(), None)),
                Some((object, action)) if !object.is_empty() && !action.is_empty() => {
                    Ok((object.to_owned(), Some(action.to_owned())))
                }
                _ => Err(format!(
                    "`{p}` is not `<object>.<action>`, `<object>.*` or `*`"
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if patterns.is_empty() {
            return Err("no event types listed".into());
        }
        Ok(Self { patterns })
    }

    /// Whether the sync needs to see this event. Changes to the properties the sync itself
    /// writes back (README, "Properties the sync writes") are our own echo and never need a
    /// Partner Central write.
    pub fn wants(&self, event: &WebhookEvent) -> bool {
        self.wants_kind(&event.normalized_type(), event.property_name.as_deref())
    }

    /// As [`Self::wants`], for an event known only by its kind (one that does not fit the model).
    pub fn wants_kind(&self, normalized: &str, property_name: Option<&str>) -> bool {
        if property_name.is_some_and(|p| events::SYNC_OWNED_PROPERTIES.contains(&p)) {
            return false;
        }
        let (object, action) = normalized.split_once('.').unwrap_or((normalized, ""));
        self.patterns
            .iter()
            .any(|(o, a)| (o == "*" || o == object) && a.as_deref().is_none_or(|a| a == action))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn event(kind: &str, extra: &str) -> WebhookEvent {
        let body = format!(
            r#"[{{"eventId":1,"portalId":1,"occurredAt":1,"subscriptionType":"{kind}","objectId":1{extra}}}]"#
        );
        events::parse_body(body.as_bytes()).unwrap().remove(0)
    }

    #[test]
    fn default_list_keeps_deals_companies_and_notes() {
        let f = EventFilter::parse(crate::config::DEFAULT_SYNCED_EVENT_TYPES).unwrap();
        assert!(f.wants(&event("deal.creation", "")));
        assert!(f.wants(&event(
            "company.propertyChange",
            ",\"propertyName\":\"name\""
        )));
        assert!(f.wants(&event("object.creation", ",\"objectTypeId\":\"0-46\"")));
        assert!(f.wants(&event("object.propertyChange", ",\"objectTypeId\":\"0-3\"")));
        assert!(!f.wants(&event("contact.creation", "")));
        assert!(!f.wants(&event("ticket.deletion", "")));
        assert!(!f.wants(&event("object.creation", ",\"objectTypeId\":\"2-77\"")));
        // our own write-back echoes are ignored
        for owned in events::SYNC_OWNED_PROPERTIES {
            let extra = format!(",\"propertyName\":\"{owned}\"");
            assert!(!f.wants(&event("deal.propertyChange", &extra)), "{owned}");
        }
        // ... but the inputs a person sets for submission reach the processor
        for input in ["aws_submit", "aws_involvement_type", "aws_visibility"] {
            let extra = format!(",\"propertyName\":\"{input}\"");
            assert!(f.wants(&event("deal.propertyChange", &extra)), "{input}");
        }
    }

    #[test]
    fn custom_lists() {
        let f = EventFilter::parse("deal.creation, contact.*").unwrap();
        assert!(f.wants(&event("deal.creation", "")));
        assert!(!f.wants(&event("deal.propertyChange", "")));
        assert!(f.wants(&event("contact.merge", "")));
        assert!(
            EventFilter::parse("*")
                .unwrap()
                .wants(&event("ticket.creation", ""))
        );
        assert!(EventFilter::parse("deal").is_err());
        assert!(EventFilter::parse(" , ").is_err());
    }
}
