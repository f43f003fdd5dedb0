package dev.northwind.catalog;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

@Configuration
public class CatalogRoutes {

    @Bean
    public RouterFunction<ServerResponse> productRoutes(ProductHandler handler) {
        return RouterFunctions.route()
                .GET("/products/{sku}", handler::product)
                .GET("/products", handler::search)
                .POST("/products", handler::create)
                .DELETE("/products/{sku}", handler::retire)
                .build();
    }

    @Bean
    public RouterFunction<ServerResponse> healthRoute() {
        return route(GET("/healthz"), request -> ServerResponse.ok()
                .contentType(MediaType.TEXT_PLAIN)
                .bodyValue("ok"));
    }
}
