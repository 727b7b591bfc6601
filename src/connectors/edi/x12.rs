//! A strict reader and writer for ASC X12 interchanges. The separators are
//! whatever the ISA segment declares; every envelope's control number and
//! count is checked, because a file that fails them is not what the vendor
//! meant to send.

use std::fmt::Write;

/// Why a file is not a readable X12 interchange. The message names the
/// envelope that failed, for the quarantine reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct X12Error(pub String);

fn fail<T>(message: impl Into<String>) -> Result<T, X12Error> {
    Err(X12Error(message.into()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Separators {
    pub element: char,
    pub component: char,
    pub segment: char,
    /// ISA11 from 00402 on; in 004010 that place holds the standards id `U`.
    pub repetition: Option<char>,
}

impl Default for Separators {
    fn default() -> Self {
        Separators {
            element: '*',
            component: '>',
            segment: '~',
            repetition: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub id: String,
    /// Elements after the id: `elements[0]` is element 01.
    pub elements: Vec<String>,
}

impl Segment {
    pub fn new(id: &str, elements: &[&str]) -> Segment {
        Segment {
            id: id.to_string(),
            elements: elements.iter().map(|e| e.to_string()).collect(),
        }
    }

    /// Element `n` (1-based, as X12 numbers them), trimmed; empty if absent.
    pub fn el(&self, n: usize) -> &str {
        n.checked_sub(1)
            .and_then(|i| self.elements.get(i))
            .map_or("", |e| e.trim())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionSet {
    /// ST01, e.g. "855".
    pub id: String,
    pub control_number: String,
    /// The segments between ST and SE.
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub functional_id: String,
    pub sender: String,
    pub receiver: String,
    pub date: String,
    pub time: String,
    pub control_number: String,
    /// GS08, e.g. "004010" or "004010VICS".
    pub version: String,
    pub sets: Vec<TransactionSet>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interchange {
    pub separators: Separators,
    pub sender_qualifier: String,
    /// ISA06, trimmed.
    pub sender: String,
    pub receiver_qualifier: String,
    pub receiver: String,
    pub date: String,
    pub time: String,
    /// ISA12, e.g. "00401".
    pub version: String,
    /// ISA13, nine digits.
    pub control_number: String,
    pub usage: String,
    pub groups: Vec<Group>,
}

/// The separators an interchange declares: the element separator is the
/// byte after "ISA", the component separator is ISA16 and the segment
/// terminator follows it. ISA is found by counting separators rather than
/// by fixed offsets, because real senders pad ISA fields wrongly.
fn separators(text: &str) -> Result<(Separators, Vec<String>, &str), X12Error> {
    if !text.starts_with("ISA") {
        return fail("not an X12 interchange: it does not begin with ISA");
    }
    let mut chars = text[3..].char_indices().map(|(i, c)| (i + 3, c));
    let Some((_, element)) = chars.next() else {
        return fail("ISA is truncated");
    };
    if element.is_ascii_alphanumeric() || element.is_whitespace() {
        return fail(format!("ISA declares {element:?} as element separator"));
    }
    let mut fields = Vec::with_capacity(16);
    let mut start = 4;
    for (i, c) in chars.by_ref() {
        if c == element {
            fields.push(text[start..i].to_string());
            start = i + c.len_utf8();
            if fields.len() == 15 {
                break;
            }
        }
    }
    if fields.len() < 15 {
        return fail("ISA is truncated: fewer than 16 elements");
    }
    let mut tail = text[start..].chars();
    let (Some(component), Some(segment)) = (tail.next(), tail.next()) else {
        return fail("ISA is truncated: no component separator or segment terminator");
    };
    fields.push(component.to_string());
    if component.is_ascii_alphanumeric() || segment.is_ascii_alphanumeric() {
        return fail(format!(
            "ISA declares component separator {component:?} and segment terminator {segment:?}; neither may be a letter or digit"
        ));
    }
    let distinct = [element, component, segment];
    if distinct[0] == distinct[1] || distinct[1] == distinct[2] || distinct[0] == distinct[2] {
        return fail("ISA declares the same character for two separators");
    }
    let repetition = fields[10]
        .chars()
        .next()
        .filter(|c| fields[10].len() == 1 && !c.is_ascii_alphanumeric());
    let rest_at = start + component.len_utf8() + segment.len_utf8();
    Ok((
        Separators {
            element,
            component,
            segment,
            repetition,
        },
        fields,
        &text[rest_at..],
    ))
}

/// Splits the text after ISA into segments. Line breaks and indentation
/// between segments are layout some senders add, not data.
fn segments(rest: &str, separators: Separators) -> Vec<Segment> {
    rest.split(separators.segment)
        .map(|s| s.trim_start().trim_end_matches(['\r', '\n']))
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut parts = s.split(separators.element).map(str::to_string);
            Segment {
                id: parts.next().unwrap_or_default().trim().to_string(),
                elements: parts.collect(),
            }
        })
        .collect()
}

fn count(value: &str, what: &str) -> Result<usize, X12Error> {
    value
        .trim()
        .parse()
        .map_err(|_| X12Error(format!("{what} {value:?} is not a number")))
}

/// Reads one interchange, checking every envelope.
pub fn parse(text: &str) -> Result<Interchange, X12Error> {
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let (separators, isa, rest) = separators(text)?;
    let control_number = isa[12].trim().to_string();
    if control_number.len() != 9 || !control_number.bytes().all(|b| b.is_ascii_digit()) {
        return fail(format!(
            "ISA13 control number {control_number:?} is not nine digits"
        ));
    }
    let mut interchange = Interchange {
        separators,
        sender_qualifier: isa[4].trim().to_string(),
        sender: isa[5].trim().to_string(),
        receiver_qualifier: isa[6].trim().to_string(),
        receiver: isa[7].trim().to_string(),
        date: isa[8].trim().to_string(),
        time: isa[9].trim().to_string(),
        version: isa[11].trim().to_string(),
        control_number,
        usage: isa[14].trim().to_string(),
        groups: Vec::new(),
    };
    let name = format!("interchange {}", interchange.control_number);
    let mut iter = segments(rest, separators).into_iter();
    let mut closed = false;
    while let Some(segment) = iter.next() {
        match segment.id.as_str() {
            "GS" => {
                let group = read_group(&segment, &mut iter, &name)?;
                interchange.groups.push(group);
            }
            "IEA" => {
                let groups = count(segment.el(1), &format!("IEA01 of {name}"))?;
                if groups != interchange.groups.len() {
                    return fail(format!(
                        "IEA of {name} counts {groups} group(s), the interchange has {}",
                        interchange.groups.len()
                    ));
                }
                if segment.el(2) != interchange.control_number {
                    return fail(format!(
                        "IEA control number {:?} does not match ISA13 {:?}",
                        segment.el(2),
                        interchange.control_number
                    ));
                }
                closed = true;
                break;
            }
            other => return fail(format!("{other} segment outside any group in {name}")),
        }
    }
    if !closed {
        return fail(format!("{name} has no IEA: the file is truncated"));
    }
    if let Some(extra) = iter.next() {
        return fail(format!("{} segment after the IEA of {name}", extra.id));
    }
    Ok(interchange)
}

fn read_group(
    gs: &Segment,
    iter: &mut impl Iterator<Item = Segment>,
    interchange: &str,
) -> Result<Group, X12Error> {
    let mut group = Group {
        functional_id: gs.el(1).to_string(),
        sender: gs.el(2).to_string(),
        receiver: gs.el(3).to_string(),
        date: gs.el(4).to_string(),
        time: gs.el(5).to_string(),
        control_number: gs.el(6).to_string(),
        version: gs.el(8).to_string(),
        sets: Vec::new(),
    };
    let name = format!("group {} of {interchange}", group.control_number);
    while let Some(segment) = iter.next() {
        match segment.id.as_str() {
            "ST" => {
                let set = read_set(&segment, iter, &name)?;
                group.sets.push(set);
            }
            "GE" => {
                let sets = count(segment.el(1), &format!("GE01 of {name}"))?;
                if sets != group.sets.len() {
                    return fail(format!(
                        "GE of {name} counts {sets} transaction set(s), the group has {}",
                        group.sets.len()
                    ));
                }
                if segment.el(2) != group.control_number {
                    return fail(format!(
                        "GE control number {:?} does not match GS06 {:?} ({interchange})",
                        segment.el(2),
                        group.control_number
                    ));
                }
                return Ok(group);
            }
            other => {
                return fail(format!(
                    "{other} segment outside any transaction set in {name}"
                ))
            }
        }
    }
    fail(format!("{name} has no GE: the file is truncated"))
}

fn read_set(
    st: &Segment,
    iter: &mut impl Iterator<Item = Segment>,
    group: &str,
) -> Result<TransactionSet, X12Error> {
    let mut set = TransactionSet {
        id: st.el(1).to_string(),
        control_number: st.el(2).to_string(),
        segments: Vec::new(),
    };
    let name = format!(
        "transaction set {} ({}) in {group}",
        set.control_number, set.id
    );
    for segment in iter.by_ref() {
        match segment.id.as_str() {
            "SE" => {
                let counted = count(segment.el(1), &format!("SE01 of {name}"))?;
                let found = set.segments.len() + 2;
                if counted != found {
                    return fail(format!(
                        "SE of {name} counts {counted} segment(s), found {found}"
                    ));
                }
                if segment.el(2) != set.control_number {
                    return fail(format!(
                        "SE control number {:?} does not match ST02 {:?} ({group})",
                        segment.el(2),
                        set.control_number
                    ));
                }
                return Ok(set);
            }
            "ST" | "GS" | "GE" | "IEA" | "ISA" => {
                return fail(format!("{} segment inside {name}: SE missing", segment.id))
            }
            _ => set.segments.push(segment),
        }
    }
    fail(format!("{name} has no SE: the file is truncated"))
}

/// Writes an interchange with its own separators. Counts and closing
/// control numbers are computed here, so a written file always checks out.
pub fn render(interchange: &Interchange) -> String {
    let s = interchange.separators;
    let mut out = String::new();
    let isa = [
        "00".to_string(),
        " ".repeat(10),
        "00".to_string(),
        " ".repeat(10),
        format!("{:<2}", interchange.sender_qualifier),
        format!("{:<15}", interchange.sender),
        format!("{:<2}", interchange.receiver_qualifier),
        format!("{:<15}", interchange.receiver),
        interchange.date.clone(),
        interchange.time.clone(),
        s.repetition.map_or("U".to_string(), String::from),
        interchange.version.clone(),
        interchange.control_number.clone(),
        "0".to_string(),
        interchange.usage.clone(),
    ];
    out.push_str("ISA");
    for field in &isa {
        out.push(s.element);
        out.push_str(field);
    }
    out.push(s.element);
    out.push(s.component);
    out.push(s.segment);
    out.push('\n');
    let put = |segment: &Segment, out: &mut String| {
        out.push_str(&segment.id);
        for element in &segment.elements {
            out.push(s.element);
            out.push_str(element);
        }
        out.push(s.segment);
        out.push('\n');
    };
    for group in &interchange.groups {
        let gs = Segment::new(
            "GS",
            &[
                &group.functional_id,
                &group.sender,
                &group.receiver,
                &group.date,
                &group.time,
                &group.control_number,
                "X",
                &group.version,
            ],
        );
        put(&gs, &mut out);
        for set in &group.sets {
            put(
                &Segment::new("ST", &[&set.id, &set.control_number]),
                &mut out,
            );
            for segment in &set.segments {
                put(segment, &mut out);
            }
            let count = (set.segments.len() + 2).to_string();
            put(
                &Segment::new("SE", &[&count, &set.control_number]),
                &mut out,
            );
        }
        let sets = group.sets.len().to_string();
        put(
            &Segment::new("GE", &[&sets, &group.control_number]),
            &mut out,
        );
    }
    let _ = writeln!(
        out,
        "IEA{e}{}{e}{}{t}",
        interchange.groups.len(),
        interchange.control_number,
        e = s.element,
        t = s.segment
    );
    out
}
