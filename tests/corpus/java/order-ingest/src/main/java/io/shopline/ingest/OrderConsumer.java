package io.shopline.ingest;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;

/** Reads raw orders from Kafka, upserts them in batches, parks unreadable ones on a dead-letter topic. */
public class OrderConsumer implements Runnable {

    private static final Logger LOG = Logger.getLogger(OrderConsumer.class.getName());

    private final KafkaConsumer<String, String> consumer;
    private final KafkaProducer<String, String> dlqProducer;
    private final OrderStore store;
    private final ObjectMapper json = new ObjectMapper();
    private volatile boolean running = true;

    public OrderConsumer(KafkaConsumer<String, String> consumer, KafkaProducer<String, String> dlqProducer, OrderStore store) {
        this.consumer = consumer;
        this.dlqProducer = dlqProducer;
        this.store = store;
    }

    @Override
    public void run() {
        consumer.subscribe(List.of("orders.raw"));
        try {
            while (running) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofSeconds(1));
                List<Order> batch = new ArrayList<>();
                for (ConsumerRecord<String, String> record : records) {
                    try {
                        batch.add(json.readValue(record.value(), Order.class));
                    } catch (Exception e) {
                        LOG.log(Level.WARNING, "unreadable order at offset " + record.offset(), e);
                        dlqProducer.send(new ProducerRecord<>("orders.dlq", record.key(), record.value()));
                    }
                }
                store.upsert(batch);
                consumer.commitSync();
            }
        } catch (WakeupException e) {
            LOG.info("consumer woken up for shutdown");
        } catch (SQLException e) {
            LOG.log(Level.SEVERE, "could not store batch, stopping", e);
        } finally {
            consumer.close();
            dlqProducer.close();
        }
    }

    public void stop() {
        running = false;
        consumer.wakeup();
    }
}
