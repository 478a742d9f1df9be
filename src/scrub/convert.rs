//! Conversion between the medcode claim JSON and a FHIR R4 `Claim` (for the
//! demo's import/export and for the FHIR twins of the test fixtures).
//! Values are carried over as given, even bad ones, so the converted claim
//! gets the same findings.

use serde_json::{json, Map, Value};

const NPI_SYSTEM: &str = "http://hl7.org/fhir/sid/us-npi";
const ICD10CM_SYSTEM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
const HCPCS_SYSTEM: &str = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
const POS_SYSTEM: &str = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set";

fn coding(system: &str, code: &Value) -> Value {
    json!({"coding": [{"system": system, "code": code}]})
}

fn gender(sex: &Value) -> Value {
    match sex.as_str().map(|s| s.trim().to_ascii_uppercase()) {
        Some(s) if s == "F" => json!("female"),
        Some(s) if s == "M" => json!("male"),
        Some(s) if s == "U" => json!("unknown"),
        _ => sex.clone(),
    }
}

/// A medcode claim → a FHIR R4 `Claim` with contained Patient and Practitioners.
pub fn to_fhir(claim: &Value) -> Result<Value, String> {
    let c = claim.as_object().ok_or("a claim must be a JSON object")?;
    let mut out = Map::new();
    out.insert("resourceType".into(), json!("Claim"));
    if let Some(id) = c.get("id") {
        out.insert("id".into(), id.clone());
    }
    out.insert("status".into(), json!("active"));
    out.insert(
        "type".into(),
        json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]}),
    );
    out.insert("use".into(), json!("claim"));
    let mut contained = Vec::new();
    if let Some(p) = c.get("patient").and_then(Value::as_object) {
        let mut patient = Map::new();
        patient.insert("resourceType".into(), json!("Patient"));
        patient.insert("id".into(), json!("patient"));
        if let Some(b) = p.get("birthDate") {
            patient.insert("birthDate".into(), b.clone());
        }
        if let Some(s) = p.get("sex") {
            patient.insert("gender".into(), gender(s));
        }
        contained.push(Value::Object(patient));
        out.insert("patient".into(), json!({"reference": "#patient"}));
    }
    for (key, id) in [("billingProvider", "billing"), ("renderingProvider", "rendering")] {
        if let Some(npi) = c.get(key).and_then(|p| p.get("npi")) {
            contained.push(json!({
                "resourceType": "Practitioner",
                "id": id,
                "identifier": [{"system": NPI_SYSTEM, "value": npi}]
            }));
        }
    }
    if c.get("billingProvider").is_some() {
        out.insert("provider".into(), json!({"reference": "#billing"}));
    }
    if c.get("renderingProvider").is_some() {
        out.insert("careTeam".into(), json!([{"sequence": 1, "provider": {"reference": "#rendering"}}]));
    }
    if !contained.is_empty() {
        out.insert("contained".into(), Value::Array(contained));
    }
    out.insert("priority".into(), json!({"coding": [{"code": "normal"}]}));
    out.insert("insurance".into(), json!([{"sequence": 1, "focal": true, "coverage": {"display": "unknown"}}]));
    if let Some(dx) = c.get("diagnoses").and_then(Value::as_array) {
        let list: Vec<Value> = dx
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let code = d.get("code").unwrap_or(d);
                json!({"sequence": i + 1, "diagnosisCodeableConcept": coding(ICD10CM_SYSTEM, code)})
            })
            .collect();
        out.insert("diagnosis".into(), Value::Array(list));
    }
    let claim_pos = c.get("placeOfService");
    if let Some(lines) = c.get("lines").and_then(Value::as_array) {
        let items: Vec<Value> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut item = Map::new();
                item.insert("sequence".into(), json!(i + 1));
                if let Some(code) = l.get("code") {
                    item.insert("productOrService".into(), coding(HCPCS_SYSTEM, code));
                }
                if let Some(mods) = l.get("modifiers").and_then(Value::as_array) {
                    let m: Vec<Value> = mods.iter().map(|m| json!({"coding": [{"code": m}]})).collect();
                    item.insert("modifier".into(), Value::Array(m));
                }
                if let Some(u) = l.get("units") {
                    item.insert("quantity".into(), json!({"value": u}));
                }
                if let Some(ch) = l.get("charge") {
                    item.insert("net".into(), json!({"value": ch, "currency": "USD"}));
                }
                match (l.get("serviceDate"), l.get("serviceDateTo")) {
                    (Some(from), Some(to)) => {
                        item.insert("servicedPeriod".into(), json!({"start": from, "end": to}));
                    }
                    (Some(from), None) => {
                        item.insert("servicedDate".into(), from.clone());
                    }
                    _ => {}
                }
                if let Some(ptrs) = l.get("diagnosisPointers").and_then(Value::as_array) {
                    let seq: Vec<Value> = ptrs
                        .iter()
                        .map(|p| match p.as_str().map(|s| s.trim().as_bytes()) {
                            Some(&[c]) if c.is_ascii_alphabetic() => json!((c.to_ascii_uppercase() - b'A') as i64 + 1),
                            _ => p.clone(),
                        })
                        .collect();
                    item.insert("diagnosisSequence".into(), Value::Array(seq));
                }
                if let Some(pos) = l.get("placeOfService").or(claim_pos) {
                    item.insert("locationCodeableConcept".into(), coding(POS_SYSTEM, pos));
                }
                Value::Object(item)
            })
            .collect();
        out.insert("item".into(), Value::Array(items));
    }
    Ok(Value::Object(out))
}

/// A FHIR R4 `Claim` → a medcode claim (the fields medcode reads).
pub fn from_fhir(fhir: &Value) -> Result<Value, String> {
    let f = fhir.as_object().ok_or("a FHIR Claim must be a JSON object")?;
    if f.get("resourceType").and_then(Value::as_str) != Some("Claim") {
        return Err("resourceType must be \"Claim\"".into());
    }
    let contained: Vec<&Map<String, Value>> = f
        .get("contained")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default();
    let find = |reference: Option<&Value>, types: &[&str]| {
        let want = reference.and_then(|r| r.get("reference")).and_then(Value::as_str).and_then(|s| s.strip_prefix('#'));
        contained.iter().copied().find(|r| {
            types.contains(&r.get("resourceType").and_then(Value::as_str).unwrap_or(""))
                && want.is_none_or(|w| r.get("id").and_then(Value::as_str) == Some(w))
        })
    };
    let npi = |r: Option<&Map<String, Value>>| {
        r.and_then(|r| {
            r.get("identifier")?
                .as_array()?
                .iter()
                .find(|i| i.get("system").and_then(Value::as_str) == Some(NPI_SYSTEM))
                .and_then(|i| i.get("value"))
                .cloned()
        })
    };
    let code_of = |cc: Option<&Value>| cc.and_then(|c| c.get("coding")?.get(0)?.get("code")).cloned();
    let mut out = Map::new();
    if let Some(id) = f.get("id") {
        out.insert("id".into(), id.clone());
    }
    if let Some(p) = find(f.get("patient"), &["Patient"]) {
        let sex = match p.get("gender").and_then(Value::as_str) {
            Some("female") => json!("F"),
            Some("male") => json!("M"),
            Some("unknown") | Some("other") => json!("U"),
            _ => p.get("gender").cloned().unwrap_or(Value::Null),
        };
        out.insert("patient".into(), json!({"birthDate": p.get("birthDate"), "sex": sex}));
    }
    if let Some(n) = npi(find(f.get("provider"), &["Practitioner", "Organization", "PractitionerRole"])) {
        out.insert("billingProvider".into(), json!({"npi": n}));
    }
    let care = f.get("careTeam").and_then(|t| t.get(0)).and_then(|m| m.get("provider"));
    if let Some(n) = care.and_then(|c| npi(find(Some(c), &["Practitioner", "Organization", "PractitionerRole"]))) {
        out.insert("renderingProvider".into(), json!({"npi": n}));
    }
    let mut dx: Vec<(i64, Value)> = f
        .get("diagnosis")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .enumerate()
                .map(|(i, d)| {
                    let seq = d.get("sequence").and_then(Value::as_i64).unwrap_or(i as i64 + 1);
                    (seq, code_of(d.get("diagnosisCodeableConcept")).unwrap_or(Value::Null))
                })
                .collect()
        })
        .unwrap_or_default();
    dx.sort_by_key(|(s, _)| *s);
    let seqs: Vec<i64> = dx.iter().map(|(s, _)| *s).collect();
    out.insert("diagnoses".into(), Value::Array(dx.into_iter().map(|(_, c)| c).collect()));
    let items = f.get("item").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut first_pos = None;
    let lines: Vec<Value> = items
        .iter()
        .map(|it| {
            let mut l = Map::new();
            if let Some(c) = code_of(it.get("productOrService")) {
                l.insert("code".into(), c);
            }
            if let Some(m) = it.get("modifier").and_then(Value::as_array) {
                l.insert("modifiers".into(), Value::Array(m.iter().filter_map(|m| code_of(Some(m))).collect()));
            }
            if let Some(q) = it.get("quantity").and_then(|q| q.get("value")) {
                l.insert("units".into(), q.clone());
            }
            if let Some(v) = it.get("net").or_else(|| it.get("unitPrice")).and_then(|n| n.get("value")) {
                l.insert("charge".into(), v.clone());
            }
            if let Some(p) = it.get("servicedPeriod") {
                if let Some(s) = p.get("start") {
                    l.insert("serviceDate".into(), s.clone());
                }
                if let Some(e) = p.get("end") {
                    l.insert("serviceDateTo".into(), e.clone());
                }
            } else if let Some(d) = it.get("servicedDate") {
                l.insert("serviceDate".into(), d.clone());
            }
            if let Some(ptrs) = it.get("diagnosisSequence").and_then(Value::as_array) {
                let mapped: Vec<Value> = ptrs
                    .iter()
                    .map(|p| match p.as_i64().and_then(|s| seqs.iter().position(|&x| x == s)) {
                        Some(pos) => json!(pos + 1),
                        None => p.clone(),
                    })
                    .collect();
                l.insert("diagnosisPointers".into(), Value::Array(mapped));
            }
            if let Some(pos) = code_of(it.get("locationCodeableConcept")) {
                first_pos.get_or_insert(pos.clone());
                l.insert("placeOfService".into(), pos);
            }
            Value::Object(l)
        })
        .collect();
    if let Some(p) = first_pos {
        out.insert("placeOfService".into(), p);
    }
    out.insert("lines".into(), Value::Array(lines));
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_medcode_claim_survives_the_round_trip_through_fhir() {
        let claim = json!({
            "id": "c1",
            "patient": {"birthDate": "1950-03-02", "sex": "F"},
            "billingProvider": {"npi": "1234567893"},
            "placeOfService": "11",
            "diagnoses": ["E11.9", "I10"],
            "lines": [{"code": "G0439", "modifiers": ["25"], "units": 1, "charge": 125.0,
                       "serviceDate": "2026-05-01", "diagnosisPointers": [1, "B"], "placeOfService": "11"}]
        });
        let back = from_fhir(&to_fhir(&claim).unwrap()).unwrap();
        assert_eq!(back["diagnoses"], json!(["E11.9", "I10"]));
        assert_eq!(back["lines"][0]["diagnosisPointers"], json!([1, 2]));
        assert_eq!(back["patient"]["sex"], "F");
        assert_eq!(back["billingProvider"]["npi"], "1234567893");
    }
}
