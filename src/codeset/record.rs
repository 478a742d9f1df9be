//! The full record of one code on a date: what `medcode get` prints.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{CodeSet, FlagRange, Range};
use crate::date::Date;

/// A code and its description, as it appears in hierarchy lists.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CodeRef {
    pub code: String,
    pub display: String,
    pub kind: &'static str,
    /// Billable on the date asked about.
    pub billable: bool,
}

/// One tabular note with the codes it names (dotless prefixes or ranges).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Note {
    pub kind: String,
    pub text: String,
    pub codes: Vec<String>,
    /// The entry the note is written on (this code or an ancestor).
    pub from: String,
}

/// An allowed 7th character.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Seventh {
    #[serde(rename = "char")]
    pub character: String,
    pub meaning: String,
    /// The complete code with placeholders (`S02.0XXA`).
    pub code: String,
}

/// Everything medcode knows about a code on a date.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub system: &'static str,
    pub code: String,
    pub display: String,
    pub kind: &'static str,
    /// Billable on the date.
    pub billable: bool,
    /// In effect on the date (billable, or a header with codes in effect under it).
    pub in_effect: bool,
    pub date: Date,
    pub requires_seventh_character: bool,
    /// Dates on which the code or any code under it was in effect.
    pub validity: Vec<Range>,
    /// Dates on which the code itself was billable.
    pub billable_ranges: Vec<Range>,
    pub parent: Option<CodeRef>,
    /// From the chapter down to the parent.
    pub ancestors: Vec<CodeRef>,
    /// Children in effect on the date.
    pub children: Vec<CodeRef>,
    /// Notes on the code itself and on its ancestors (which apply to it too).
    pub notes: Vec<Note>,
    /// Allowed 7th characters (for a code that needs one, or the definition in force for an expansion).
    pub seventh_characters: Vec<Seventh>,
    /// MCE (ICD-10) or release (HCPCS) flags with their date ranges.
    pub flags: Vec<FlagRange>,
    /// Set-specific extras: `replacedBy`, `replaces`, HCPCS `approved`, `terminated`, `ageLow`, `ageHigh`, `releases`, ….
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn code_ref(set: &CodeSet, ord: u32, date: Date) -> CodeRef {
    CodeRef {
        code: set.code(ord).to_string(),
        display: set.description(ord),
        kind: set.kind(ord).name(),
        billable: set.billable_on(ord, date),
    }
}

/// Builds the record of ordinal `ord` on `date`.
pub fn record(set: &CodeSet, ord: u32, date: Date) -> Record {
    let mut ancestors: Vec<u32> = set.ancestors(ord);
    ancestors.reverse();
    let mut extra = set.extras(ord);
    let own_notes = extra.remove("notes");

    let mut notes = Vec::new();
    for &a in ancestors.iter() {
        let mut ex = set.extras(a);
        push_notes(&mut notes, ex.remove("notes"), &set.code(a));
    }
    push_notes(&mut notes, own_notes, &set.code(ord));

    let needs = set.needs_seventh(ord);
    let mut seventh_characters = Vec::new();
    let is_expansion = set.is_expansion(ord);
    if needs || is_expansion {
        let base_ord = if is_expansion { set.parent(ord).unwrap_or(ord) } else { ord };
        let base = set.code(base_ord);
        for (ch, meaning) in set.seventh_definition(base_ord).into_iter().flatten() {
            let ch = (ch as char).to_string();
            seventh_characters.push(Seventh {
                code: with_seventh(&base, &ch),
                character: ch,
                meaning: meaning.into_owned(),
            });
        }
    }

    Record {
        system: set.system.name(),
        code: set.code(ord).to_string(),
        display: set.description(ord),
        kind: set.kind(ord).name(),
        billable: set.billable_on(ord, date),
        in_effect: set.exists_on(ord, date),
        date,
        requires_seventh_character: needs,
        validity: set.exists_ranges(ord),
        billable_ranges: set.billable_ranges(ord),
        parent: set.parent(ord).map(|p| code_ref(set, p, date)),
        ancestors: ancestors.iter().map(|&a| code_ref(set, a, date)).collect(),
        children: set.children(ord).filter(|&c| set.exists_on(c, date)).map(|c| code_ref(set, c, date)).collect(),
        notes,
        seventh_characters,
        flags: set.flags(ord),
        extra,
    }
}

fn push_notes(out: &mut Vec<Note>, notes: Option<Value>, from: &str) {
    let Some(Value::Array(list)) = notes else { return };
    for n in list {
        let s = |k: &str| n.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let codes = n
            .get("codes")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        out.push(Note { kind: s("kind"), text: s("text"), codes, from: from.to_string() });
    }
}

/// Appends a 7th character to a dotted ICD-10-CM code, padding with the
/// placeholder X to six characters first (`S02.0` + `A` → `S02.0XXA`).
pub fn with_seventh(code: &str, ch: &str) -> String {
    let mut key: String = code.chars().filter(|&c| c != '.').collect();
    while key.len() < 6 {
        key.push('X');
    }
    key.push_str(ch);
    format!("{}.{}", &key[..3], &key[3..])
}
