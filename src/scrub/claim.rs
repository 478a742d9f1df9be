//! The internal claim: one shape for the medcode claim JSON and the FHIR R4
//! `Claim`, where every value remembers the JSON pointer it came from, so a
//! finding points into the document exactly as the user wrote it.

use serde_json::{Map, Value};

/// A value and the RFC 6901 pointer to it in the input.
#[derive(Clone, Debug, PartialEq)]
pub struct Field<T> {
    pub value: T,
    pub path: String,
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
pub struct Line {
    /// Pointer to the line object (`/lines/0`, `/item/0`).
    pub path: String,
    pub code: Option<Field<String>>,
    pub modifiers: Vec<Field<String>>,
    pub modifiers_path: String,
    pub units: Option<Field<f64>>,
    pub units_path: String,
    pub charge: Option<Field<f64>>,
    pub charge_path: String,
    pub service_date: Option<Field<String>>,
    pub service_date_path: String,
    pub service_date_to: Option<Field<String>>,
    pub pointers: Vec<Field<Pointer>>,
    pub pointers_path: String,
    pub place_of_service: Option<Field<String>>,
}

/// The claim every edit reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Claim {
    pub format: Option<Format>,
    pub id: Option<String>,
    pub birth_date: Option<Field<String>>,
    pub birth_date_path: String,
    pub sex: Option<Field<String>>,
    pub sex_path: String,
    pub billing_npi: Option<Field<String>>,
    pub billing_npi_path: String,
    pub rendering_npi: Option<Field<String>>,
    pub place_of_service: Option<Field<String>>,
    pub diagnoses: Vec<Field<String>>,
    pub diagnoses_path: String,
    pub lines: Vec<Line>,
    pub lines_path: String,
    /// Structural problems found while reading (path, what is wrong):
    /// reported as CLAIM-MALFORMED.
    pub malformed: Vec<(String, String)>,
}

/// Escapes one reference token of a JSON pointer (RFC 6901).
pub fn escape(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1").into()
    } else {
        token.into()
    }
}

fn join(base: &str, token: &str) -> String {
    let token = escape(token);
    let mut s = String::with_capacity(base.len() + 1 + token.len());
    s.push_str(base);
    s.push('/');
    s.push_str(&token);
    s
}

fn idx(base: &str, i: usize) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(base.len() + 4);
    s.push_str(base);
    let _ = write!(s, "/{i}");
    s
}

/// Reads a claim of either shape from a parsed JSON document.
/// `Err` only when the document is not a claim at all (not an object).
pub fn read(doc: &Value, format: Option<Format>) -> Result<Claim, String> {
    let obj = doc.as_object().ok_or("a claim must be a JSON object")?;
    let fhir = match format {
        Some(f) => f == Format::Fhir,
        None => obj.get("resourceType").is_some(),
    };
    if fhir {
        match obj.get("resourceType").and_then(Value::as_str) {
            Some("Claim") => Ok(read_fhir(obj)),
            Some(other) => Err(format!("resourceType is {other:?}; only a FHIR R4 Claim is accepted")),
            None => Err("a FHIR claim needs \"resourceType\": \"Claim\"".into()),
        }
    } else {
        Ok(read_medcode(obj))
    }
}

/// A context that records malformed values while reading.
struct Reader<'a> {
    claim: &'a mut Claim,
}

impl Reader<'_> {
    fn bad(&mut self, path: String, what: impl Into<String>) {
        self.claim.malformed.push((path, what.into()));
    }

    /// A string field; a wrong type is recorded and yields `None`.
    fn string(&mut self, v: Option<&Value>, path: String) -> Option<Field<String>> {
        match v {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(Field { value: s.clone(), path }),
            Some(other) => {
                self.bad(path, format!("must be a string, not {}", type_name(other)));
                None
            }
        }
    }

    /// A number field; numeric strings are accepted.
    fn number(&mut self, v: Option<&Value>, path: String) -> Option<Field<f64>> {
        match v {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_f64().map(|value| Field { value, path }),
            Some(Value::String(s)) => match s.trim().parse::<f64>() {
                Ok(value) if value.is_finite() => Some(Field { value, path }),
                _ => {
                    self.bad(path, format!("{s:?} is not a number"));
                    None
                }
            },
            Some(other) => {
                self.bad(path, format!("must be a number, not {}", type_name(other)));
                None
            }
        }
    }

    /// An array field: its items with their paths.
    fn array<'v>(&mut self, v: Option<&'v Value>, path: &str) -> Vec<(&'v Value, String)> {
        match v {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.iter().enumerate().map(|(i, x)| (x, idx(path, i))).collect(),
            Some(other) => {
                self.bad(path.to_string(), format!("must be an array, not {}", type_name(other)));
                Vec::new()
            }
        }
    }

    fn object<'v>(&mut self, v: Option<&'v Value>, path: &str) -> Option<&'v Map<String, Value>> {
        match v {
            None | Some(Value::Null) => None,
            Some(Value::Object(o)) => Some(o),
            Some(other) => {
                self.bad(path.to_string(), format!("must be an object, not {}", type_name(other)));
                None
            }
        }
    }

    fn pointer(&mut self, v: &Value, path: String) -> Field<Pointer> {
        let value = match v {
            Value::Number(n) => match n.as_i64() {
                Some(i) => Pointer::Index(i),
                None => Pointer::Invalid(n.to_string()),
            },
            Value::String(s) => {
                let t = s.trim();
                match t.parse::<i64>() {
                    Ok(i) => Pointer::Index(i),
                    Err(_) => match t.as_bytes() {
                        [c] if c.to_ascii_uppercase().is_ascii_uppercase() => {
                            Pointer::Index((c.to_ascii_uppercase() - b'A') as i64 + 1)
                        }
                        _ => Pointer::Invalid(s.clone()),
                    },
                }
            }
            other => Pointer::Invalid(other.to_string()),
        };
        Field { value, path }
    }
}

pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn read_medcode(obj: &Map<String, Value>) -> Claim {
    let mut claim = Claim { format: Some(Format::Medcode), ..Claim::default() };
    let r = &mut Reader { claim: &mut claim };
    let id = match obj.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let patient = r.object(obj.get("patient"), "/patient");
    let birth_date = patient.and_then(|p| r.string(p.get("birthDate"), "/patient/birthDate".into()));
    let sex = patient.and_then(|p| r.string(p.get("sex").or_else(|| p.get("gender")), "/patient/sex".into()));
    let npi = |r: &mut Reader, key: &str| {
        let base = format!("/{key}");
        let p = r.object(obj.get(key), &base)?;
        r.string(p.get("npi"), format!("{base}/npi"))
    };
    let billing_npi = npi(r, "billingProvider");
    let rendering_npi = npi(r, "renderingProvider");
    let place_of_service = r.string(obj.get("placeOfService"), "/placeOfService".into());
    let diagnoses: Vec<Field<String>> = r
        .array(obj.get("diagnoses"), "/diagnoses")
        .into_iter()
        .filter_map(|(v, path)| match v {
            // `{ "code": "E11.9" }` objects are accepted too.
            Value::Object(o) => r.string(o.get("code"), join(&path, "code")),
            other => r.string(Some(other), path),
        })
        .collect();
    let mut lines = Vec::new();
    for (v, path) in r.array(obj.get("lines"), "/lines") {
        let Some(o) = r.object(Some(v), &path) else { continue };
        let modifiers_path = join(&path, "modifiers");
        let modifiers = r
            .array(o.get("modifiers"), &modifiers_path)
            .into_iter()
            .filter_map(|(m, p)| r.string(Some(m), p))
            .collect();
        let pointers_path = join(&path, "diagnosisPointers");
        let pointers = r
            .array(o.get("diagnosisPointers"), &pointers_path)
            .into_iter()
            .map(|(p, path)| r.pointer(p, path))
            .collect();
        lines.push(Line {
            code: r.string(o.get("code"), join(&path, "code")),
            modifiers,
            modifiers_path,
            units: r.number(o.get("units"), join(&path, "units")),
            units_path: join(&path, "units"),
            charge: r.number(o.get("charge"), join(&path, "charge")),
            charge_path: join(&path, "charge"),
            service_date: r.string(o.get("serviceDate"), join(&path, "serviceDate")),
            service_date_path: join(&path, "serviceDate"),
            service_date_to: r.string(o.get("serviceDateTo"), join(&path, "serviceDateTo")),
            pointers,
            pointers_path,
            place_of_service: r.string(o.get("placeOfService"), join(&path, "placeOfService")),
            path,
        });
    }
    claim = Claim {
        format: Some(Format::Medcode),
        id,
        birth_date,
        birth_date_path: "/patient/birthDate".into(),
        sex,
        sex_path: "/patient/sex".into(),
        billing_npi,
        billing_npi_path: "/billingProvider/npi".into(),
        rendering_npi,
        place_of_service,
        diagnoses,
        diagnoses_path: "/diagnoses".into(),
        lines,
        lines_path: "/lines".into(),
        malformed: std::mem::take(&mut claim.malformed),
    };
    claim
}

/// The first `coding[].code` of a CodeableConcept, with its path.
fn coding_code(r: &mut Reader, cc: Option<&Value>, path: &str) -> Option<Field<String>> {
    let cc = r.object(cc, path)?;
    let codings = r.array(cc.get("coding"), &join(path, "coding"));
    let (first, p) = codings.into_iter().next()?;
    let c = r.object(Some(first), &p)?;
    r.string(c.get("code"), join(&p, "code"))
}

/// A contained resource referenced as `#id` (or the only one of that type).
fn contained<'v>(
    obj: &'v Map<String, Value>,
    reference: Option<&Value>,
    types: &[&str],
) -> Option<(usize, &'v Map<String, Value>)> {
    let list = obj.get("contained")?.as_array()?;
    let want = reference.and_then(|r| r.get("reference")).and_then(Value::as_str).and_then(|s| s.strip_prefix('#'));
    let mut found = None;
    for (i, res) in list.iter().enumerate() {
        let Some(o) = res.as_object() else { continue };
        let ty = o.get("resourceType").and_then(Value::as_str).unwrap_or("");
        if !types.contains(&ty) {
            continue;
        }
        let id = o.get("id").and_then(Value::as_str);
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
fn npi_of(r: &mut Reader, obj: &Map<String, Value>, reference: Option<&Value>) -> Option<Field<String>> {
    let (i, res) = contained(obj, reference, &["Practitioner", "Organization", "PractitionerRole"])?;
    let base = format!("/contained/{i}/identifier");
    let ids = r.array(res.get("identifier"), &base);
    for (v, p) in ids {
        let Some(o) = v.as_object() else { continue };
        if o.get("system").and_then(Value::as_str) == Some(NPI_SYSTEM) {
            return r.string(o.get("value"), join(&p, "value"));
        }
    }
    None
}

fn read_fhir(obj: &Map<String, Value>) -> Claim {
    let mut claim = Claim { format: Some(Format::Fhir), ..Claim::default() };
    let r = &mut Reader { claim: &mut claim };
    let id = obj.get("id").and_then(Value::as_str).map(str::to_string);

    let (birth_date, sex, patient_base) = match contained(obj, obj.get("patient"), &["Patient"]) {
        Some((i, p)) => {
            let base = format!("/contained/{i}");
            (
                r.string(p.get("birthDate"), join(&base, "birthDate")),
                r.string(p.get("gender"), join(&base, "gender")),
                base,
            )
        }
        None => (None, None, "/patient".to_string()),
    };
    let billing_npi = npi_of(r, obj, obj.get("provider"));
    let care_team = obj.get("careTeam").and_then(Value::as_array);
    let rendering_ref = care_team.and_then(|t| t.first()).and_then(|m| m.get("provider"));
    let rendering_npi = rendering_ref.and_then(|rf| npi_of(r, obj, Some(rf)));

    // Diagnoses in sequence order; pointers (diagnosisSequence) name sequences.
    let mut diag: Vec<(i64, Field<String>)> = Vec::new();
    for (v, path) in r.array(obj.get("diagnosis"), "/diagnosis") {
        let Some(o) = r.object(Some(v), &path) else { continue };
        let seq = o.get("sequence").and_then(Value::as_i64).unwrap_or(diag.len() as i64 + 1);
        if let Some(code) = coding_code(r, o.get("diagnosisCodeableConcept"), &join(&path, "diagnosisCodeableConcept"))
        {
            diag.push((seq, code));
        } else {
            r.bad(join(&path, "diagnosisCodeableConcept"), "needs a coding with a code");
        }
    }
    diag.sort_by_key(|(s, _)| *s);
    let seq_to_pos: Vec<i64> = diag.iter().map(|(s, _)| *s).collect();

    let mut lines = Vec::new();
    for (v, path) in r.array(obj.get("item"), "/item") {
        let Some(o) = r.object(Some(v), &path) else { continue };
        let code = coding_code(r, o.get("productOrService"), &join(&path, "productOrService"));
        let modifiers_path = join(&path, "modifier");
        let mut modifiers = Vec::new();
        for (m, mp) in r.array(o.get("modifier"), &modifiers_path) {
            // Each modifier is a CodeableConcept; report its coding's code path.
            if let Some(f) = coding_code(r, Some(m), &mp) {
                modifiers.push(f);
            }
        }
        let units_path = join(&join(&path, "quantity"), "value");
        let units = match o.get("quantity") {
            Some(q) => {
                let q = r.object(Some(q), &join(&path, "quantity"));
                q.and_then(|q| r.number(q.get("value"), units_path.clone()))
            }
            None => None,
        };
        let (charge, charge_path) = {
            let key = if o.get("net").is_some() { "net" } else { "unitPrice" };
            let p = join(&join(&path, key), "value");
            let m = r.object(o.get(key), &join(&path, key));
            (m.and_then(|m| r.number(m.get("value"), p.clone())), p)
        };
        let (service_date, service_date_to, service_date_path) = if o.get("servicedPeriod").is_some() {
            let base = join(&path, "servicedPeriod");
            let p = r.object(o.get("servicedPeriod"), &base);
            (
                p.and_then(|p| r.string(p.get("start"), join(&base, "start"))),
                p.and_then(|p| r.string(p.get("end"), join(&base, "end"))),
                join(&base, "start"),
            )
        } else {
            let p = join(&path, "servicedDate");
            (r.string(o.get("servicedDate"), p.clone()), None, p)
        };
        let pointers_path = join(&path, "diagnosisSequence");
        let pointers = r
            .array(o.get("diagnosisSequence"), &pointers_path)
            .into_iter()
            .map(|(p, pp)| {
                let mut f = r.pointer(p, pp);
                // Map the sequence number to a 1-based position in the sorted diagnoses.
                if let Pointer::Index(seq) = f.value {
                    f.value = match seq_to_pos.iter().position(|&s| s == seq) {
                        Some(pos) => Pointer::Index(pos as i64 + 1),
                        None => Pointer::UnknownSequence(seq),
                    };
                }
                f
            })
            .collect();
        let place_of_service =
            coding_code(r, o.get("locationCodeableConcept"), &join(&path, "locationCodeableConcept"));
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
    // A claim-level place of service: FHIR has none; the first line's applies.
    let place_of_service = None;
    claim = Claim {
        format: Some(Format::Fhir),
        id,
        birth_date,
        birth_date_path: join(&patient_base, "birthDate"),
        sex,
        sex_path: join(&patient_base, "gender"),
        billing_npi,
        billing_npi_path: "/provider".into(),
        rendering_npi,
        place_of_service,
        diagnoses: diag.into_iter().map(|(_, f)| f).collect(),
        diagnoses_path: "/diagnosis".into(),
        lines,
        lines_path: "/item".into(),
        malformed: std::mem::take(&mut claim.malformed),
    };
    claim
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn medcode_claim_values_keep_their_paths() {
        let c = read(
            &json!({"diagnoses": ["E11.9", {"code": "I10"}], "lines": [{"code": "G0439", "diagnosisPointers": [1, "B"], "units": "2"}]}),
            None,
        )
        .unwrap();
        assert_eq!(c.diagnoses[1].path, "/diagnoses/1/code");
        assert_eq!(c.lines[0].pointers[1].value, Pointer::Index(2));
        assert_eq!(c.lines[0].units.as_ref().unwrap().value, 2.0);
        assert!(c.malformed.is_empty());
    }

    #[test]
    fn wrong_types_are_recorded_not_fatal() {
        let c = read(&json!({"diagnoses": "E11.9", "lines": [{"units": true}]}), None).unwrap();
        let paths: Vec<&str> = c.malformed.iter().map(|(p, _)| p.as_str()).collect();
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
        let c = read(&doc, None).unwrap();
        assert_eq!(c.diagnoses[0].value, "E11.9");
        assert_eq!(c.diagnoses[0].path, "/diagnosis/1/diagnosisCodeableConcept/coding/0/code");
        assert_eq!(c.lines[0].pointers[0].value, Pointer::Index(2));
        assert_eq!(c.sex.as_ref().unwrap().path, "/contained/0/gender");
        assert_eq!(c.lines[0].code.as_ref().unwrap().path, "/item/0/productOrService/coding/0/code");
    }

    #[test]
    fn not_an_object_is_an_error() {
        assert!(read(&json!([1, 2]), None).is_err());
        assert!(read(&json!({"resourceType": "Patient"}), None).is_err());
    }
}
