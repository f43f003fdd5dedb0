package com.trailhead.clicks;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;

/** Streaming side: enriches raw clicks with the user's plan and counts clicks per user and minute. */
public final class ClickEnricher {

    static Topology topology(Serde<Click> clickSerde, Serde<UserProfile> profileSerde) {
        StreamsBuilder builder = new StreamsBuilder();

        KTable<String, UserProfile> profiles = builder.table("user-profiles",
                Consumed.with(Serdes.String(), profileSerde));
        KStream<String, Click> clicks = builder.stream("clicks.raw",
                Consumed.with(Serdes.String(), clickSerde));

        KStream<String, EnrichedClick> enriched = clicks
                .filter((key, click) -> click != null && !click.isBot())
                .selectKey((key, click) -> click.userId())
                .join(profiles, (click, profile) -> EnrichedClick.of(click, profile.plan()));

        enriched.to("clicks.enriched", Produced.with(Serdes.String(), EnrichedClick.serde()));

        enriched
                .groupByKey(Grouped.with(Serdes.String(), EnrichedClick.serde()))
                .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMinutes(1)))
                .count(Materialized.as("clicks-per-user-minute"))
                .toStream()
                .map((window, n) -> KeyValue.pair(window.key(), n))
                .to("clicks.per-user-minute", Produced.with(Serdes.String(), Serdes.Long()));

        return builder.build();
    }

    public static void main(String[] args) throws InterruptedException {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "click-enricher");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("KAFKA_BROKERS"));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);

        KafkaStreams streams = new KafkaStreams(topology(Click.serde(), UserProfile.serde()), props);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close(Duration.ofSeconds(10));
            done.countDown();
        }));
        streams.start();
        done.await();
    }
}
