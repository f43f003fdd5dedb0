package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Exporter writes a day's statement as CSV and ships it to the finance bucket.
type Exporter struct {
	ledger *Ledger
	dir    string
	bucket string
	s3     *s3.Client
}

func NewExporter(ctx context.Context, ledger *Ledger, dir, bucket string) (*Exporter, error) {
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("eu-central-1"))
	if err != nil {
		return nil, err
	}
	return &Exporter{ledger: ledger, dir: dir, bucket: bucket, s3: s3.NewFromConfig(awsCfg)}, nil
}

func (x *Exporter) ExportDay(ctx context.Context, day time.Time) error {
	rows, err := x.ledger.Statement(ctx, day)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("statement-%s.csv", day.Format("2006-01-02"))
	path := filepath.Join(x.dir, name)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"payment_id", "holder", "amount_cents", "currency"})
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	body, err := os.Open(path)
	if err != nil {
		return err
	}
	defer body.Close()
	_, err = x.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(x.bucket),
		Key:    aws.String("statements/" + name),
		Body:   body,
	})
	return err
}
