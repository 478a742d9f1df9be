//! JSON pointers into a claim, kept as a few integers while reading and
//! written out (RFC 6901) only when a finding is reported.

use std::fmt;

/// The member names a claim pointer can hold (none needs escaping).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum K {
    Patient,
    BirthDate,
    Sex,
    Gender,
    BillingProvider,
    RenderingProvider,
    Npi,
    PlaceOfService,
    Diagnoses,
    Code,
    Lines,
    Modifiers,
    DiagnosisPointers,
    Units,
    Charge,
    ServiceDate,
    ServiceDateTo,
    // FHIR
    Contained,
    Identifier,
    Value,
    Provider,
    Diagnosis,
    DiagnosisCodeableConcept,
    Coding,
    Item,
    ProductOrService,
    Modifier,
    Quantity,
    Net,
    UnitPrice,
    ServicedPeriod,
    ServicedDate,
    Start,
    End,
    DiagnosisSequence,
    LocationCodeableConcept,
}

/// Every [`K`], in declaration order.
const KEYS: &[K] = &[
    K::Patient,
    K::BirthDate,
    K::Sex,
    K::Gender,
    K::BillingProvider,
    K::RenderingProvider,
    K::Npi,
    K::PlaceOfService,
    K::Diagnoses,
    K::Code,
    K::Lines,
    K::Modifiers,
    K::DiagnosisPointers,
    K::Units,
    K::Charge,
    K::ServiceDate,
    K::ServiceDateTo,
    K::Contained,
    K::Identifier,
    K::Value,
    K::Provider,
    K::Diagnosis,
    K::DiagnosisCodeableConcept,
    K::Coding,
    K::Item,
    K::ProductOrService,
    K::Modifier,
    K::Quantity,
    K::Net,
    K::UnitPrice,
    K::ServicedPeriod,
    K::ServicedDate,
    K::Start,
    K::End,
    K::DiagnosisSequence,
    K::LocationCodeableConcept,
];

impl K {
    /// The member name as written in the JSON.
    pub const fn name(self) -> &'static str {
        match self {
            K::Patient => "patient",
            K::BirthDate => "birthDate",
            K::Sex => "sex",
            K::Gender => "gender",
            K::BillingProvider => "billingProvider",
            K::RenderingProvider => "renderingProvider",
            K::Npi => "npi",
            K::PlaceOfService => "placeOfService",
            K::Diagnoses => "diagnoses",
            K::Code => "code",
            K::Lines => "lines",
            K::Modifiers => "modifiers",
            K::DiagnosisPointers => "diagnosisPointers",
            K::Units => "units",
            K::Charge => "charge",
            K::ServiceDate => "serviceDate",
            K::ServiceDateTo => "serviceDateTo",
            K::Contained => "contained",
            K::Identifier => "identifier",
            K::Value => "value",
            K::Provider => "provider",
            K::Diagnosis => "diagnosis",
            K::DiagnosisCodeableConcept => "diagnosisCodeableConcept",
            K::Coding => "coding",
            K::Item => "item",
            K::ProductOrService => "productOrService",
            K::Modifier => "modifier",
            K::Quantity => "quantity",
            K::Net => "net",
            K::UnitPrice => "unitPrice",
            K::ServicedPeriod => "servicedPeriod",
            K::ServicedDate => "servicedDate",
            K::Start => "start",
            K::End => "end",
            K::DiagnosisSequence => "diagnosisSequence",
            K::LocationCodeableConcept => "locationCodeableConcept",
        }
    }
}

/// Segments a pointer holds (the deepest claim path, a FHIR modifier's
/// `/item/0/modifier/0/coding/0/code`, has 7).
const MAX_SEGS: usize = 8;
/// Set on a segment that is a member name (its low bits index [`KEYS`]).
const KEY_BIT: u32 = 1 << 31;

/// An RFC 6901 pointer from the document root; `Ptr::default()` is the root.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Ptr {
    segs: [u32; MAX_SEGS],
    len: u8,
}

impl Ptr {
    /// The pointer to the root's member `k`.
    pub fn root(k: K) -> Ptr {
        Ptr::default().key(k)
    }

    /// The pointer to member `k` of the value here.
    #[inline]
    pub fn key(self, k: K) -> Ptr {
        self.push(KEY_BIT | k as u32)
    }

    /// The pointer to item `i` of the array here.
    #[inline]
    pub fn index(self, i: usize) -> Ptr {
        self.push(u32::try_from(i).unwrap_or(u32::MAX).min(KEY_BIT - 1))
    }

    #[inline]
    fn push(mut self, seg: u32) -> Ptr {
        debug_assert!((self.len as usize) < MAX_SEGS, "a claim pointer deeper than {MAX_SEGS}");
        if let Some(slot) = self.segs.get_mut(self.len as usize) {
            *slot = seg;
            self.len += 1;
        }
        self
    }
}

impl fmt::Display for Ptr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &seg in self.segs.get(..self.len as usize).unwrap_or(&[]) {
            if seg & KEY_BIT != 0 {
                let name = KEYS.get((seg & !KEY_BIT) as usize).map_or("", |k| k.name());
                write!(f, "/{name}")?;
            } else {
                write!(f, "/{seg}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Ptr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

impl PartialEq<&str> for Ptr {
    fn eq(&self, other: &&str) -> bool {
        /// Compares what is written with the rest of a string.
        struct Rest<'a>(Option<&'a str>);
        impl fmt::Write for Rest<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.0 = self.0.and_then(|r| r.strip_prefix(s));
                Ok(())
            }
        }
        let mut rest = Rest(Some(other));
        fmt::Write::write_fmt(&mut rest, format_args!("{self}")).is_ok() && rest.0 == Some("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_listed_in_declaration_order() {
        for (i, k) in KEYS.iter().enumerate() {
            assert_eq!(*k as usize, i, "{k:?}");
        }
        assert_eq!(KEYS.len(), K::LocationCodeableConcept as usize + 1);
    }

    #[test]
    fn pointers_render_as_rfc_6901() {
        let p = Ptr::root(K::Item).index(12).key(K::Modifier).index(0).key(K::Coding).index(0).key(K::Code);
        assert_eq!(p.to_string(), "/item/12/modifier/0/coding/0/code");
        assert_eq!(Ptr::default().to_string(), "");
    }
}
