package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/s3"
	"github.com/aws/aws-sdk-go/service/s3/s3manager"
)

// Storage keeps finished reports in a bucket and can mirror them locally.
type Storage struct {
	bucket     string
	svc        *s3.S3
	uploader   *s3manager.Uploader
	downloader *s3manager.Downloader
}

func NewStorage(sess *session.Session, bucket string) *Storage {
	return &Storage{
		bucket:     bucket,
		svc:        s3.New(sess),
		uploader:   s3manager.NewUploader(sess),
		downloader: s3manager.NewDownloader(sess),
	}
}

func (s *Storage) Put(ctx context.Context, key string, data []byte) error {
	_, err := s.uploader.UploadWithContext(ctx, &s3manager.UploadInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
		Body:   bytes.NewReader(data),
	})
	return err
}

// Mirror downloads every report of a partner into dir.
func (s *Storage) Mirror(ctx context.Context, partner, dir string) error {
	var keys []string
	err := s.svc.ListObjectsV2PagesWithContext(ctx, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket),
		Prefix: aws.String(partner + "/"),
	}, func(page *s3.ListObjectsV2Output, _ bool) bool {
		for _, obj := range page.Contents {
			keys = append(keys, *obj.Key)
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, key := range keys {
		f, err := os.Create(filepath.Join(dir, filepath.Base(key)))
		if err != nil {
			return err
		}
		_, err = s.downloader.DownloadWithContext(ctx, f, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
