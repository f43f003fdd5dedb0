use redis::{aio::MultiplexedConnection, AsyncCommands, Client};

use crate::db::Order;

const TTL_SECS: u64 = 300;

#[derive(Clone)]
pub struct OrderCache {
    client: Client,
}

impl OrderCache {
    pub fn connect(url: &str) -> redis::RedisResult<Self> {
        let client = Client::open(url)?;
        Ok(Self { client })
    }

    async fn conn(&self) -> redis::RedisResult<MultiplexedConnection> {
        self.client.get_multiplexed_async_connection().await
    }

    fn key(id: i64) -> String {
        format!("orders:v1:{id}")
    }

    pub async fn get(&self, id: i64) -> anyhow::Result<Option<Order>> {
        let mut con = self.conn().await?;
        let raw: Option<String> = con.get(Self::key(id)).await?;
        Ok(raw.map(|body| serde_json::from_str(&body)).transpose()?)
    }

    pub async fn put(&self, order: &Order) -> anyhow::Result<()> {
        let mut con = self.conn().await?;
        let body = serde_json::to_string(order)?;
        con.set_ex::<_, _, ()>(Self::key(order.id), body, TTL_SECS).await?;
        Ok(())
    }

    pub async fn invalidate(&self, id: i64) -> anyhow::Result<()> {
        let mut con = self.conn().await?;
        let _: () = con.del(Self::key(id)).await?;
        Ok(())
    }
}
