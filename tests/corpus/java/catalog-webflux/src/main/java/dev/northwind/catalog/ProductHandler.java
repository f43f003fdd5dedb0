package dev.northwind.catalog;

import java.time.Duration;
import java.util.List;

import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

@Component
public class ProductHandler {

    private final ProductCache cache;
    private final RabbitTemplate rabbitTemplate;
    private final WebClient pricing;

    public ProductHandler(ProductCache cache, RabbitTemplate rabbitTemplate, WebClient.Builder builder) {
        this.cache = cache;
        this.rabbitTemplate = rabbitTemplate;
        this.pricing = builder.baseUrl("https://pricing.northwind.internal").build();
    }

    public Mono<ServerResponse> product(ServerRequest request) {
        String sku = request.pathVariable("sku");
        return Mono.justOrEmpty(cache.find(sku))
                .switchIfEmpty(Mono.error(new ProductNotFound(sku)))
                .zipWith(price(sku), Product::withPrice)
                .flatMap(product -> ServerResponse.ok().bodyValue(product))
                .onErrorResume(ProductNotFound.class, e -> ServerResponse.notFound().build());
    }

    public Mono<ServerResponse> search(ServerRequest request) {
        String category = request.queryParam("category").orElse("all");
        List<Product> found = cache.byCategory(category);
        return ServerResponse.ok().bodyValue(found);
    }

    public Mono<ServerResponse> create(ServerRequest request) {
        return request.bodyToMono(Product.class)
                .flatMap(product -> pricing.post()
                        .uri("/prices")
                        .bodyValue(new PriceRequest(product.sku(), product.listPrice()))
                        .retrieve()
                        .toBodilessEntity()
                        .thenReturn(product))
                .doOnNext(product -> {
                    cache.put(product);
                    rabbitTemplate.convertAndSend("catalog.events", "product.created", product);
                })
                .flatMap(product -> ServerResponse.status(201).bodyValue(product));
    }

    public Mono<ServerResponse> retire(ServerRequest request) {
        String sku = request.pathVariable("sku");
        cache.evict(sku);
        rabbitTemplate.convertAndSend("catalog.events", "product.retired", new Retired(sku));
        return ServerResponse.noContent().build();
    }

    private Mono<Price> price(String sku) {
        return pricing.get()
                .uri("/prices/{sku}", sku)
                .retrieve()
                .bodyToMono(Price.class)
                .timeout(Duration.ofMillis(800))
                .onErrorReturn(Price.unknown(sku));
    }

    @RabbitListener(queues = "catalog.reindex")
    public void onReindex(ReindexRequest request) {
        request.skus().forEach(cache::evict);
    }
}
