// Command report-exporter builds partner reports from the analytics replica:
// report requests arrive on Kafka or through the API, finished reports are
// uploaded to S3 and served back from there.
package main

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"
	"github.com/joho/godotenv"
	_ "github.com/lib/pq"
	"gopkg.in/natefinch/lumberjack.v2"
)

func main() {
	_ = godotenv.Load()
	log.SetOutput(&lumberjack.Logger{Filename: "/var/log/report-exporter/app.log", MaxSize: 50, MaxBackups: 5})

	db := sqlx.MustConnect("postgres", os.Getenv("ANALYTICS_DSN"))
	db.MustExec(`CREATE TABLE IF NOT EXISTS report_runs (
		id SERIAL PRIMARY KEY, partner_id TEXT NOT NULL, period TEXT NOT NULL,
		object_key TEXT, finished_at TIMESTAMPTZ)`)

	sess := session.Must(session.NewSession(&aws.Config{Region: aws.String("eu-west-1")}))
	reports := &Reports{db: db, store: NewStorage(sess, "acme-partner-reports")}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go listen(ctx, reports)

	metrics := http.NewServeMux()
	metrics.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(reports.Stats()))
	})
	go func() { log.Println(http.ListenAndServe(":9102", metrics)) }()

	app := fiber.New()
	app.Post("/reports/:partner/:period", func(c *fiber.Ctx) error {
		key, err := reports.Build(c.Context(), c.Params("partner"), c.Params("period"))
		if err != nil {
			return fiber.NewError(fiber.StatusInternalServerError, err.Error())
		}
		return c.Status(fiber.StatusCreated).JSON(fiber.Map{"key": key})
	})
	app.Get("/reports/:partner", func(c *fiber.Ctx) error {
		runs, err := reports.Runs(c.Context(), c.Params("partner"))
		if err != nil {
			return err
		}
		return c.JSON(runs)
	})
	log.Fatal(app.Listen(":8080"))
}
