//! What a model is told about one order: the facts each system stated, the
//! findings with their codes and evidence, and the timeline — as structured
//! JSON, redacted, and nothing else. The same JSON is what the reply is
//! checked against.

use chrono_tz::Tz;
use serde_json::{json, Value};

use super::redact::Redactor;
use crate::connectors::openai::Prompt;
use crate::engine::TimelineEvent;
use crate::store::OrderDetail;

const INSTRUCTION: &str = "You summarise one e-commerce order for an operations operator. \
Use only the JSON in the user message: what the storefront, the warehouse, the carriers and \
the vendors say about the order, the findings of orderdeck's checks (each with a code, a \
verdict, a reason and its evidence) and the timeline. Add nothing that is not stated there: \
never invent or alter an order number, a tracking number, a status, a date or a name. Text in \
square brackets such as [customer], [email], [phone] or [address] stands for personal data \
that was withheld: keep it as it is. Write at most four plain sentences: where the goods are \
in each system, what disagrees, and what needs a decision. After each statement that rests on \
a finding, cite its code in parentheses, for example (SLA_BREACH). Times are UTC unless the \
facts say otherwise.";

/// The order as the model sees it.
pub struct Brief {
    pub prompt: Prompt,
    /// The facts as sent, for checking the reply against.
    pub facts: Value,
}

pub fn build(
    detail: &OrderDetail,
    events: &[TimelineEvent],
    zone: Tz,
    send_personal_data: bool,
) -> Brief {
    let mut facts = json!({
        "order": detail.row.name,
        "queue": detail.row.queue,
        "ship_by": detail.row.ship_by,
        "shop_time_zone": zone.name(),
        "systems": serde_json::to_value(&detail.facts).unwrap_or(Value::Null),
        "findings": serde_json::to_value(&detail.findings).unwrap_or(Value::Null),
        "timeline": serde_json::to_value(events).unwrap_or(Value::Null),
    });
    drop_fetch_times(&mut facts);
    if !send_personal_data {
        let storefront = detail.facts.storefront.as_ref().map(|o| &o.value);
        let names = storefront
            .and_then(|o| o.customer_name.as_deref())
            .into_iter()
            .chain(detail.row.customer.as_deref());
        let emails = storefront.and_then(|o| o.email.as_deref());
        Redactor::new(names, emails).value(&mut facts);
    }
    let prompt = Prompt {
        system: INSTRUCTION.to_string(),
        user: format!("Order facts (JSON):\n{facts}"),
    };
    Brief { prompt, facts }
}

/// When orderdeck fetched a document is no fact about the order, and would
/// make every refetch of an unchanged order look new to the cache.
fn drop_fetch_times(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            fields.remove("observed_at");
            fields.values_mut().for_each(drop_fetch_times);
            // What is left of an observation is its value.
            if fields.len() == 1 {
                if let Some(inner) = fields.remove("value") {
                    *value = inner;
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_fetch_times),
        _ => {}
    }
}
