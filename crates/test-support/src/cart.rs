//! The cart slice's servers, started for tests.

use crate::{FreshDatabase, RunningServer, TestDatabase};
use cart_service::payment::{Charge, PaymentError, PaymentProvider, SimulatedPayments};
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// cart-service's deadline for catalog-service in tests, as in production.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_millis(2000);

/// How long a checkout holds its order in tests: as in production, so no test's pause
/// lets another worker take a live checkout over. Tests of what happens after a crash
/// shorten it.
pub const CHECKOUT_LEASE: Duration = Duration::from_secs(30);
/// How often cart-service looks for checkouts to recover in tests: often, so a test that
/// waits for a recovery waits little.
pub const RECOVERY_INTERVAL: Duration = Duration::from_millis(100);

/// A cart-service running in this process.
pub struct CartService {
    /// e.g. `http://127.0.0.1:41234`
    pub address: String,
    /// Direct access to its database, to arrange or inspect data.
    pub db: DatabaseConnection,
    /// Where that database is, for more connections to it (another replica's).
    pub database_url: String,
    server: RunningServer,
    _database: Option<FreshDatabase>,
}

impl CartService {
    /// Keeps `database` as long as the service (it is removed when both are dropped).
    pub fn keep(&mut self, database: FreshDatabase) {
        self._database = Some(database);
    }

    /// Stops the server; its port refuses connections after.
    pub async fn stop(&self) {
        self.server.stop().await;
    }
}

/// How tests run cart-service: any free port, the database at `database_url`, calling
/// catalog-service at `catalog_url`.
pub fn service_configuration(
    database_url: &str,
    catalog_url: &str,
) -> cart_service::configuration::Configuration {
    cart_service::configuration::Configuration {
        host: "127.0.0.1".into(),
        port: 0,
        database_url: database_url.to_owned().into(),
        pool: platform::database::Pool::new(8, std::time::Duration::from_secs(5)),
        catalog_service_url: catalog_url.to_owned(),
        upstream_timeout: UPSTREAM_TIMEOUT,
        reservation_ttl_seconds: 900,
        checkout_lease: CHECKOUT_LEASE,
        recovery_interval: RECOVERY_INTERVAL,
        // Tests change stock in the catalog and expect the next add to see it.
        offer_cache: std::time::Duration::ZERO,
    }
}

/// cart-service on a free port with a new database, calling catalog-service at
/// `catalog_url`; `None` if that database kind is not available here.
pub async fn spawn_service(database: TestDatabase, catalog_url: &str) -> Option<CartService> {
    let database = database.create().await?;
    let mut service = spawn_service_on(&database.url, catalog_url).await;
    service._database = Some(database);
    Some(service)
}

/// cart-service on a free port with the database at `database_url`, which may already
/// hold carts and orders (that is how restarts are tested).
pub async fn spawn_service_on(database_url: &str, catalog_url: &str) -> CartService {
    spawn_configured(service_configuration(database_url, catalog_url)).await
}

/// cart-service on `configuration` (see [`service_configuration`]).
pub async fn spawn_configured(
    configuration: cart_service::configuration::Configuration,
) -> CartService {
    let database_url = configuration.database_url.expose_secret().to_owned();
    let application = cart_service::startup::Application::build(configuration)
        .await
        .expect("starting cart-service");
    wrap(application, &database_url)
}

/// A cart-service a test built itself (with its own payment provider, say), running, on
/// the database at `database_url`.
pub fn wrap(application: cart_service::startup::Application, database_url: &str) -> CartService {
    let db = application.db.clone();
    let server = RunningServer::spawn(application.server);
    CartService {
        address: server.address.clone(),
        db,
        database_url: database_url.to_owned(),
        server,
        _database: None,
    }
}

/// What [`ObservedPayments`] runs before each charge (to stop or hang the catalog at that
/// very moment, say).
pub type BeforeCharge = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// The simulated payment provider, for tests that need a moment in the saga or a count:
/// `before_charge` runs at every charge, and the refunds asked for are counted per order.
pub struct ObservedPayments {
    payments: SimulatedPayments,
    before_charge: Option<BeforeCharge>,
    /// Refunds asked for, by order id.
    pub refunds: Arc<Mutex<HashMap<String, u32>>>,
}

impl ObservedPayments {
    pub fn new(db: sea_orm::DatabaseConnection) -> Self {
        Self {
            payments: SimulatedPayments::new(db),
            before_charge: None,
            refunds: Arc::default(),
        }
    }

    /// Runs `hook` before every charge.
    pub fn before_charge<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.before_charge = Some(Arc::new(move || Box::pin(hook())));
        self
    }

    /// Counts refunds into `refunds` (shared with another provider, say).
    pub fn counting_into(mut self, refunds: &Arc<Mutex<HashMap<String, u32>>>) -> Self {
        self.refunds = refunds.clone();
        self
    }
}

#[async_trait::async_trait]
impl PaymentProvider for ObservedPayments {
    async fn charge(
        &self,
        order_id: &str,
        amount_minor: i64,
        currency: &str,
        card: &payment_card::Card,
    ) -> Result<Charge, PaymentError> {
        if let Some(hook) = &self.before_charge {
            hook().await;
        }
        self.payments
            .charge(order_id, amount_minor, currency, card)
            .await
    }

    async fn charge_of(&self, order_id: &str) -> anyhow::Result<Option<Charge>> {
        self.payments.charge_of(order_id).await
    }

    async fn refund(&self, order_id: &str) -> anyhow::Result<()> {
        if let Ok(mut refunds) = self.refunds.lock() {
            *refunds.entry(order_id.to_owned()).or_default() += 1;
        }
        self.payments.refund(order_id).await
    }
}
