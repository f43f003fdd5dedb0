package com.trailhead.clicks;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.unix_timestamp;
import static org.apache.spark.sql.functions.when;

import java.util.Properties;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Nightly batch: sessionises yesterday's clicks, joins account data and writes
 * curated sessions to the lake and a daily summary to the reporting database.
 */
public final class DailySessionsJob {

    private static final long SESSION_GAP_SECONDS = 30 * 60;

    public static void main(String[] args) {
        String day = args[0];
        String reportingUrl = System.getenv("REPORTING_JDBC_URL");

        SparkSession spark = SparkSession.builder()
                .appName("daily-sessions")
                .config("spark.sql.session.timeZone", "UTC")
                .getOrCreate();

        Dataset<Row> web = spark.read().json("/data/raw/clicks/web/" + day);
        Dataset<Row> app = spark.read().parquet("/data/raw/clicks/app/" + day);
        Dataset<Row> accounts = spark.read()
                .format("jdbc")
                .option("url", reportingUrl)
                .option("dbtable", "crm.accounts")
                .option("user", System.getenv("REPORTING_USER"))
                .load();

        Dataset<Row> clicks = web.select("user_id", "url", "ts", "device")
                .unionByName(app.select("user_id", "url", "ts", "device"))
                .filter(col("user_id").isNotNull())
                .dropDuplicates("user_id", "url", "ts");

        Dataset<Row> sessions = sessionise(clicks)
                .join(accounts, clicks.col("user_id").equalTo(accounts.col("id")), "left")
                .withColumn("plan", when(col("plan").isNull(), "free").otherwise(col("plan")));

        sessions.write()
                .mode(SaveMode.Overwrite)
                .partitionBy("plan")
                .parquet("/data/curated/sessions/" + day);

        Dataset<Row> summary = sessions
                .groupBy(to_date(col("session_start")).as("day"), col("plan"))
                .agg(count("*").as("sessions"), sum("clicks").as("clicks"));

        Properties props = new Properties();
        props.setProperty("user", System.getenv("REPORTING_USER"));
        props.setProperty("password", System.getenv("REPORTING_PASSWORD"));
        summary.write().mode(SaveMode.Append).jdbc(reportingUrl, "reporting.daily_sessions", props);

        spark.stop();
    }

    static Dataset<Row> sessionise(Dataset<Row> clicks) {
        WindowSpec byUser = Window.partitionBy("user_id").orderBy("ts");
        Dataset<Row> marked = clicks
                .withColumn("prev_ts", lag(col("ts"), 1).over(byUser))
                .withColumn("new_session", when(col("prev_ts").isNull()
                        .or(unix_timestamp(col("ts")).minus(unix_timestamp(col("prev_ts"))).gt(SESSION_GAP_SECONDS)), 1)
                        .otherwise(0))
                .withColumn("session_no", sum("new_session").over(byUser));
        return marked
                .groupBy("user_id", "session_no")
                .agg(min("ts").as("session_start"), max("ts").as("session_end"), count("*").as("clicks"));
    }
}
