module github.com/shopflow/ingest

go 1.22

require (
	github.com/jmoiron/sqlx v1.4.0
	github.com/lib/pq v1.10.9
	github.com/segmentio/kafka-go v0.4.47
)
