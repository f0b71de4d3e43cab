//! The freeze rule for survey versions, and the CLI's messages for bad definitions.

use crate::helpers::{manifest_dir, test_settings, TestDb};

fn copy_definitions(to: &std::path::Path) {
    for entry in std::fs::read_dir(manifest_dir().join("survey-definitions")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

#[tokio::test]
async fn a_used_version_is_frozen() {
    let test_db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    copy_definitions(dir.path());
    let mut settings = test_settings(&test_db);
    settings.survey_dir = dir.path().to_owned();
    let file = dir.path().join("sipas-dossier-v1.toml");
    let original = std::fs::read_to_string(&file).unwrap();
    let edited = original.replacen("Rất hài lòng", "Vô cùng hài lòng", 1);
    assert_ne!(original, edited);

    // Unused: an edit is accepted (and re-registered).
    sipas::startup::prepare(&settings).unwrap();
    std::fs::write(&file, &edited).unwrap();
    let (db, registry) = sipas::startup::prepare(&settings).unwrap();

    // Used by one invitation: the same kind of edit is refused with a clear message.
    sipas::cli::import_agencies(&db, &manifest_dir().join("tests/fixtures/agencies.toml")).unwrap();
    let def = registry.latest("sipas-dossier").unwrap();
    let new = sipas::store::invitations::NewInvitation::new(
        b"k",
        sipas::store::invitations::DossierScope {
            agency_code: "T.FINANCE".into(),
            dossier_code: "HS-FROZEN".into(),
            field: "land".into(),
            procedure_code: None,
            channel: "in_person".into(),
            handled_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        },
        (def.id(), def.version() as i32),
        "vi",
        None,
        sipas::clock::now_naive(),
        30,
    );
    sipas::store::invitations::create_or_get(&mut db.get().unwrap(), &new, None).unwrap();
    std::fs::write(&file, &original).unwrap();
    let err = format!("{:#}", sipas::startup::prepare(&settings).err().expect("startup must refuse"));
    assert!(err.contains("sipas-dossier-v1.toml"), "{err}");
    assert!(err.contains("frozen") && err.contains("version = 2"), "{err}");

    // Whitespace and comments do not count as a change.
    std::fs::write(&file, format!("# a comment\n{edited}\n\n")).unwrap();
    sipas::startup::prepare(&settings).unwrap();

    // A used version whose file disappears is refused too.
    std::fs::remove_file(&file).unwrap();
    let err = format!("{:#}", sipas::startup::prepare(&settings).err().expect("startup must refuse"));
    assert!(err.contains("restore its file"), "{err}");
}

fn sipas_cmd() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_sipas"));
    cmd.env_remove("DATABASE_URL").env("SIPAS_LOG", "warn");
    cmd
}

#[test]
fn check_definitions_names_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    copy_definitions(dir.path());
    let out = sipas_cmd().arg("check-definitions").arg(dir.path()).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("sipas-dossier v1 ok"), "{stdout}");

    let file = dir.path().join("health-public-v1.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("[index]", "[index]\ncolour = \"red\"", 1)).unwrap();
    let out = sipas_cmd().arg("check-definitions").arg(dir.path()).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("health-public-v1.toml") && stderr.contains("colour"), "{stderr}");
}

#[test]
fn cli_api_key_prints_the_key_alone_and_import_reports_errors() {
    let dir = tempfile::tempdir().unwrap();
    let test_db = TestDb::new();
    let run = |args: &[&str]| {
        sipas_cmd()
            .args(["--database-url", &test_db.url])
            .env("SIPAS_SURVEY_DIR", manifest_dir().join("survey-definitions"))
            .env("SIPAS_SECRET_KEY_FILE", dir.path().join("secret.key"))
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["api-key", "create", "--name", "one-stop", "--scope", "invitations"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1);
    assert!(stdout.starts_with("sipas_") && stdout.trim().len() > 40, "{stdout}");

    let out = run(&["api-key", "create", "--name", "x", "--scope", "invitations", "--agency", "NOPE"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--agency: unknown agency `NOPE`"));

    let bad = dir.path().join("agencies.toml");
    std::fs::write(&bad, "format = \"sipas-agencies/1\"\n[[agency]]\ncode = \"A\"\nkind = \"ministry\"\nname_vi = \"x\"\nname_en = \"x\"\nvalid_from = 2020-01-01\n").unwrap();
    let out = run(&["import-agencies", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("agencies.toml: agency[0].kind: unknown kind `ministry`"), "{stderr}");

    let out =
        run(&["import-agencies", manifest_dir().join("reference-data/agencies-hanoi-sample.toml").to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("agencies added"));
}

#[test]
fn bad_database_urls_are_refused_without_creating_files() {
    let dir = tempfile::tempdir().unwrap();
    for url in ["postgres:x", "mysql://root@localhost/x"] {
        let out = sipas_cmd().current_dir(dir.path()).args(["--database-url", url, "migrate"]).output().unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("invalid DATABASE_URL"), "{url}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file was created");
}
