//! The transaction a store function writes through. Either the caller's own (`BEGIN` …
//! `COMMIT` on a pooled connection), or a seat in a group commit, where many users' updates
//! share one transaction on one connection (`group_commit.rs`). Store functions cannot tell the
//! two apart, and need not: either way nothing they write is visible until the commit.

use tokio_postgres::types::ToSql;
use tokio_postgres::{Error, Row, Statement, ToStatement};

pub enum Transaction<'a> {
    /// One caller's transaction; rolled back if dropped uncommitted.
    Own(deadpool_postgres::Transaction<'a>),
    /// Statements on a connection as it stands: a seat's, inside the shared transaction its
    /// batch began and will commit or roll back for all seats at once; or, for the few
    /// functions that also serve plain reads, a pooled connection outside any transaction.
    Client(&'a deadpool_postgres::ClientWrapper),
}

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

impl Transaction<'_> {
    /// Prepared once per connection, like every statement under `store`.
    pub async fn prepare_cached(&self, query: &str) -> Result<Statement, Error> {
        match self {
            Transaction::Own(tx) => tx.prepare_cached(query).await,
            Transaction::Client(client) => client.prepare_cached(query).await,
        }
    }

    pub async fn query<T: ?Sized + ToStatement>(&self, statement: &T, params: Params<'_>) -> Result<Vec<Row>, Error> {
        match self {
            Transaction::Own(tx) => tx.query(statement, params).await,
            Transaction::Client(client) => client.query(statement, params).await,
        }
    }

    pub async fn query_one<T: ?Sized + ToStatement>(&self, statement: &T, params: Params<'_>) -> Result<Row, Error> {
        match self {
            Transaction::Own(tx) => tx.query_one(statement, params).await,
            Transaction::Client(client) => client.query_one(statement, params).await,
        }
    }

    pub async fn query_opt<T: ?Sized + ToStatement>(
        &self,
        statement: &T,
        params: Params<'_>,
    ) -> Result<Option<Row>, Error> {
        match self {
            Transaction::Own(tx) => tx.query_opt(statement, params).await,
            Transaction::Client(client) => client.query_opt(statement, params).await,
        }
    }

    pub async fn execute<T: ?Sized + ToStatement>(&self, statement: &T, params: Params<'_>) -> Result<u64, Error> {
        match self {
            Transaction::Own(tx) => tx.execute(statement, params).await,
            Transaction::Client(client) => client.execute(statement, params).await,
        }
    }

    /// Commit an own transaction. A seat is committed by its batch (`Seat::commit`), so here
    /// it is a no-op, as for a plain connection.
    pub async fn commit(self) -> Result<(), Error> {
        match self {
            Transaction::Own(tx) => tx.commit().await,
            Transaction::Client(_) => Ok(()),
        }
    }
}
