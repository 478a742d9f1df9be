//! The edit catalogue, one file per family. Each `run` adds its findings to
//! the context; none of them fails. Ids and severities are a public contract
//! (`docs/edits.md`).

mod claim;
mod conventions;
mod dx;
mod lines;
mod mce;
mod mue;
mod ncci;
mod pointers;
mod px;
mod sequencing;

use super::Ctx;

/// Runs every edit on the claim.
pub fn run_all(ctx: &mut Ctx) {
    claim::run(ctx);
    dx::run(ctx);
    sequencing::run(ctx);
    conventions::run(ctx);
    mce::run(ctx);
    pointers::run(ctx);
    lines::run(ctx);
    px::run(ctx);
    ncci::run(ctx);
    mue::run(ctx);
}

/// Every edit id in the catalogue, with its default severity.
pub const CATALOGUE: &[(&str, &str)] = &[
    ("CLAIM-MALFORMED", "error"),
    ("PATIENT-DOB", "error"),
    ("PATIENT-SEX", "error"),
    ("NPI-INVALID", "error"),
    ("POS-INVALID", "error"),
    ("DATE-INVALID", "error"),
    ("DATE-ORDER", "error"),
    ("DATE-FUTURE", "error"),
    ("DX-COUNT", "error"),
    ("DX-DUPLICATE", "warning"),
    ("DXPTR-INVALID", "error"),
    ("DXPTR-COUNT", "error"),
    ("MOD-COUNT", "error"),
    ("MOD-INVALID", "error"),
    ("UNITS-INVALID", "error"),
    ("CHARGE-INVALID", "error"),
    ("LINE-DUPLICATE", "warning"),
    ("DX-INVALID", "error"),
    ("DX-NOT-BILLABLE", "error"),
    ("DX-7TH-CHAR", "error"),
    ("DX-PLACEHOLDER", "error"),
    ("DX-NOT-VALID-ON-DOS", "error"),
    ("DX-EXTERNAL-CAUSE-FIRST", "error"),
    ("DX-MANIFESTATION-FIRST", "error"),
    ("DX-FIRST-LISTED-ONLY", "warning"),
    ("DX-EXCLUDES1", "warning"),
    ("DX-CODE-FIRST", "warning"),
    ("DX-USE-ADDITIONAL", "info"),
    ("DX-AGE", "warning"),
    ("DX-SEX", "warning"),
    ("DX-UNPOINTED", "info"),
    ("PX-FORMAT", "error"),
    ("PX-INVALID", "error"),
    ("PX-NOT-VALID-ON-DOS", "error"),
    ("PX-CPT-UNCHECKED", "info"),
    ("PX-AGE", "warning"),
    ("NCCI-PTP", "error"),
    ("NCCI-MUE", "error"),
];
