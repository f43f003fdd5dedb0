package main

import (
	"context"
	"encoding/json"
	"log"

	"github.com/IBM/sarama"
)

type paymentEvent struct {
	ID          string `json:"id"`
	AccountID   string `json:"account_id"`
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency"`
}

type paymentHandler struct {
	ledger     *Ledger
	deadLetter sarama.SyncProducer
}

func (h *paymentHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *paymentHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h *paymentHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for msg := range claim.Messages() {
		var ev paymentEvent
		if err := json.Unmarshal(msg.Value, &ev); err != nil {
			h.park(msg, err)
			sess.MarkMessage(msg, "")
			continue
		}
		entry := Entry{ev.ID, ev.AccountID, ev.AmountCents, ev.Currency, msg.Timestamp}
		if err := h.ledger.Book(sess.Context(), []Entry{entry}); err != nil {
			return err
		}
		sess.MarkMessage(msg, "")
	}
	return nil
}

// park forwards a message that cannot be booked to the dead-letter topic.
func (h *paymentHandler) park(msg *sarama.ConsumerMessage, cause error) {
	_, _, err := h.deadLetter.SendMessage(&sarama.ProducerMessage{
		Topic: "payments.dead-letter",
		Key:   sarama.ByteEncoder(msg.Key),
		Value: sarama.ByteEncoder(msg.Value),
	})
	if err != nil {
		log.Printf("dead-letter %s/%d (%v): %v", msg.Topic, msg.Offset, cause, err)
	}
}

func startConsumer(ctx context.Context, cfg *Config, ledger *Ledger) (sarama.ConsumerGroup, error) {
	sc := sarama.NewConfig()
	sc.Consumer.Offsets.Initial = sarama.OffsetOldest
	sc.Producer.Return.Successes = true

	producer, err := sarama.NewSyncProducer(cfg.Brokers, sc)
	if err != nil {
		return nil, err
	}
	group, err := sarama.NewConsumerGroup(cfg.Brokers, cfg.Group, sc)
	if err != nil {
		return nil, err
	}
	handler := &paymentHandler{ledger: ledger, deadLetter: producer}
	go func() {
		for ctx.Err() == nil {
			if err := group.Consume(ctx, []string{"payments.settled"}, handler); err != nil {
				log.Printf("consume: %v", err)
			}
		}
	}()
	return group, nil
}
