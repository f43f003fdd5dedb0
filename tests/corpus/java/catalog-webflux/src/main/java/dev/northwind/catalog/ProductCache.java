package dev.northwind.catalog;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/** Products live in Redis: one JSON document per SKU and one set of SKUs per category. */
@Component
public class ProductCache {

    private static final int TTL_SECONDS = 6 * 3600;

    private final JedisPool pool;
    private final ObjectMapper mapper;

    public ProductCache(ObjectMapper mapper) {
        this.mapper = mapper;
        this.pool = new JedisPool(URI.create(System.getenv("CATALOG_REDIS_URL")));
    }

    public Optional<Product> find(String sku) {
        try (Jedis jedis = pool.getResource()) {
            String json = jedis.get("product:" + sku);
            return json == null ? Optional.empty() : Optional.of(read(json));
        }
    }

    public List<Product> byCategory(String category) {
        try (Jedis jedis = pool.getResource()) {
            Set<String> skus = jedis.smembers("category:" + category);
            List<Product> products = new ArrayList<>(skus.size());
            for (String sku : skus) {
                String json = jedis.get("product:" + sku);
                if (json != null) {
                    products.add(read(json));
                }
            }
            return products;
        }
    }

    public void put(Product product) {
        try (Jedis jedis = pool.getResource()) {
            jedis.setex("product:" + product.sku(), TTL_SECONDS, mapper.writeValueAsString(product));
            jedis.sadd("category:" + product.category(), product.sku());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("product " + product.sku() + " is not serialisable", e);
        }
    }

    public void evict(String sku) {
        try (Jedis jedis = pool.getResource()) {
            jedis.del("product:" + sku);
        }
    }

    private Product read(String json) {
        try {
            return mapper.readValue(json, Product.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt cache entry", e);
        }
    }
}
