//! Constraint violations become client errors (409, 422), on SQLite and PostgreSQL.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use platform::database::DbResultExt;
use platform::Error;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use test_support::TestDatabase;

async fn with_tables(
    database: TestDatabase,
) -> Option<(DatabaseConnection, test_support::FreshDatabase)> {
    let fresh = database.create().await?;
    let db = Database::connect(&fresh.url).await.unwrap();
    for statement in [
        "CREATE TABLE shelf (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL UNIQUE)",
        "CREATE TABLE item (id INTEGER PRIMARY KEY, shelf_id INTEGER NOT NULL REFERENCES shelf (id))",
        "INSERT INTO shelf (id, name) VALUES (1, 'top')",
    ] {
        db.execute_unprepared(statement).await.unwrap();
    }
    Some((db, fresh))
}

async fn constraint_violations_are_client_errors(database: TestDatabase) {
    let Some((db, _fresh)) = with_tables(database).await else {
        return;
    };
    let duplicate = db
        .execute_unprepared("INSERT INTO shelf (id, name) VALUES (2, 'top')")
        .await
        .or_db_error("adding a shelf");
    assert!(
        matches!(duplicate, Err(Error::Conflict(_))),
        "{duplicate:?}"
    );

    let dangling = db
        .execute_unprepared("INSERT INTO item (id, shelf_id) VALUES (1, 99)")
        .await
        .or_db_error("adding an item");
    assert!(
        matches!(dangling, Err(Error::Unprocessable { .. })),
        "{dangling:?}"
    );

    let broken = db
        .execute_unprepared("SELECT * FROM no_such_table")
        .await
        .or_db_error("reading");
    assert!(matches!(broken, Err(Error::Internal(_))), "{broken:?}");
}

#[tokio::test]
async fn constraint_violations_are_client_errors_on_sqlite() {
    constraint_violations_are_client_errors(TestDatabase::Sqlite).await;
}

#[tokio::test]
async fn constraint_violations_are_client_errors_on_postgres() {
    constraint_violations_are_client_errors(TestDatabase::Postgres).await;
}
