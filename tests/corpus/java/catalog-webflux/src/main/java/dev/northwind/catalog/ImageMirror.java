package dev.northwind.catalog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Mirrors supplier product images to the local CDN origin and reports what it fetched. */
@Component
public class ImageMirror {

    private static final MediaType JSON = MediaType.get("application/json");

    private final OkHttpClient http = new OkHttpClient.Builder()
            .callTimeout(Duration.ofSeconds(20))
            .build();
    private final Path originRoot = Path.of("/srv/cdn-origin/products");

    @Scheduled(fixedDelayString = "PT15M")
    public void mirrorPending() throws IOException {
        for (String line : Files.readAllLines(Path.of("/srv/catalog/pending-images.txt"))) {
            String[] parts = line.split("\t");
            if (parts.length == 2) {
                mirror(parts[0], parts[1]);
            }
        }
    }

    void mirror(String sku, String imageUrl) throws IOException {
        Request request = new Request.Builder().url(imageUrl).get().build();
        try (Response response = http.newCall(request).execute()) {
            if (!response.isSuccessful() || response.body() == null) {
                throw new IOException("image " + imageUrl + " answered " + response.code());
            }
            Files.write(originRoot.resolve(sku + ".jpg"), response.body().bytes());
        }
        Request report = new Request.Builder()
                .url("https://supplier-hub.northwind.internal/api/mirrored")
                .post(RequestBody.create("{\"sku\":\"" + sku + "\"}", JSON))
                .build();
        try (Response ack = http.newCall(report).execute()) {
            if (!ack.isSuccessful()) {
                throw new IOException("supplier hub rejected mirror report for " + sku);
            }
        }
    }
}
