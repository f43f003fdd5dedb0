diesel::table! {
    products (id) {
        id -> Int4,
        sku -> Varchar,
        name -> Varchar,
        category -> Varchar,
        price_cents -> Int8,
        stock -> Int4,
    }
}

diesel::table! {
    stock_moves (id) {
        id -> Int4,
        product_id -> Int4,
        delta -> Int4,
        reason -> Text,
    }
}

diesel::joinable!(stock_moves -> products (product_id));
diesel::allow_tables_to_appear_in_same_query!(products, stock_moves);
