package main

import (
	"context"
	"log"
	"os"
	"strings"

	"github.com/segmentio/kafka-go"
)

// listen builds the reports requested on the report-requests topic.
func listen(ctx context.Context, reports *Reports) {
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:  strings.Split(os.Getenv("KAFKA_BROKERS"), ","),
		GroupID:  "report-exporter",
		Topic:    "partner.report-requests",
		MinBytes: 1,
		MaxBytes: 1 << 20,
	})
	defer r.Close()
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() == nil {
				log.Printf("fetch: %v", err)
			}
			return
		}
		partner, period, ok := strings.Cut(string(m.Value), ":")
		if !ok {
			log.Printf("bad request %q at offset %d", m.Value, m.Offset)
		} else if _, err := reports.Build(ctx, partner, period); err != nil {
			log.Printf("build %s %s: %v", partner, period, err)
			continue
		}
		if err := r.CommitMessages(ctx, m); err != nil {
			log.Printf("commit: %v", err)
		}
	}
}
