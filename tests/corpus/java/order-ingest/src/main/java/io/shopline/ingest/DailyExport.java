package io.shopline.ingest;

import java.io.BufferedWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/** Writes one day's totals as CSV, ships it to S3 and tells the finance team it is there. */
public class DailyExport {

    private static final String BUCKET = "shopline-order-exports";

    private final OrderStore store;
    private final HttpClient http = HttpClient.newHttpClient();
    private final S3Client s3 = S3Client.create();
    private final ObjectMapper json = new ObjectMapper();

    public DailyExport(OrderStore store) {
        this.store = store;
    }

    public void run(LocalDate day) throws Exception {
        Map<String, BigDecimal> eurRates = fetchRates();
        List<DailyTotal> totals = store.dailyTotals(day);

        Path target = Path.of("exports", "orders-" + day + ".csv");
        Files.createDirectories(target.getParent());
        try (BufferedWriter out = Files.newBufferedWriter(target, StandardCharsets.UTF_8)) {
            out.write("segment,currency,total,total_eur,orders\n");
            for (DailyTotal t : totals) {
                BigDecimal rate = eurRates.getOrDefault(t.currency(), BigDecimal.ONE);
                out.write(String.join(",", t.segment(), t.currency(), t.total().toPlainString(),
                        t.total().multiply(rate).toPlainString(), Integer.toString(t.orders())));
                out.newLine();
            }
        }

        PutObjectRequest upload = PutObjectRequest.builder()
                .bucket(BUCKET)
                .key("daily/" + target.getFileName())
                .build();
        s3.putObject(upload, RequestBody.fromFile(target));
        store.markExported(day);
        notifyFinance(day, target.getFileName().toString());
    }

    private Map<String, BigDecimal> fetchRates() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://fx.shopline.io/v1/latest?base=EUR"))
                .GET()
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("fx service answered " + response.statusCode());
        }
        return json.readValue(response.body(), new TypeReference<Map<String, BigDecimal>>() { });
    }

    private void notifyFinance(LocalDate day, String key) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(System.getenv("AMQP_URL"));
        try (Connection connection = factory.newConnection("order-export");
             Channel channel = connection.createChannel()) {
            byte[] body = json.writeValueAsBytes(Map.of("day", day.toString(), "key", key));
            channel.basicPublish("", "exports.ready", MessageProperties.PERSISTENT_TEXT_PLAIN, body);
        }
    }
}
