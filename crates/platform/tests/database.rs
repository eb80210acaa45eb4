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
            platform::database::connect_and_migrate::<schema::Migrator>(&url, 2).await
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
