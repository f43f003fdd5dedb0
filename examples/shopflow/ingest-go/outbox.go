package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/segmentio/kafka-go"
)

type outboxRow struct {
	ID      int64  `db:"id"`
	Topic   string `db:"topic"`
	Key     string `db:"event_key"`
	Payload []byte `db:"payload"`
}

// OutboxRelay moves committed outbox rows to Kafka and deletes them afterwards.
type OutboxRelay struct {
	db     *sqlx.DB
	writer *kafka.Writer
}

func NewOutboxRelay(dsn string, brokers []string) (*OutboxRelay, error) {
	db, err := sqlx.Connect("postgres", dsn)
	if err != nil {
		return nil, err
	}
	w := &kafka.Writer{
		Addr:         kafka.TCP(brokers...),
		Topic:        "order-events",
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
	}
	return &OutboxRelay{db: db, writer: w}, nil
}

func (r *OutboxRelay) Run(ctx context.Context, every time.Duration) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			r.writer.Close()
			return
		case <-ticker.C:
			if err := r.flush(ctx); err != nil {
				log.Printf("outbox flush: %v", err)
			}
		}
	}
}

func (r *OutboxRelay) flush(ctx context.Context) error {
	var rows []outboxRow
	err := r.db.SelectContext(ctx, &rows,
		"SELECT id, topic, event_key, payload FROM outbox ORDER BY id LIMIT 500")
	if err != nil || len(rows) == 0 {
		return err
	}
	msgs := make([]kafka.Message, 0, len(rows))
	for _, row := range rows {
		msgs = append(msgs, kafka.Message{Key: []byte(row.Key), Value: row.Payload})
	}
	if err := r.writer.WriteMessages(ctx, msgs...); err != nil {
		return deadLetter(rows, err)
	}
	_, err = r.db.ExecContext(ctx, "DELETE FROM outbox WHERE id <= $1", rows[len(rows)-1].ID)
	return err
}

// deadLetter dumps rows that Kafka refused so that an operator can replay them.
func deadLetter(rows []outboxRow, cause error) error {
	f, err := os.Create(fmt.Sprintf("deadletter-%d.jsonl", time.Now().Unix()))
	if err != nil {
		return err
	}
	defer f.Close()
	for _, row := range rows {
		fmt.Fprintf(f, "%s\n", row.Payload)
	}
	return fmt.Errorf("kafka write failed, %d rows dead-lettered: %w", len(rows), cause)
}
