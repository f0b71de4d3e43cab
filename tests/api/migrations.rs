//! Migrations run up, down and up again on the backend under test.

use diesel::prelude::*;

use crate::helpers::TestDb;

#[test]
fn migrations_up_down_up() {
    let test_db = TestDb::new();
    let db = sipas::db::Db::new(&test_db.url, &sipas::db::PoolOptions::default()).unwrap();
    let mut conn = db.get().unwrap();
    let first = sipas::db::run_pending(&mut conn).unwrap();
    assert!(first >= 1);
    assert_eq!(sipas::db::run_pending(&mut conn).unwrap(), 0, "second run applies nothing");
    let count = sipas::db::schema::agencies::table.count().get_result::<i64>(&mut **conn).unwrap();
    assert_eq!(count, 0);
    assert_eq!(sipas::db::revert_all(&mut conn).unwrap(), first);
    assert!(sipas::db::schema::agencies::table.count().get_result::<i64>(&mut **conn).is_err(), "tables are gone");
    assert_eq!(sipas::db::run_pending(&mut conn).unwrap(), first);
    assert_eq!(sipas::db::schema::agencies::table.count().get_result::<i64>(&mut **conn).unwrap(), 0);
}

#[test]
fn migration_folders_are_twins() {
    let root = crate::helpers::manifest_dir().join("migrations");
    let names = |backend: &str| {
        let mut v: Vec<String> = std::fs::read_dir(root.join(backend))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("postgres"), names("sqlite"));
}
