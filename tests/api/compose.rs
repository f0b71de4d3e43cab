//! `docker-compose.yml` cannot run here (no Docker engine), so check what it declares.

use serde_yaml_ng::Value;

#[test]
fn compose_declares_app_postgres_and_mail_catcher() {
    let text = std::fs::read_to_string(crate::helpers::manifest_dir().join("docker-compose.yml")).unwrap();
    let doc: Value = serde_yaml_ng::from_str(&text).unwrap();
    let services = &doc["services"];
    let app = &services["app"];
    assert!(app["build"].is_mapping() || app["build"].is_string());
    let url = app["environment"]["DATABASE_URL"].as_str().unwrap();
    assert!(url.starts_with("postgres://") && url.contains("@db:5432/"), "{url}");
    assert_eq!(app["environment"]["SIPAS_BIND"].as_str(), Some("0.0.0.0:8080"));
    assert_eq!(app["depends_on"]["db"]["condition"].as_str(), Some("service_healthy"));
    assert!(services["db"]["image"].as_str().unwrap().starts_with("postgres:"));
    assert!(services["db"]["healthcheck"].is_mapping());
    assert!(services["mail"]["image"].as_str().unwrap().starts_with("maildev/maildev"));
    for svc in ["app", "mail"] {
        for port in services[svc]["ports"].as_sequence().unwrap() {
            assert!(port.as_str().unwrap().starts_with("127.0.0.1:"), "{svc} publishes beyond loopback");
        }
    }
}

#[test]
fn dockerfile_copies_what_the_binary_reads_at_run_time() {
    let text = std::fs::read_to_string(crate::helpers::manifest_dir().join("Dockerfile")).unwrap();
    for needed in ["survey-definitions", "reference-data", "sipas"] {
        assert!(text.contains(needed), "Dockerfile lacks {needed}");
    }
}
