//! The internal claim: one shape for the medcode claim JSON and the FHIR R4
//! `Claim`, where every value remembers the JSON pointer it came from, so a
//! finding points into the document exactly as the user wrote it. Strings
//! are borrowed from the document; pointers are a few integers
//! ([`Ptr`]), written out only when a finding names them.

use super::json::{Doc, Val};
pub use super::ptr::{Ptr, K};

/// A value and the RFC 6901 pointer to it in the input.
#[derive(Clone, Debug, PartialEq)]
pub struct Field<T> {
    pub value: T,
    pub path: Ptr,
}

/// Which input shape the claim came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Medcode,
    Fhir,
}

/// A diagnosis pointer as written: a number (1-based) or a letter A–L.
#[derive(Clone, Debug, PartialEq)]
pub enum Pointer {
    /// 1-based position (letters already mapped).
    Index(i64),
    /// Something that is neither; kept to report it.
    Invalid(String),
    /// A FHIR `diagnosisSequence` that no `diagnosis[].sequence` has.
    UnknownSequence(i64),
}

/// One service line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Line<'d> {
    /// Pointer to the line object (`/lines/0`, `/item/0`).
    pub path: Ptr,
    pub code: Option<Field<&'d str>>,
    pub modifiers: Vec<Field<&'d str>>,
    pub modifiers_path: Ptr,
    pub units: Option<Field<f64>>,
    pub units_path: Ptr,
    pub charge: Option<Field<f64>>,
    pub charge_path: Ptr,
    pub service_date: Option<Field<&'d str>>,
    pub service_date_path: Ptr,
    pub service_date_to: Option<Field<&'d str>>,
    pub pointers: Vec<Field<Pointer>>,
    pub pointers_path: Ptr,
    pub place_of_service: Option<Field<&'d str>>,
}

/// The claim every edit reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Claim<'d> {
    pub format: Option<Format>,
    pub id: Option<String>,
    pub birth_date: Option<Field<&'d str>>,
    pub birth_date_path: Ptr,
    pub sex: Option<Field<&'d str>>,
    pub sex_path: Ptr,
    pub billing_npi: Option<Field<&'d str>>,
    pub billing_npi_path: Ptr,
    pub rendering_npi: Option<Field<&'d str>>,
    pub place_of_service: Option<Field<&'d str>>,
    pub diagnoses: Vec<Field<&'d str>>,
    pub diagnoses_path: Ptr,
    pub lines: Vec<Line<'d>>,
    pub lines_path: Ptr,
    /// Structural problems found while reading (path, what is wrong):
    /// reported as CLAIM-MALFORMED.
    pub malformed: Vec<(Ptr, String)>,
}

/// Escapes one reference token of a JSON pointer (RFC 6901).
pub fn escape(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1").into()
    } else {
        token.into()
    }
}

/// Reads a claim of either shape from a parsed JSON document.
/// `Err` only when the document is not a claim at all (not an object).
pub fn read<'d>(doc: &'d Doc<'_>, format: Option<Format>) -> Result<Claim<'d>, String> {
    let obj = doc.root();
    if !obj.is_object() {
        return Err("a claim must be a JSON object".into());
    }
    let fhir = match format {
        Some(f) => f == Format::Fhir,
        None => obj.get("resourceType").is_some(),
    };
    if fhir {
        match obj.get("resourceType").and_then(Val::as_str) {
            Some("Claim") => Ok(read_fhir(obj)),
            Some(other) => Err(format!("resourceType is {other:?}; only a FHIR R4 Claim is accepted")),
            None => Err("a FHIR claim needs \"resourceType\": \"Claim\"".into()),
        }
    } else {
        Ok(read_medcode(obj))
    }
}

/// Records malformed values while reading.
#[derive(Default)]
struct Reader {
    malformed: Vec<(Ptr, String)>,
}

/// The items of an array with their pointers.
fn items<'d>(v: Option<Val<'d>>, path: Ptr) -> impl Iterator<Item = (Val<'d>, Ptr)> {
    v.and_then(Val::items).into_iter().flatten().enumerate().map(move |(i, x)| (x, path.index(i)))
}

impl Reader {
    fn bad(&mut self, path: Ptr, what: impl Into<String>) {
        self.malformed.push((path, what.into()));
    }

    /// A string field; a wrong type is recorded and yields `None`.
    fn string<'d>(&mut self, v: Option<Val<'d>>, path: Ptr) -> Option<Field<&'d str>> {
        let v = v.filter(|v| !v.is_null())?;
        match v.as_str() {
            Some(value) => Some(Field { value, path }),
            None => {
                self.bad(path, format!("must be a string, not {}", v.type_name()));
                None
            }
        }
    }

    /// A number field; numeric strings are accepted.
    fn number(&mut self, v: Option<Val>, path: Ptr) -> Option<Field<f64>> {
        let v = v.filter(|v| !v.is_null())?;
        if let Some(n) = v.as_number() {
            return n.as_f64().map(|value| Field { value, path });
        }
        match v.as_str() {
            Some(s) => match s.trim().parse::<f64>() {
                Ok(value) if value.is_finite() => Some(Field { value, path }),
                _ => {
                    self.bad(path, format!("{s:?} is not a number"));
                    None
                }
            },
            None => {
                self.bad(path, format!("must be a number, not {}", v.type_name()));
                None
            }
        }
    }

    /// An array field: its items with their paths (none when it is not an array).
    fn array<'d>(&mut self, v: Option<Val<'d>>, path: Ptr) -> impl Iterator<Item = (Val<'d>, Ptr)> {
        let v = v.filter(|v| !v.is_null());
        if let Some(other) = v.filter(|v| !v.is_array()) {
            self.bad(path, format!("must be an array, not {}", other.type_name()));
        }
        items(v, path)
    }

    fn object<'d>(&mut self, v: Option<Val<'d>>, path: Ptr) -> Option<Val<'d>> {
        let v = v.filter(|v| !v.is_null())?;
        if v.is_object() {
            Some(v)
        } else {
            self.bad(path, format!("must be an object, not {}", v.type_name()));
            None
        }
    }

    fn pointer(&mut self, v: Val, path: Ptr) -> Field<Pointer> {
        let value = if let Some(n) = v.as_number() {
            match n.as_i64() {
                Some(i) => Pointer::Index(i),
                None => Pointer::Invalid(n.to_string()),
            }
        } else if let Some(s) = v.as_str() {
            let t = s.trim();
            match t.parse::<i64>() {
                Ok(i) => Pointer::Index(i),
                Err(_) => match t.as_bytes() {
                    [c] if c.to_ascii_uppercase().is_ascii_uppercase() => {
                        Pointer::Index((c.to_ascii_uppercase() - b'A') as i64 + 1)
                    }
                    _ => Pointer::Invalid(s.to_string()),
                },
            }
        } else {
            Pointer::Invalid(v.to_value().to_string())
        };
        Field { value, path }
    }
}

fn read_medcode(obj: Val) -> Claim {
    let r = &mut Reader::default();
    let id = obj.get("id").and_then(|v| match (v.as_str(), v.as_number()) {
        (Some(s), _) => Some(s.to_string()),
        (_, Some(n)) => Some(n.to_string()),
        _ => None,
    });
    let patient = r.object(obj.get("patient"), Ptr::root(K::Patient));
    let birth_date_path = Ptr::root(K::Patient).key(K::BirthDate);
    let sex_path = Ptr::root(K::Patient).key(K::Sex);
    let birth_date = patient.and_then(|p| r.string(p.get("birthDate"), birth_date_path));
    let sex = patient.and_then(|p| r.string(p.get("sex").or_else(|| p.get("gender")), sex_path));
    let npi = |r: &mut Reader, key: K| {
        let base = Ptr::root(key);
        let p = r.object(obj.get(key.name()), base)?;
        r.string(p.get("npi"), base.key(K::Npi))
    };
    let billing_npi = npi(r, K::BillingProvider);
    let rendering_npi = npi(r, K::RenderingProvider);
    let place_of_service = r.string(obj.get("placeOfService"), Ptr::root(K::PlaceOfService));
    let mut diagnoses = Vec::new();
    for (v, path) in r.array(obj.get("diagnoses"), Ptr::root(K::Diagnoses)) {
        // `{ "code": "E11.9" }` objects are accepted too.
        let d = if v.is_object() { r.string(v.get("code"), path.key(K::Code)) } else { r.string(Some(v), path) };
        diagnoses.extend(d);
    }
    let mut lines = Vec::new();
    for (v, path) in r.array(obj.get("lines"), Ptr::root(K::Lines)) {
        let Some(o) = r.object(Some(v), path) else { continue };
        let modifiers_path = path.key(K::Modifiers);
        let mut modifiers = Vec::new();
        for (m, p) in r.array(o.get("modifiers"), modifiers_path) {
            modifiers.extend(r.string(Some(m), p));
        }
        let pointers_path = path.key(K::DiagnosisPointers);
        let mut pointers = Vec::new();
        for (p, pp) in r.array(o.get("diagnosisPointers"), pointers_path) {
            pointers.push(r.pointer(p, pp));
        }
        let code = r.string(o.get("code"), path.key(K::Code));
        let units_path = path.key(K::Units);
        let units = r.number(o.get("units"), units_path);
        let charge_path = path.key(K::Charge);
        let charge = r.number(o.get("charge"), charge_path);
        let service_date_path = path.key(K::ServiceDate);
        let service_date = r.string(o.get("serviceDate"), service_date_path);
        let service_date_to = r.string(o.get("serviceDateTo"), path.key(K::ServiceDateTo));
        let place_of_service = r.string(o.get("placeOfService"), path.key(K::PlaceOfService));
        lines.push(Line {
            code,
            modifiers,
            modifiers_path,
            units,
            units_path,
            charge,
            charge_path,
            service_date,
            service_date_path,
            service_date_to,
            pointers,
            pointers_path,
            place_of_service,
            path,
        });
    }
    Claim {
        format: Some(Format::Medcode),
        id,
        birth_date,
        birth_date_path,
        sex,
        sex_path,
        billing_npi,
        billing_npi_path: Ptr::root(K::BillingProvider).key(K::Npi),
        rendering_npi,
        place_of_service,
        diagnoses,
        diagnoses_path: Ptr::root(K::Diagnoses),
        lines,
        lines_path: Ptr::root(K::Lines),
        malformed: std::mem::take(&mut r.malformed),
    }
}

/// The first `coding[].code` of a CodeableConcept, with its path.
fn coding_code<'d>(r: &mut Reader, cc: Option<Val<'d>>, path: Ptr) -> Option<Field<&'d str>> {
    let cc = r.object(cc, path)?;
    let (first, p) = r.array(cc.get("coding"), path.key(K::Coding)).next()?;
    let c = r.object(Some(first), p)?;
    r.string(c.get("code"), p.key(K::Code))
}

/// A contained resource referenced as `#id` (or the only one of that type).
fn contained<'d>(obj: Val<'d>, reference: Option<Val>, types: &[&str]) -> Option<(usize, Val<'d>)> {
    let list = obj.get("contained")?.items()?;
    let want = reference.and_then(|r| r.get("reference")).and_then(Val::as_str).and_then(|s| s.strip_prefix('#'));
    let mut found = None;
    for (i, o) in list.enumerate() {
        if !o.is_object() {
            continue;
        }
        let ty = o.get("resourceType").and_then(Val::as_str).unwrap_or("");
        if !types.contains(&ty) {
            continue;
        }
        let id = o.get("id").and_then(Val::as_str);
        match want {
            Some(w) if id == Some(w) => return Some((i, o)),
            Some(_) => {}
            None if found.is_none() => found = Some((i, o)),
            None => {}
        }
    }
    found
}

const NPI_SYSTEM: &str = "http://hl7.org/fhir/sid/us-npi";

/// The NPI identifier of a contained Practitioner/Organization, with its path.
fn npi_of<'d>(r: &mut Reader, obj: Val<'d>, reference: Option<Val>) -> Option<Field<&'d str>> {
    let (i, res) = contained(obj, reference, &["Practitioner", "Organization", "PractitionerRole"])?;
    let base = Ptr::root(K::Contained).index(i).key(K::Identifier);
    for (o, p) in r.array(res.get("identifier"), base) {
        if !o.is_object() {
            continue;
        }
        if o.get("system").and_then(Val::as_str) == Some(NPI_SYSTEM) {
            return r.string(o.get("value"), p.key(K::Value));
        }
    }
    None
}

fn read_fhir(obj: Val) -> Claim {
    let r = &mut Reader::default();
    let id = obj.get("id").and_then(Val::as_str).map(str::to_string);

    let (birth_date, sex, patient_base) = match contained(obj, obj.get("patient"), &["Patient"]) {
        Some((i, p)) => {
            let base = Ptr::root(K::Contained).index(i);
            (r.string(p.get("birthDate"), base.key(K::BirthDate)), r.string(p.get("gender"), base.key(K::Gender)), base)
        }
        None => (None, None, Ptr::root(K::Patient)),
    };
    let billing_npi = npi_of(r, obj, obj.get("provider"));
    let care_team = obj.get("careTeam").and_then(Val::items);
    let rendering_ref = care_team.and_then(|mut t| t.next()).and_then(|m| m.get("provider"));
    let rendering_npi = rendering_ref.and_then(|rf| npi_of(r, obj, Some(rf)));

    // Diagnoses in sequence order; pointers (diagnosisSequence) name sequences.
    let mut diag: Vec<(i64, Field<&str>)> = Vec::new();
    for (v, path) in r.array(obj.get("diagnosis"), Ptr::root(K::Diagnosis)) {
        let Some(o) = r.object(Some(v), path) else { continue };
        let seq = o.get("sequence").and_then(Val::as_i64).unwrap_or(diag.len() as i64 + 1);
        let cc_path = path.key(K::DiagnosisCodeableConcept);
        if let Some(code) = coding_code(r, o.get("diagnosisCodeableConcept"), cc_path) {
            diag.push((seq, code));
        } else {
            r.bad(cc_path, "needs a coding with a code");
        }
    }
    diag.sort_by_key(|(s, _)| *s);
    let seq_to_pos: Vec<i64> = diag.iter().map(|(s, _)| *s).collect();

    let mut lines = Vec::new();
    for (v, path) in r.array(obj.get("item"), Ptr::root(K::Item)) {
        let Some(o) = r.object(Some(v), path) else { continue };
        let code = coding_code(r, o.get("productOrService"), path.key(K::ProductOrService));
        let modifiers_path = path.key(K::Modifier);
        let mut modifiers = Vec::new();
        for (m, mp) in r.array(o.get("modifier"), modifiers_path) {
            // Each modifier is a CodeableConcept; report its coding's code path.
            modifiers.extend(coding_code(r, Some(m), mp));
        }
        let units_path = path.key(K::Quantity).key(K::Value);
        let units = match o.get("quantity") {
            Some(q) => {
                let q = r.object(Some(q), path.key(K::Quantity));
                q.and_then(|q| r.number(q.get("value"), units_path))
            }
            None => None,
        };
        let (charge, charge_path) = {
            let key = if o.get("net").is_some() { K::Net } else { K::UnitPrice };
            let p = path.key(key).key(K::Value);
            let m = r.object(o.get(key.name()), path.key(key));
            (m.and_then(|m| r.number(m.get("value"), p)), p)
        };
        let (service_date, service_date_to, service_date_path) = if o.get("servicedPeriod").is_some() {
            let base = path.key(K::ServicedPeriod);
            let p = r.object(o.get("servicedPeriod"), base);
            (
                p.and_then(|p| r.string(p.get("start"), base.key(K::Start))),
                p.and_then(|p| r.string(p.get("end"), base.key(K::End))),
                base.key(K::Start),
            )
        } else {
            let p = path.key(K::ServicedDate);
            (r.string(o.get("servicedDate"), p), None, p)
        };
        let pointers_path = path.key(K::DiagnosisSequence);
        let mut pointers = Vec::new();
        for (p, pp) in r.array(o.get("diagnosisSequence"), pointers_path) {
            let mut f = r.pointer(p, pp);
            // Map the sequence number to a 1-based position in the sorted diagnoses.
            if let Pointer::Index(seq) = f.value {
                f.value = match seq_to_pos.iter().position(|&s| s == seq) {
                    Some(pos) => Pointer::Index(pos as i64 + 1),
                    None => Pointer::UnknownSequence(seq),
                };
            }
            pointers.push(f);
        }
        let place_of_service = coding_code(r, o.get("locationCodeableConcept"), path.key(K::LocationCodeableConcept));
        lines.push(Line {
            code,
            modifiers,
            modifiers_path,
            units,
            units_path,
            charge,
            charge_path,
            service_date,
            service_date_path,
            service_date_to,
            pointers,
            pointers_path,
            place_of_service,
            path,
        });
    }
    Claim {
        format: Some(Format::Fhir),
        id,
        birth_date,
        birth_date_path: patient_base.key(K::BirthDate),
        sex,
        sex_path: patient_base.key(K::Gender),
        billing_npi,
        billing_npi_path: Ptr::root(K::Provider),
        rendering_npi,
        // A claim-level place of service: FHIR has none; the first line's applies.
        place_of_service: None,
        diagnoses: diag.into_iter().map(|(_, f)| f).collect(),
        diagnoses_path: Ptr::root(K::Diagnosis),
        lines,
        lines_path: Ptr::root(K::Item),
        malformed: std::mem::take(&mut r.malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn medcode_claim_values_keep_their_paths() {
        let v = json!({"diagnoses": ["E11.9", {"code": "I10"}], "lines": [{"code": "G0439", "diagnosisPointers": [1, "B"], "units": "2"}]});
        let doc = Doc::from_value(&v);
        let c = read(&doc, None).unwrap();
        assert_eq!(c.diagnoses[1].path, "/diagnoses/1/code");
        assert_eq!(c.lines[0].pointers[1].value, Pointer::Index(2));
        assert_eq!(c.lines[0].units.as_ref().unwrap().value, 2.0);
        assert!(c.malformed.is_empty());
    }

    #[test]
    fn wrong_types_are_recorded_not_fatal() {
        let v = json!({"diagnoses": "E11.9", "lines": [{"units": true}]});
        let doc = Doc::from_value(&v);
        let c = read(&doc, None).unwrap();
        let paths: Vec<String> = c.malformed.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(paths, ["/diagnoses", "/lines/0/units"]);
    }

    #[test]
    fn fhir_paths_point_into_the_fhir_document() {
        let doc = json!({
            "resourceType": "Claim",
            "patient": {"reference": "#p"},
            "contained": [{"resourceType": "Patient", "id": "p", "birthDate": "1950-03-02", "gender": "female"}],
            "diagnosis": [
                {"sequence": 2, "diagnosisCodeableConcept": {"coding": [{"code": "I10"}]}},
                {"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"code": "E11.9"}]}}
            ],
            "item": [{"productOrService": {"coding": [{"code": "G0439"}]}, "diagnosisSequence": [2], "servicedDate": "2026-05-01"}]
        });
        let doc = Doc::from_value(&doc);
        let c = read(&doc, None).unwrap();
        assert_eq!(c.diagnoses[0].value, "E11.9");
        assert_eq!(c.diagnoses[0].path, "/diagnosis/1/diagnosisCodeableConcept/coding/0/code");
        assert_eq!(c.lines[0].pointers[0].value, Pointer::Index(2));
        assert_eq!(c.sex.as_ref().unwrap().path, "/contained/0/gender");
        assert_eq!(c.lines[0].code.as_ref().unwrap().path, "/item/0/productOrService/coding/0/code");
    }

    #[test]
    fn not_an_object_is_an_error() {
        assert!(read(&Doc::from_value(&json!([1, 2])), None).is_err());
        assert!(read(&Doc::from_value(&json!({"resourceType": "Patient"})), None).is_err());
    }
}
