"""Weekly export for the marketing team: the top customers of the last seven days, from
the dbt mart `customer_revenue`, dropped into the team's S3 bucket as CSV."""

import os

import pandas as pd
from sqlalchemy import create_engine

TOP_CUSTOMERS_SQL = """
    SELECT customer_id, sum(revenue) AS revenue, sum(orders) AS orders
    FROM customer_revenue
    WHERE order_date >= current_date - 7
    GROUP BY customer_id
    ORDER BY revenue DESC
    LIMIT 100
"""


def export_top_customers(database_url: str) -> int:
    engine = create_engine(database_url)
    top = pd.read_sql(TOP_CUSTOMERS_SQL, engine)
    top.to_csv("s3://shopflow-marketing/exports/top_customers.csv", index=False)
    return len(top)


if __name__ == "__main__":
    print(export_top_customers(os.environ["DATABASE_URL"]))
