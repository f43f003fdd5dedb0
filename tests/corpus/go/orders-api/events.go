package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// EventPublisher announces order events on Kafka.
type EventPublisher struct {
	w *kafka.Writer
}

func NewEventPublisher(brokers string) *EventPublisher {
	return &EventPublisher{w: &kafka.Writer{
		Addr:         kafka.TCP(strings.Split(brokers, ",")...),
		Topic:        "orders.created.v1",
		Balancer:     &kafka.Hash{},
		BatchTimeout: 50 * time.Millisecond,
	}}
}

func (p *EventPublisher) OrderCreated(ctx context.Context, o Order) error {
	payload, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return p.w.WriteMessages(ctx, kafka.Message{Key: []byte(strconv.FormatInt(o.ID, 10)), Value: payload})
}

// PaymentsClient talks to the payment provider's REST API.
type PaymentsClient struct {
	base string
	http *http.Client
}

func NewPaymentsClient(base string) *PaymentsClient {
	return &PaymentsClient{base: base, http: &http.Client{Timeout: 5 * time.Second}}
}

func (c *PaymentsClient) Authorize(ctx context.Context, orderID, amountCents int64) error {
	body, _ := json.Marshal(map[string]any{"order_id": orderID, "amount": amountCents, "currency": "EUR"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/authorizations", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("authorize order %d: %s", orderID, resp.Status)
	}
	return nil
}
