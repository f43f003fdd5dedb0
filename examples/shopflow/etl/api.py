"""Tiny read-only API over the orders database, used by the support dashboard."""

import os

import psycopg2
from flask import Flask, abort, jsonify

app = Flask(__name__)


def _conn():
    return psycopg2.connect(os.environ["DATABASE_URL"])


@app.route("/health")
def health():
    return jsonify(status="ok")


@app.route("/orders/<id>", methods=["GET"])
def get_order(id):
    with _conn() as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT id, customer_id, status, total_cents FROM orders WHERE id = %s",
            (id,),
        )
        row = cur.fetchone()
    if row is None:
        abort(404)
    return jsonify(id=row[0], customer_id=row[1], status=row[2], total_cents=row[3])


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.getenv("PORT", "8080")))
