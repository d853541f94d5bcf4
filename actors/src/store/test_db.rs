//! A migrated database of its own for each test (tests run in parallel), dropped at the end.

use super::{Pool, schema};

pub(crate) struct TestDb {
    name: String,
}

impl TestDb {
    pub(crate) async fn create() -> (TestDb, Pool) {
        let name = format!("diana_actors_{:016x}", rand::random::<u64>());
        let config = schema::parse_url(&format!("postgres://postgres@127.0.0.1:5432/{name}")).unwrap();
        schema::ensure_database(&config).await.expect("Postgres must be running on 127.0.0.1:5432");
        schema::migrate(&config).await.unwrap();
        (TestDb { name }, super::pool(&config, 8).unwrap())
    }

    pub(crate) async fn drop_now(self) {
        let admin = schema::parse_url("postgres://postgres@127.0.0.1:5432/postgres").unwrap();
        let (client, conn) = admin.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)).await.unwrap();
    }
}
