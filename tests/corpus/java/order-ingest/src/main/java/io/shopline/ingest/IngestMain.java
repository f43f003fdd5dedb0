package io.shopline.ingest;

import java.io.FileInputStream;
import java.io.InputStream;
import java.util.Properties;
import java.util.logging.FileHandler;
import java.util.logging.Logger;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class IngestMain {

    private static final Logger LOG = Logger.getLogger("ingest");

    public static void main(String[] args) throws Exception {
        Properties settings = new Properties();
        try (InputStream in = new FileInputStream("conf/ingest.properties")) {
            settings.load(in);
        }
        FileHandler logFile = new FileHandler("logs/ingest.log", true);
        LOG.addHandler(logFile);

        String brokers = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        OrderStore store = new OrderStore(System.getenv("ORDERS_DB_URL"),
                settings.getProperty("db.user", "ingest"), System.getenv("ORDERS_DB_PASSWORD"));
        store.ensureSchema();

        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(brokers, settings));
        KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(brokers));
        OrderConsumer loop = new OrderConsumer(consumer, producer, store);
        Runtime.getRuntime().addShutdownHook(new Thread(loop::stop));

        if (args.length > 0 && args[0].equals("--export")) {
            new DailyExport(store).run(java.time.LocalDate.parse(args[1]));
            return;
        }
        loop.run();
    }

    private static Properties consumerProps(String brokers, Properties settings) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, settings.getProperty("consumer.group", "order-ingest"));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return props;
    }

    private static Properties producerProps(String brokers) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return props;
    }
}
