package main

import (
	"context"
	"encoding/json"
	"log"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

const alertsTopic = "inventory.alerts"

// RunMovements applies stock movements until ctx is cancelled; movements of
// discontinued products are reported on the alerts topic instead.
func RunMovements(ctx context.Context, bootstrap string, stock *StockStore, catalog *Catalog) error {
	consumer, err := kafka.NewConsumer(&kafka.ConfigMap{
		"bootstrap.servers":  bootstrap,
		"group.id":           "inventory-ingest",
		"auto.offset.reset":  "earliest",
		"enable.auto.commit": false,
	})
	if err != nil {
		return err
	}
	defer consumer.Close()
	producer, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": bootstrap})
	if err != nil {
		return err
	}
	defer producer.Close()

	if err := consumer.SubscribeTopics([]string{"warehouse.stock-movements"}, nil); err != nil {
		return err
	}
	topic := alertsTopic
	for ctx.Err() == nil {
		msg, err := consumer.ReadMessage(500 * time.Millisecond)
		if err != nil {
			if kerr, ok := err.(kafka.Error); ok && kerr.IsTimeout() {
				continue
			}
			return err
		}
		var m Movement
		if err := json.Unmarshal(msg.Value, &m); err != nil {
			log.Printf("skip malformed movement at %v: %v", msg.TopicPartition, err)
			continue
		}
		if p, _ := catalog.Product(ctx, m.SKU); p != nil && p.Discount {
			_ = producer.Produce(&kafka.Message{
				TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
				Key:            []byte(m.SKU),
				Value:          msg.Value,
			}, nil)
			continue
		}
		if err := stock.Apply(ctx, m); err != nil {
			return err
		}
		_ = catalog.TouchStock(ctx, m.SKU, m.At)
		if _, err := consumer.CommitMessage(msg); err != nil {
			return err
		}
	}
	return nil
}
