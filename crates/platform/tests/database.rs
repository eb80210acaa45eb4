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

/// A schema whose second migration cannot be applied twice (a column added twice is an
/// error on both databases), as real ones cannot.
mod schema {
    use sea_orm_migration::prelude::*;

    pub struct Migrator;

    #[async_trait::async_trait]
    impl MigratorTrait for Migrator {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            vec![Box::new(CreateShelf), Box::new(AddLabel)]
        }
    }

    struct CreateShelf;

    impl MigrationName for CreateShelf {
        fn name(&self) -> &str {
            "m1_create_shelf"
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for CreateShelf {
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager
                .create_table(
                    Table::create()
                        .table(Alias::new("shelf"))
                        .col(ColumnDef::new(Alias::new("id")).integer().primary_key())
                        .to_owned(),
                )
                .await
        }
    }

    struct AddLabel;

    impl MigrationName for AddLabel {
        fn name(&self) -> &str {
            "m2_add_label"
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for AddLabel {
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("shelf"))
                        .add_column(ColumnDef::new(Alias::new("label")).string().null())
                        .to_owned(),
                )
                .await
        }
    }
}

/// Replicas starting together (a rolling update, a scale-up) migrate one at a time: each
/// migration is applied once, and every replica starts.
async fn replicas_starting_together_migrate_once(database: TestDatabase) {
    let Some(fresh) = database.create().await else {
        return;
    };
    let mut replicas = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let url = fresh.url.clone();
        replicas.spawn(async move {
            platform::database::connect_and_migrate::<schema::Migrator>(
                &url,
                platform::database::Pool::new(2, std::time::Duration::from_secs(5)),
            )
            .await
        });
    }
    for started in replicas.join_all().await {
        started.expect("every replica starts");
    }
    let db = Database::connect(&fresh.url).await.unwrap();
    let applied = db
        .query_one(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM seaql_migrations".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(applied, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_starting_together_migrate_once_on_sqlite() {
    replicas_starting_together_migrate_once(TestDatabase::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_starting_together_migrate_once_on_postgres() {
    replicas_starting_together_migrate_once(TestDatabase::Postgres).await;
}

/// A database that cannot be reached — nothing listens, or its server ended the
/// connection, or the pool has no connection to give — is a degraded 503 the service's
/// callers pass on (not a 500, which their breakers would count against the service).
#[tokio::test]
async fn a_database_that_cannot_be_reached_is_a_degraded_503() {
    let mut nothing_there =
        sea_orm::ConnectOptions::new("postgres://storefront@127.0.0.1:1/nothing");
    nothing_there
        .connect_timeout(std::time::Duration::from_millis(500))
        .acquire_timeout(std::time::Duration::from_millis(500));
    let nowhere = sea_orm::Database::connect(nothing_there).await;
    let refused = nowhere.map(drop).or_db_error("connecting");
    assert!(
        matches!(&refused, Err(Error::Unavailable { code, .. }) if code == "database_unavailable"),
        "{refused:?}"
    );

    let Some(fresh) = TestDatabase::Postgres.create().await else {
        return;
    };
    let mut options = sea_orm::ConnectOptions::new(fresh.url.clone());
    options
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_millis(200));
    let db = Database::connect(options).await.unwrap();
    let held = sea_orm::TransactionTrait::begin(&db).await.unwrap();
    let starved = db
        .execute_unprepared("SELECT 1")
        .await
        .or_db_error("reading");
    assert!(
        matches!(&starved, Err(Error::Unavailable { .. })),
        "no connection to give: {starved:?}"
    );
    // The server ends the connection under the transaction (as a restart does).
    let admin = Database::connect(&fresh.url).await.unwrap();
    admin
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await
        .unwrap();
    let cut = held
        .execute_unprepared("SELECT 1")
        .await
        .or_db_error("reading");
    assert!(
        matches!(&cut, Err(Error::Unavailable { .. })),
        "the connection was ended: {cut:?}"
    );
    // A statement the database refuses is still our fault.
    let broken = admin
        .execute_unprepared("SELECT * FROM no_such_table")
        .await
        .or_db_error("reading");
    assert!(matches!(broken, Err(Error::Internal(_))), "{broken:?}");
}
