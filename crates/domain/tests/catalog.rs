//! The shipped HCMC catalogue parses and validates; malformed files name the file and line.

use std::collections::BTreeSet;

use domain::catalog::{Catalog, CatalogError, UnitKind, parse_catalog};

const UNITS_2024: &str = include_str!("../../../data/catalog/hcmc-units-2024.toml");
const UNITS_2025: &str = include_str!("../../../data/catalog/hcmc-units-2025.toml");
const PROCEDURES: &str = include_str!("../../../data/catalog/hcmc-procedures.toml");

fn parse(text: &str) -> Result<Catalog, CatalogError> {
    parse_catalog(text, "test.toml", &BTreeSet::new())
}

#[test]
fn shipped_catalogue() {
    let units_2024 = parse(UNITS_2024).expect("2024 units");
    let units_2025 = parse(UNITS_2025).expect("2025 units");
    let procedures = parse(PROCEDURES).expect("procedures");
    let count = |catalog: &Catalog, kind: UnitKind| catalog.units.iter().filter(|unit| unit.kind == kind).count();
    assert_eq!(count(&units_2024, UnitKind::District), 22);
    assert_eq!(count(&units_2024, UnitKind::Commune), 312);
    assert_eq!(count(&units_2024, UnitKind::LandBranch), 22);
    assert_eq!(count(&units_2025, UnitKind::Commune), 168);
    assert_eq!(count(&units_2025, UnitKind::LandBranch), 38);
    assert!(units_2024.units.iter().any(|unit| unit.name == "Thành phố Thủ Đức"));
    assert!(procedures.procedures.len() >= 40);
    assert!(procedures.procedures.iter().all(|procedure| !procedure.source.is_empty() && !procedure.steps.is_empty()));
}

fn error_of(text: &str) -> CatalogError {
    parse(text).expect_err("must be refused")
}

#[test]
fn malformed_files_name_the_line() {
    let header = "format = \"motcua-catalog/1\"\n";
    let structure = "[[structures]]\nid = \"s\"\nname = \"S\"\neffective_from = \"2025-07-01\"\nsource = \"src\"\n";
    let city = "[[units]]\nstructure = \"s\"\ncode = \"79\"\nname = \"TP\"\nkind = \"city\"\nhead = \"Chủ tịch\"\nsource = \"src\"\n";
    // Line numbers: header 1, structure 2-6, city 7-13, the case starts on line 14.
    let base = format!("{header}{structure}{city}");
    let cases: &[(&str, usize, &str)] = &[
        (
            "[[units]]\nstructure = \"s\"\ncode = \"1\"\nname = \"P\"\nkind = \"commune\"\nhead = \"H\"\nsource = \"src\"\n",
            14,
            "parent",
        ),
        (
            "[[units]]\nstructure = \"s\"\ncode = \"1\"\nname = \"P\"\nkind = \"ward\"\nparent = \"79\"\nhead = \"H\"\nsource = \"src\"\n",
            18,
            "ward",
        ),
        (
            "[[units]]\nstructure = \"x\"\ncode = \"1\"\nname = \"P\"\nkind = \"commune\"\nparent = \"79\"\nhead = \"H\"\nsource = \"src\"\n",
            14,
            "structure",
        ),
        (
            "[[units]]\nstructure = \"s\"\ncode = \"79\"\nname = \"P\"\nkind = \"commune\"\nparent = \"79\"\nhead = \"H\"\nsource = \"src\"\n",
            14,
            "duplicates line 7",
        ),
        (
            "[[units]]\nstructure = \"s\"\ncode = \"a b\"\nname = \"P\"\nkind = \"commune\"\nparent = \"79\"\nhead = \"H\"\nsource = \"src\"\n",
            14,
            "invalid code",
        ),
        (
            "[[units]]\nstructure = \"s\"\ncode = \"1\"\nname = \"P\"\nkind = \"commune\"\nparent = \"79\"\nhead = \"H\"\nsource = \"src\"\ncolour = \"red\"\n",
            22,
            "colour",
        ),
    ];
    for (case, line, fragment) in cases {
        let error = error_of(&format!("{base}{case}"));
        assert_eq!(error.file, "test.toml");
        assert_eq!(error.line, *line, "{case}: {error}");
        assert!(error.message.contains(fragment), "{case}: {error}");
    }
    let procedure = |limit: &str, budget: &str| {
        format!(
            "{header}[[procedures]]\ncode = \"1.000001\"\nversion = 1\nname = \"N\"\nfield = \"F\"\nlevel = \"commune\"\ntime_limit = {limit}\nonline = \"partial\"\ndocuments = [\"D\"]\nlegal_basis = \"L\"\nsource = \"S\"\neffective_from = \"2025-07-01\"\nstatus = \"confirmed\"\n[[procedures.steps]]\nname = \"X\"\nrole = \"processing_officer\"\nunit = \"competent\"\nbudget_hours = {budget}\n"
        )
    };
    assert!(parse(&procedure("{ kind = \"working_days\", value = 2 }", "16")).is_ok());
    let error = error_of(&procedure("{ kind = \"working_days\", value = 2 }", "16.5"));
    assert_eq!(error.line, 2);
    assert!(error.message.contains("exceed"), "{error}");
    let error = error_of(&procedure("{ kind = \"working_days\", value = 0 }", "1"));
    assert!(error.message.contains("1..=1000"), "{error}");
    let error = error_of(&procedure("{ kind = \"weeks\", value = 2 }", "1"));
    assert_eq!(error.line, 8, "{error}");
    let error = error_of("format = \"motcua-catalog/9\"\n");
    assert!(error.message.contains("motcua-catalog/1"));
    let error = error_of("format = \"motcua-catalog/1\"\n[[units]\n");
    assert_eq!(error.line, 2, "{error}");
}

/// The stored names of unit kinds are serde's names, both ways.
#[test]
fn unit_kind_names_are_serdes() {
    for kind in UnitKind::ALL {
        assert_eq!(serde_json::to_value(kind).unwrap(), serde_json::Value::String(kind.as_str().to_owned()));
        assert_eq!(UnitKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(UnitKind::parse("ward"), None);
}
