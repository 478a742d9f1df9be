//! `pos/pos.tsv`: the CMS Place of Service code set.
//!
//! No package ships it, so the list is written out here. It is the public
//! domain table CMS publishes as the "Place of Service Code Set" (Medicare
//! Claims Processing Manual, Pub. 100-04, chapter 26, section 10.5), with
//! the codes assigned as of 2026: the latest additions are 27 Outreach
//! Site/Street (October 1, 2023) and 66 PACE Center (August 1, 2024). Codes
//! CMS lists as "Unassigned" (28-30, 35-40, 43-48, 59, 63-64, 67-70, 73-80,
//! 82-98) are left out. The descriptions are CMS's, without the "(Effective
//! ...)" remarks; dashes and apostrophes are written in ASCII.

use std::path::Path;

use crate::tsv::TsvWriter;

/// Where the list comes from, for `MANIFEST.toml`.
pub const SOURCE: &str = "CMS Place of Service Code Set (public domain; Medicare Claims Processing Manual, \
     Pub. 100-04, chapter 26, section 10.5), codes assigned as of 2026 including 27 (2023-10-01) and 66 \
     (2024-08-01), written out in codegen/src/import/pos.rs";

/// `(code, name, description)`, sorted by code.
pub const CODES: &[(&str, &str, &str)] = &[
    ("01", "Pharmacy", "A facility or location where drugs and other medically related items and services are sold, dispensed, or otherwise provided directly to patients."),
    ("02", "Telehealth Provided Other than in Patient's Home", "The location where health services and health related services are provided or received, through telecommunication technology. Patient is not located in their home when receiving health services or health related services through telecommunication technology."),
    ("03", "School", "A facility whose primary purpose is education."),
    ("04", "Homeless Shelter", "A facility or location whose primary purpose is to provide temporary housing to homeless individuals (e.g., emergency shelters, individual or family shelters)."),
    ("05", "Indian Health Service Free-standing Facility", "A facility or location, owned and operated by the Indian Health Service, which provides diagnostic, therapeutic (surgical and non-surgical), and rehabilitation services to American Indians and Alaska Natives who do not require hospitalization."),
    ("06", "Indian Health Service Provider-based Facility", "A facility or location, owned and operated by the Indian Health Service, which provides diagnostic, therapeutic (surgical and non-surgical), and rehabilitation services rendered by, or under the supervision of, physicians to American Indians and Alaska Natives admitted as inpatients or outpatients."),
    ("07", "Tribal 638 Free-standing Facility", "A facility or location owned and operated by a federally recognized American Indian or Alaska Native tribe or tribal organization under a 638 agreement, which provides diagnostic, therapeutic (surgical and non-surgical), and rehabilitation services to tribal members who do not require hospitalization."),
    ("08", "Tribal 638 Provider-based Facility", "A facility or location owned and operated by a federally recognized American Indian or Alaska Native tribe or tribal organization under a 638 agreement, which provides diagnostic, therapeutic (surgical and non-surgical), and rehabilitation services to tribal members admitted as inpatients or outpatients."),
    ("09", "Prison/Correctional Facility", "A prison, jail, reformatory, work farm, detention center, or any other similar facility maintained by either Federal, State or local authorities for the purpose of confinement or rehabilitation of adult or juvenile criminal offenders."),
    ("10", "Telehealth Provided in Patient's Home", "The location where health services and health related services are provided or received, through telecommunication technology. Patient is located in their home (which is a location other than a hospital or other facility where the patient receives care in a private residence) when receiving health services or health related services through telecommunication technology."),
    ("11", "Office", "Location, other than a hospital, skilled nursing facility (SNF), military treatment facility, community health center, State or local public health clinic, or intermediate care facility (ICF), where the health professional routinely provides health examinations, diagnosis, and treatment of illness or injury on an ambulatory basis."),
    ("12", "Home", "Location, other than a hospital or other facility, where the patient receives care in a private residence."),
    ("13", "Assisted Living Facility", "Congregate residential facility with self-contained living units providing assessment of each resident's needs and on-site support 24 hours a day, 7 days a week, with the capacity to deliver or arrange for services including some health care and other services."),
    ("14", "Group Home", "A residence, with shared living areas, where clients receive supervision and other services such as social and/or behavioral services, custodial service, and minimal services (e.g., medication administration)."),
    ("15", "Mobile Unit", "A facility/unit that moves from place-to-place equipped to provide preventive, screening, diagnostic, and/or treatment services."),
    ("16", "Temporary Lodging", "A short term accommodation such as a hotel, camp ground, hostel, cruise ship or resort where the patient receives care, and which is not identified by any other POS code."),
    ("17", "Walk-in Retail Health Clinic", "A walk-in health clinic, other than an office, urgent care facility, pharmacy or independent clinic and not described by any other Place of Service code, that is located within a retail operation and provides, on an ambulatory basis, preventive and primary care services."),
    ("18", "Place of Employment-Worksite", "A location, not described by any other POS code, owned or operated by a public or private entity where the patient is employed, and where a health professional provides on-going or episodic occupational medical, therapeutic or rehabilitative services to the individual."),
    ("19", "Off Campus-Outpatient Hospital", "A portion of an off-campus hospital provider based department which provides diagnostic, therapeutic (both surgical and nonsurgical), and rehabilitation services to sick or injured persons who do not require hospitalization or institutionalization."),
    ("20", "Urgent Care Facility", "Location, distinct from a hospital emergency room, an office, or a clinic, whose purpose is to diagnose and treat illness or injury for unscheduled, ambulatory patients seeking immediate medical attention."),
    ("21", "Inpatient Hospital", "A facility, other than psychiatric, which primarily provides diagnostic, therapeutic (both surgical and nonsurgical), and rehabilitation services by, or under, the supervision of physicians to patients admitted for a variety of medical conditions."),
    ("22", "On Campus-Outpatient Hospital", "A portion of a hospital's main campus which provides diagnostic, therapeutic (both surgical and nonsurgical), and rehabilitation services to sick or injured persons who do not require hospitalization or institutionalization."),
    ("23", "Emergency Room - Hospital", "A portion of a hospital where emergency diagnosis and treatment of illness or injury is provided."),
    ("24", "Ambulatory Surgical Center", "A freestanding facility, other than a physician's office, where surgical and diagnostic services are provided on an ambulatory basis."),
    ("25", "Birthing Center", "A facility, other than a hospital's maternity facilities or a physician's office, which provides a setting for labor, delivery, and immediate post-partum care as well as immediate care of new born infants."),
    ("26", "Military Treatment Facility", "A medical facility operated by one or more of the Uniformed Services. Military Treatment Facility (MTF) also refers to certain former U.S. Public Health Service (USPHS) facilities now designated as Uniformed Service Treatment Facilities (USTF)."),
    ("27", "Outreach Site/Street", "A non-permanent location on the street or found environment, not described by any other POS code, where health professionals provide preventive, screening, diagnostic, and/or treatment services to unsheltered homeless individuals."),
    ("31", "Skilled Nursing Facility", "A facility which primarily provides inpatient skilled nursing care and related services to patients who require medical, nursing, or rehabilitative services but does not provide the level of care or treatment available in a hospital."),
    ("32", "Nursing Facility", "A facility which primarily provides to residents skilled nursing care and related services for the rehabilitation of injured, disabled, or sick persons, or, on a regular basis, health-related care services above the level of custodial care to other than individuals with intellectual disabilities."),
    ("33", "Custodial Care Facility", "A facility which provides room, board and other personal assistance services, generally on a long-term basis, and which does not include a medical component."),
    ("34", "Hospice", "A facility, other than a patient's home, in which palliative and supportive care for terminally ill patients and their families are provided."),
    ("41", "Ambulance - Land", "A land vehicle specifically designed, equipped and staffed for lifesaving and transporting the sick or injured."),
    ("42", "Ambulance - Air or Water", "An air or water vehicle specifically designed, equipped and staffed for lifesaving and transporting the sick or injured."),
    ("49", "Independent Clinic", "A location, not part of a hospital and not described by any other Place of Service code, that is organized and operated to provide preventive, diagnostic, therapeutic, rehabilitative, or palliative services to outpatients only."),
    ("50", "Federally Qualified Health Center", "A facility located in a medically underserved area that provides Medicare beneficiaries preventive primary medical care under the general direction of a physician."),
    ("51", "Inpatient Psychiatric Facility", "A facility that provides inpatient psychiatric services for the diagnosis and treatment of mental illness on a 24-hour basis, by or under the supervision of a physician."),
    ("52", "Psychiatric Facility-Partial Hospitalization", "A facility for the diagnosis and treatment of mental illness that provides a planned therapeutic program for patients who do not require full time hospitalization, but who need broader programs than are possible from outpatient visits to a hospital-based or hospital-affiliated facility."),
    ("53", "Community Mental Health Center", "A facility that provides the following services: outpatient services, including specialized outpatient services for children, the elderly, individuals who are chronically ill, and residents of the CMHC's mental health services area who have been discharged from inpatient treatment at a mental health facility; 24 hour a day emergency care services; day treatment, other partial hospitalization services, or psychosocial rehabilitation services; screening for patients being considered for admission to State mental health facilities to determine the appropriateness of such admission; and consultation and education services."),
    ("54", "Intermediate Care Facility/Individuals with Intellectual Disabilities", "A facility which primarily provides health-related care and services above the level of custodial care to individuals but does not provide the level of care or treatment available in a hospital or SNF."),
    ("55", "Residential Substance Abuse Treatment Facility", "A facility which provides treatment for substance (alcohol and drug) abuse to live-in residents who do not require acute medical care. Services include individual and group therapy and counseling, family counseling, laboratory tests, drugs and supplies, psychological testing, and room and board."),
    ("56", "Psychiatric Residential Treatment Center", "A facility or distinct part of a facility for psychiatric care which provides a total 24-hour therapeutically planned and professionally staffed group living and learning environment."),
    ("57", "Non-residential Substance Abuse Treatment Facility", "A location which provides treatment for substance (alcohol and drug) abuse on an ambulatory basis. Services include individual and group therapy and counseling, family counseling, laboratory tests, drugs and supplies, and psychological testing."),
    ("58", "Non-residential Opioid Treatment Facility", "A location that provides treatment for opioid use disorder on an ambulatory basis. Services include methadone and other forms of Medication Assisted Treatment (MAT)."),
    ("60", "Mass Immunization Center", "A location where providers administer pneumococcal pneumonia and influenza virus vaccinations and submit these services as electronic media claims, paper claims, or using the roster billing method. This generally takes place in a mass immunization setting, such as, a public health center, pharmacy, or mall but may include a physician office setting."),
    ("61", "Comprehensive Inpatient Rehabilitation Facility", "A facility that provides comprehensive rehabilitation services under the supervision of a physician to inpatients with physical disabilities. Services include physical therapy, occupational therapy, speech pathology, social or psychological services, and orthotics and prosthetics services."),
    ("62", "Comprehensive Outpatient Rehabilitation Facility", "A facility that provides comprehensive rehabilitation services under the supervision of a physician to outpatients with physical disabilities. Services include physical therapy, occupational therapy, and speech pathology services."),
    ("65", "End-Stage Renal Disease Treatment Facility", "A facility other than a hospital, which provides dialysis treatment, maintenance, and/or training to patients or caregivers on an ambulatory or home-care basis."),
    ("66", "Programs of All-Inclusive Care for the Elderly (PACE) Center", "A facility or location providing comprehensive medical and social services as part of the Programs of All-Inclusive Care for the Elderly (PACE). This includes, but is not limited to, primary care; social work services; restorative therapies, including physical and occupational therapy; personal care and supportive services; nutritional counseling; recreational therapy; and meals when the individual is enrolled in PACE."),
    ("71", "Public Health Clinic", "A facility maintained by either State or local health departments that provides ambulatory primary medical care under the general direction of a physician."),
    ("72", "Rural Health Clinic", "A certified facility which is located in a rural medically underserved area that provides ambulatory primary medical care under the general direction of a physician."),
    ("81", "Independent Laboratory", "A laboratory certified to perform diagnostic and/or clinical tests independent of an institution or a physician's office."),
    ("99", "Other Place of Service", "Other place of service not identified above."),
];

/// Writes `pos.tsv` at `out`.
pub fn write(out: &Path) -> super::Result<()> {
    let mut w = TsvWriter::new(&["code", "name", "description"]);
    for (code, name, desc) in CODES {
        w.row(&[code, name, desc]);
    }
    w.write(out).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_and_sorted() {
        assert_eq!(CODES.len(), 52);
        for pair in CODES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        for (code, name, desc) in CODES {
            assert!(code.len() == 2 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
            assert!(*code >= "01" && *code <= "99");
            assert!(!name.is_empty() && !desc.is_empty(), "{code}");
            for text in [name, desc] {
                assert!(text.is_ascii() && !text.contains(['\t', '\n']) && text.trim() == *text, "{code}");
            }
        }
        let get = |c: &str| CODES.iter().find(|r| r.0 == c).map(|r| r.1);
        assert_eq!(get("10"), Some("Telehealth Provided in Patient's Home"));
        assert_eq!(get("27"), Some("Outreach Site/Street"));
        assert_eq!(get("66"), Some("Programs of All-Inclusive Care for the Elderly (PACE) Center"));
        for unassigned in ["28", "30", "35", "40", "43", "48", "59", "63", "64", "67", "70", "73", "80", "82", "98"] {
            assert_eq!(get(unassigned), None, "{unassigned}");
        }
    }

    #[test]
    fn file() {
        let dir = std::env::temp_dir().join(format!("medcode-pos-test-{}", std::process::id()));
        let path = dir.join("pos/pos.tsv");
        write(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("code\tname\tdescription\n01\tPharmacy\tA facility"));
        assert_eq!(text.lines().count(), CODES.len() + 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
