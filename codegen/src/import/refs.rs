//! Code references in the free text of ICD-10-CM tabular notes.
//!
//! Notes name other codes in a handful of ways:
//!
//! - `(E08.-)`, `(E08)`, `(A01.0)`, `(L97.4-, L97.5-)`: a code and
//!   everything under it (a trailing `.-` or `-` only stresses "and below");
//! - `(O10-O11, O13-O16)`, `E08-E13`, `(S00 - S09)`, `(F11.-F17.-)`,
//!   `(K85-K86.-)`, `B65.0-B81.3`: a range;
//! - plain mentions in running text: `category O30`, `codes in subcategory
//!   E08.32`, `T36-T65 with fifth or sixth character 1-4 or 6`.
//!
//! A code is a letter, a digit or letter, an alphanumeric, then optionally a
//! dot and up to four alphanumerics (`J09.X3`, `T40.2X1A`, `Z3A.-`, `QA0`),
//! standing alone as a word. What looks like a code is not always one
//! (`vitamin B12`, `GM2 gangliosidosis`, `G6PD`), so [`parse`] is handed a
//! test of which codes exist: a mention outside parentheses, and any
//! candidate whose second character is a letter, is kept only when the code
//! exists; a letter-digit candidate inside parentheses or brackets is always
//! kept (that is where the tabular cites codes).

use std::fmt;

/// One reference, dotless and upper case.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ref {
    /// The code and everything under it (`E08`, `L974`).
    Code(String),
    /// Every code whose prefix of the same length lies between the two,
    /// inclusive (`O10-O11`, `B650-B813`).
    Range(String, String),
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ref::Code(c) => f.write_str(c),
            Ref::Range(a, b) => write!(f, "{a}-{b}"),
        }
    }
}

/// The refs column of `notes.tsv`: space separated, in order of appearance.
pub fn format(refs: &[Ref]) -> String {
    refs.iter().map(Ref::to_string).collect::<Vec<_>>().join(" ")
}

/// A code-shaped token found in the text.
struct Token {
    /// Dotless, upper case.
    code: String,
    /// Byte index just past the token (after any `.-`/`-` "and below" mark).
    end: usize,
    /// Where a code starts right after a dash (`E08-E13`): maybe a range.
    dash_then_code: Option<usize>,
}

/// The codes `text` names, deduplicated, in order of first appearance.
/// `known` tells whether a dotless code exists (see the module docs).
pub fn parse(text: &str, known: &dyn Fn(&str) -> bool) -> Vec<Ref> {
    let b = text.as_bytes();
    let mut out: Vec<Ref> = Vec::new();
    let mut depth: usize = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'(' | b'[' => {
                depth += 1;
                i += 1;
                continue;
            }
            b')' | b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
                continue;
            }
            _ => {}
        }
        let at_word_start = i == 0 || !is_word_byte(b[i - 1]);
        let Some(first) = at_word_start.then(|| token_at(b, i)).flatten() else {
            i += 1;
            continue;
        };
        let inside = depth > 0;
        // A range: `A-B`, `A.-B.-`, `A - B`.
        let mut end = first.end;
        let mut second = None;
        if let Some(next) = range_continuation(b, &first) {
            if let Some(t) = token_at(b, next) {
                end = t.end;
                second = Some(t);
            }
        }
        let accept = |t: &Token| accepted(t, inside, known);
        match second {
            // A range is kept when both ends are code-shaped and one of them
            // is known or cited in parentheses (`K00-K93` names a gone K93).
            Some(t) if range_accepted(&first, &t, inside, known) => push(&mut out, Ref::Range(first.code, t.code)),
            Some(t) => {
                // Keep whichever end stands on its own.
                if accept(&first) {
                    push(&mut out, Ref::Code(first.code));
                }
                if accept(&t) {
                    push(&mut out, Ref::Code(t.code));
                }
            }
            None if accept(&first) => push(&mut out, Ref::Code(first.code)),
            None => {}
        }
        i = end;
    }
    out
}

fn push(out: &mut Vec<Ref>, r: Ref) {
    if !out.contains(&r) {
        out.push(r);
    }
}

fn accepted(t: &Token, inside: bool, known: &dyn Fn(&str) -> bool) -> bool {
    let standard = t.code.as_bytes()[1].is_ascii_digit();
    (standard && inside) || known(&t.code)
}

fn range_accepted(a: &Token, b: &Token, inside: bool, known: &dyn Fn(&str) -> bool) -> bool {
    let standard = |t: &Token| t.code.as_bytes()[1].is_ascii_digit() || known(&t.code);
    standard(a) && standard(b) && (accepted(a, inside, known) || accepted(b, inside, known))
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn is_code_char(c: u8) -> bool {
    c.is_ascii_digit() || c.is_ascii_uppercase()
}

/// A code-shaped token starting exactly at `i` (the caller checked the word
/// boundary before it).
fn token_at(b: &[u8], i: usize) -> Option<Token> {
    let at = |k: usize| b.get(k).copied();
    if !at(i)?.is_ascii_uppercase() || !is_code_char(at(i + 1)?) || !is_code_char(at(i + 2)?) {
        return None;
    }
    let mut code: String = b[i..i + 3].iter().map(|&c| c as char).collect();
    let mut j = i + 3;
    if at(j) == Some(b'.') {
        let mut k = j + 1;
        while k < b.len() && k - (j + 1) < 4 && is_code_char(b[k]) {
            k += 1;
        }
        if k > j + 1 {
            code.extend(b[j + 1..k].iter().map(|&c| c as char));
            j = k;
        } else if at(k) == Some(b'-') {
            // `E08.-`: the dash is read below as "and below".
            j = k;
        }
        // Otherwise the dot ends a sentence; the code ends before it.
    }
    let mut dash_then_code = None;
    if at(j) == Some(b'-') {
        match at(j + 1) {
            // `E08-E13`, `F11.-F17.-`: the caller may read a range.
            Some(c) if c.is_ascii_uppercase() => dash_then_code = Some(j + 1),
            // `X00-1`: a dash and a number never mean "and below".
            Some(c) if is_word_byte(c) => {}
            // `L97.4-`, `E08.-`: "and below".
            _ => j += 1,
        }
    }
    if dash_then_code.is_none() && at(j).is_some_and(is_word_byte) {
        return None; // `G6PD`, `B12s`, `H1N1`, `S72.00123`
    }
    Some(Token { code, end: j, dash_then_code })
}

/// Where the second code of a range starts, if `first` is followed by a
/// range dash: `E08-E13`, `F11.-F17.-`, `S00 - S09`.
fn range_continuation(b: &[u8], first: &Token) -> Option<usize> {
    if first.dash_then_code.is_some() {
        return first.dash_then_code;
    }
    // `S00 - S09`, `S06.1- to S06.6-`: spaces, a dash or `to`, spaces.
    let mut k = first.end;
    while b.get(k) == Some(&b' ') {
        k += 1;
    }
    if k == first.end {
        return None;
    }
    let joiner = if b.get(k) == Some(&b'-') {
        1
    } else if b[k..].starts_with(b"to ") {
        2
    } else {
        return None;
    };
    k += joiner;
    let after = k;
    while b.get(k) == Some(&b' ') {
        k += 1;
    }
    (k > after && b.get(k).is_some_and(u8::is_ascii_uppercase)).then_some(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codes that exist, for the tests: a few real categories and subcodes.
    fn known(code: &str) -> bool {
        const KNOWN: &[&str] = &[
            "O30", "O700", "O701", "E0832", "N18", "N26", "I050", "I052", "I059", "I70211", "I70221", "B650", "B813",
            "B818", "B850", "B853", "C161", "C164", "T36", "T65", "Y930", "Y936", "Y93A", "G310", "G3183", "G3185",
            "G319", "O00", "O77", "O85", "O94", "O98", "O9A", "I7021", "C50", "QA0", "QA00", "Z3A", "S06", "E08",
            "E13", "D12", "K00", "S061", "S068", "S0681", "O10",
        ];
        KNOWN.contains(&code)
    }

    fn refs(text: &str) -> String {
        format(&parse(text, &known))
    }

    #[test]
    fn parenthesized_prefixes() {
        assert_eq!(refs("diabetes mellitus due to underlying condition (E08.-)"), "E08");
        assert_eq!(refs("typhoid fever (A01.0)"), "A010");
        assert_eq!(refs("pressure ulcer of ankle and heel (L97.4-, L97.5-)"), "L974 L975");
        assert_eq!(refs("fracture of skull (S02.0-)"), "S020");
        assert_eq!(refs("code to identify resistance to antimicrobial drugs (Z16.-)"), "Z16");
        assert_eq!(refs("weeks of gestation of pregnancy, if known (Z3A.-)"), "Z3A");
        assert_eq!(refs("gout (M1A.-, M10.-)"), "M1A M10");
        assert_eq!(refs("benign carcinoid tumors (D3A.0-)"), "D3A0");
        assert_eq!(refs("head injury NOS (S09.90)"), "S0990");
        assert_eq!(refs("insect bite or sting, venomous (T63.4)"), "T634");
        assert_eq!(
            refs("influenza with involvement of gastrointestinal tract (J09.X3, J10.2, J11.2)"),
            "J09X3 J102 J112"
        );
        assert_eq!(refs("code for adverse effect, if applicable, to identify drug (T37.5X5-)"), "T375X5");
        assert_eq!(refs("code for adverse effect (T43.3X5, T43.4X5, T43.505, T43.595)"), "T433X5 T434X5 T43505 T43595");
        assert_eq!(refs("sunburn (L55.-)"), "L55");
        assert_eq!(refs("dementia with anxiety (F02.84, F02.A4, F02.B4, F02.C4)"), "F0284 F02A4 F02B4 F02C4");
        assert_eq!(refs("poisoning (T40.2X1A)"), "T402X1A");
        assert_eq!(refs("diabetes (E11)"), "E11");
    }

    #[test]
    fn ranges() {
        assert_eq!(refs("pre-existing hypertension (O10-O11, O13-O16)"), "O10-O11 O13-O16");
        assert_eq!(refs("influenza and other acute respiratory infections (J00-J22)"), "J00-J22");
        assert_eq!(refs("cerebrovascular diseases (I60-I69)"), "I60-I69");
        assert_eq!(refs("Escherichia coli infection (A04.0-A04.4)"), "A040-A044");
        assert_eq!(refs("hepatitis B (B16.-, B18.0-B18.1)"), "B16 B180-B181");
        assert_eq!(refs("malaria (B50.0-B54)"), "B500-B54");
        assert_eq!(refs("pancreatitis and other diseases of the pancreas (K85-K86.-)"), "K85-K86");
        assert_eq!(refs("hypothyroidism, acquired (E00-E03.-)"), "E00-E03");
        assert_eq!(refs("code to identify drug abuse and dependence (F11.-F17.-)"), "F11-F17");
        assert_eq!(refs("drug dependence and related mental and behavioral disorders (F10.-F19.-)"), "F10-F19");
        assert_eq!(refs("head injury (S00 - S09)"), "S00-S09");
        assert_eq!(refs("certain infectious and parasitic diseases (A00-B99)"), "A00-B99");
        assert_eq!(refs("malignant neoplasms (C00-C75, C7A-C7B)"), "C00-C75 C7A-C7B");
    }

    #[test]
    fn plain_mentions() {
        assert_eq!(
            refs("One of the following 7th characters is to be assigned to codes in subcategory E08.32 to designate laterality of the disease:"),
            "E0832"
        );
        assert_eq!(
            refs("One of the following 7th characters is to be assigned to each code under category O30."),
            "O30"
        );
        assert_eq!(
            refs("Infection due to intestinal helminths classified to more than one of the categories B65.0-B81.3 and B81.8"),
            "B650-B813 B818"
        );
        assert_eq!(refs("Infestation classifiable to more than one of the categories B85.0-B85.3"), "B850-B853");
        assert_eq!(
            refs("Malignant neoplasm of lesser curvature of stomach, not classifiable to C16.1-C16.4"),
            "C161-C164"
        );
        assert_eq!(
            refs("conditions classifiable to both I05.0 and I05.2-I05.9, whether specified as rheumatic or not"),
            "I050 I052-I059"
        );
        assert_eq!(refs("any condition in N18 and N26 - due to hypertension"), "N18 N26");
        assert_eq!(refs("any condition classifiable to I70.211 and I70.221"), "I70211 I70221");
        assert_eq!(refs("sports and athletics activities specified in categories Y93.0-Y93.6"), "Y930-Y936");
        assert_eq!(refs("activities involving muscle strengthening specified in categories Y93.0-Y93.A"), "Y930-Y93A");
        assert_eq!(
            refs("code, if applicable, for codes G31.0-G31.83, G31.85-G31.9, to identify:"),
            "G310-G3183 G3185-G319"
        );
        assert_eq!(
            refs("This category is to be used to indicate conditions in O00-O77.-, O85-O94 and O98-O9A.- as the cause of late effects."),
            "O00-O77 O85-O94 O98-O9A"
        );
        assert_eq!(refs("with seventh character S, codes in I70.21- and C50.- apply"), "I7021 C50");
        assert_eq!(refs("poisoning by drugs (T36-T65 with fifth or sixth character 1-4 or 6)"), "T36-T65");
        assert_eq!(refs("T36-T65 with fifth or sixth character 1-4 or 6"), "T36-T65");
        assert_eq!(refs("Conditions classifiable to D12, K00-K93"), "D12 K00-K93");
        assert_eq!(refs("Conditions classifiable to E00-E07, E15-E88 (E08)"), "E08");
        assert_eq!(
            refs("concussion with other intracranial injuries classified in subcategories S06.1- to S06.6-, and S06.81- to S06.89-, code to specified intracranial injury"),
            "S061-S066 S0681-S0689"
        );
        assert_eq!(
            refs("conditions classifiable to S06.0- to S06.8-code to specified intracranial injury"),
            "S060-S068"
        );
        assert_eq!(refs("rheumatoid arthritis by site, if known (M05.00 to M05.8A)"), "M0500-M058A");
        assert_eq!(refs("code from O10 to identify the type of hypertension"), "O10");
        assert_eq!(refs("paralysis, except as in G80 - G82 and B12 to B13"), "");
        assert_eq!(refs("Genetic disorders, not elsewhere classified (QA0)"), "QA0");
        assert_eq!(refs("see QA0.0 for details"), "QA00");
    }

    #[test]
    fn things_that_are_not_codes() {
        assert_eq!(refs("megaloblastic anemia unresponsive to vitamin B12 or folate therapy"), "");
        assert_eq!(refs("Vitamin B12 deficiency"), "");
        assert_eq!(refs("vitamin B12 deficiency anemia (D51.-)"), "D51");
        assert_eq!(refs("Adult GM2 gangliosidosis"), "");
        assert_eq!(refs("Cell membrane receptor complex [CR3] defect"), "");
        assert_eq!(refs("Glucose-6-phosphate dehydrogenase [G6PD] deficiency"), "");
        assert_eq!(refs("influenza due to identified novel H1N1 influenza virus (J09.X-)"), "J09X");
        assert_eq!(refs("HIV-2 infection (B97.35)"), "B9735");
        assert_eq!(refs("type 2 diabetes mellitus, at least 10 weeks (ICD-10)"), "");
        assert_eq!(refs("COVID-19 (U07.1)"), "U071");
        assert_eq!(refs("stage 1-4 or grade III"), "");
        assert_eq!(refs("acute myocardial infarction (I21.-). Old infarction"), "I21");
        assert_eq!(refs("ends with a code I21."), "");
        assert_eq!(refs("HbA1c level (R73.09)"), "R7309");
        assert_eq!(refs("too long (S72.00123)"), "");
        assert_eq!(refs("lower case (e08.-)"), "");
        assert_eq!(refs(""), "");
        assert_eq!(refs("((( unbalanced ]] ) (E08"), "E08");
        assert_eq!(refs("é(E08.-)ü S72.001A"), "E08");
    }

    #[test]
    fn duplicates_kept_once() {
        assert_eq!(refs("(E08.-, E08, E08-E13, E08-E13)"), "E08 E08-E13");
    }
}
