"""JPA entities and gorm models as catalog tables: names, columns, keys, relations, problems."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from flowscan.catalog.build import build_catalog
from flowscan.catalog.model import Catalog, Field, Index, Item, Origin, Relationship
from flowscan.catalog.readers.orm_gorm import plural, to_db_name
from flowscan.catalog.readers.orm_jpa import physical_name
from flowscan.catalog.readers.orm_jvm_go import READERS
from flowscan.config import Config

FIXTURES = Path(__file__).parent / "fixtures" / "orm_jvm_go"
ROOT = Path(__file__).resolve().parents[2]


def _catalog(path: Path) -> Catalog:
    return build_catalog([path], Config(path=path / "flowscan.toml"), READERS)


@pytest.fixture(scope="module")
def jpa() -> Catalog:
    return _catalog(FIXTURES / "shop-jpa")


@pytest.fixture(scope="module")
def go() -> Catalog:
    return _catalog(FIXTURES / "shop-go")


def _table(catalog: Catalog, name: str) -> Item:
    item = catalog.item(f"table:{name}")
    assert item is not None, [i.id for i in catalog.items]
    return item


def _column(item: Item, name: str) -> Field:
    found = next((f for f in item.fields if f.name == name), None)
    assert found is not None, [f.name for f in item.fields]
    return found


def _columns(item: Item) -> list[str]:
    return [f.name for f in item.fields]


def _relations(catalog: Catalog, kind: str) -> set[tuple[str, str, str | None]]:
    return {(r.source, r.target, r.label) for r in catalog.relationships if r.kind == kind}


def _relation(catalog: Catalog, source: str, target: str, kind: str = "foreign_key") -> Relationship:
    found = [r for r in catalog.relationships if (r.source, r.target, r.kind) == (source, target, kind)]
    assert len(found) == 1, catalog.relationships
    return found[0]


def _ends(origin: Origin) -> tuple[str, str, int]:
    return origin.source, origin.path.rsplit("/", 1)[-1], origin.line


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


# --- naming ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "physical"), [
    ("OrderItem", "order_item"), ("createdAt", "created_at"), ("addressLine1", "address_line1"),
    ("HTTPStatus", "httpstatus"), ("line1Total", "line1_total"), ("orders", "orders"), ('"Order"', "Order"),
    ("`Order`", "Order"), ("Customer_id", "customer_id"),
])
def test_spring_boot_physical_naming(name: str, physical: str) -> None:
    assert physical_name(name) == physical


@pytest.mark.parametrize(("name", "column"), [
    ("UserID", "user_id"), ("HTTPStatus", "http_status"), ("ThisIsATest", "this_is_a_test"),
    ("PFAndESI", "pf_and_esi"), ("SKU_ID", "sku_id"), ("HTTPServerHandlerForURLID", "http_server_handler_for_url_id"),
    ("UUID", "uuid"), ("SHA256Hash", "sha256_hash"), ("userRestrictions", "user_restrictions"), ("X", "x"),
])
def test_gorm_column_naming(name: str, column: str) -> None:
    assert to_db_name(name) == column


@pytest.mark.parametrize(("word", "plural_"), [
    ("order_item", "order_items"), ("category", "categories"), ("person", "people"), ("sales_person", "sales_people"),
    ("box", "boxes"), ("address", "addresses"), ("status", "statuses"), ("child", "children"), ("wife", "wives"),
    ("day", "days"), ("news", "news"), ("equipment", "equipment"), ("datum", "data"), ("quiz", "quizzes"),
    ("match", "matches"), ("index", "indices"), ("audit_log", "audit_logs"),
])
def test_gorm_table_plurals_follow_inflection(word: str, plural_: str) -> None:
    assert plural(word) == plural_


# --- JPA --------------------------------------------------------------------------------------------------------------


def test_an_entity_is_a_table_named_by_table_with_its_schema_and_its_mapped_superclass_columns(jpa: Catalog) -> None:
    orders = _table(jpa, "sales.orders")
    assert [_ends(o) for o in orders.origins] == [("jpa", "Order.java", 20), ("jpa", "BaseEntity.java", 15)]
    assert orders.fact("model") == "com.shop.domain.Order"
    assert _columns(orders) == ["id", "created_at", "updated_at", "version", "customer_id", "total", "status",
                                "currency", "placed_at", "notes"]
    # the key comes from the @MappedSuperclass in another file, with its own line
    assert _column(orders, "id") == Field("id", "bigint", False, primary_key=True, line=19,
                                          description="generated (identity); inherited from com.shop.domain.BaseEntity")
    assert _column(orders, "created_at") == Field("created_at", "timestamp", False, line=22,
                                                  description="inherited from com.shop.domain.BaseEntity")
    assert _column(orders, "version").nullable is False  # a primitive long cannot be null
    assert orders.indexes == (Index("idx_orders_customer", ("customer_id",)),
                              Index("idx_orders_placed", ("placed_at", "status")))


def test_java_types_become_sql_types_with_lengths_precision_and_nullability(jpa: Catalog) -> None:
    orders = _table(jpa, "sales.orders")
    assert _column(orders, "total") == Field("total", "numeric(12,2)", False, line=35)
    assert _column(orders, "status").type == "integer"  # @Enumerated without a type is ORDINAL
    # a columnDefinition gives the type, the default and the NOT NULL as written
    assert _column(orders, "currency") == Field("currency", "char(3)", False, "'EUR'", line=41)
    assert _column(orders, "placed_at").type == "timestamp"
    assert _column(orders, "notes").type == "clob"
    customers = _table(jpa, "customers")
    assert _column(customers, "email") == Field("email", "varchar(255)", False, line=28)  # @NotNull
    assert _column(customers, "full_name").type == "varchar(200)"
    assert _column(customers, "status") == Field("status", "varchar(16)", False, line=46)  # EnumType.STRING
    assert _column(customers, "marketing_opt_in") == Field("marketing_opt_in", "boolean", False, line=48)
    payments = _table(jpa, "payments")
    assert _column(payments, "id").type == "uuid"
    assert _column(payments, "captured_at").type == "timestamp with time zone"
    # PaymentMethod is an enum in a file without JPA markers, parsed because a model names it
    assert _column(payments, "method").type == "integer"
    coupon = _table(jpa, "coupon")
    assert [(f.name, f.type, f.nullable) for f in coupon.fields] == [
        ("code", "varchar(20)", False), ("valid_until", "date", True), ("percent_off", "double precision", False)]


def test_transient_and_static_fields_are_not_columns(jpa: Catalog) -> None:
    orders = _table(jpa, "sales.orders")
    assert not {"discount", "cached_summary", "serial_version_uid", "table", "items", "tags"} & set(_columns(orders))


def test_default_names_follow_the_class_and_entity_name(jpa: Catalog) -> None:
    item = _table(jpa, "order_item")
    assert _columns(item)[-4:] == ["order_id", "product_id", "quantity", "unit_price"]
    assert _column(item, "unit_price").type == "numeric(10,2)"
    coupon = _table(jpa, "coupon")  # @Entity(name = "Coupon") on LegacyCoupon, javax.persistence
    assert coupon.fact("entity_name") == "Coupon" and coupon.fact("model") == "com.shop.legacy.LegacyCoupon"


def test_embeddables_are_inlined_with_attribute_overrides(jpa: Catalog) -> None:
    customers = _table(jpa, "customers")
    assert ("jpa", "Address.java", 7) in [_ends(o) for o in customers.origins]
    assert _column(customers, "billing_city") == Field(
        "billing_city", "varchar(120)", True, line=12,
        description="embedded com.shop.domain.Address via `billingAddress`")
    # the override's @Column has no nullable=false: the override decides
    assert _column(customers, "billing_country").nullable is True
    assert _column(customers, "postal_code").type == "varchar(16)"
    assert _column(customers, "country") == Field(
        "country", "varchar(2)", False, line=19,
        description="ISO 3166-1 alpha-2 country code; embedded com.shop.domain.Address via `shippingAddress`")
    assert customers.indexes == (Index("uk_customers_email", ("email",), unique=True),)
    assert customers.description == "A person or company that places orders."


def test_many_to_one_is_a_join_column_and_a_foreign_key(jpa: Catalog) -> None:
    orders = _table(jpa, "sales.orders")
    assert _column(orders, "customer_id") == Field("customer_id", "bigint", False, references="customers.id", line=29,
                                                   description="customer → com.shop.domain.Customer")
    relation = _relation(jpa, "table:sales.orders", "table:customers")
    assert relation.label == "customer_id → id" and _ends(relation.origin) == ("jpa", "Order.java", 29)
    item = _table(jpa, "order_item")
    # no @JoinColumn: `<field>_<key>`; the target is a SINGLE_TABLE root, so its table is `products`
    assert _column(item, "product_id").references == "products.id" and _column(item, "product_id").nullable is True
    assert _column(item, "order_id").nullable is False
    invoice_order = _column(_table(jpa, "invoices"), "order_id")
    assert (invoice_order.unique, invoice_order.nullable) == (True, False)  # @OneToOne(optional = false)


def test_mapped_by_sides_are_orm_relations(jpa: Catalog) -> None:
    assert _relations(jpa, "orm_relation") == {
        ("table:customers", "table:sales.orders", "orders: one-to-many, mapped by customer"),
        ("table:sales.orders", "table:order_item", "items: one-to-many, mapped by order"),
        ("table:tags", "table:sales.orders", "orders: many-to-many, mapped by tags"),
    }


def test_many_to_many_is_a_join_table_given_or_named_by_spring(jpa: Catalog) -> None:
    order_tags = _table(jpa, "order_tags")
    assert order_tags.fact("join_table") == "com.shop.domain.Order.tags"
    assert order_tags.fields == (
        Field("order_id", "bigint", False, primary_key=True, references="sales.orders.id", line=59),
        Field("tag_id", "bigint", False, primary_key=True, references="tags.id", line=59),
    )
    # no @JoinTable: `<owner table>_<field>`, with `<entity>_id` and `<field>_id`
    products_tags = _table(jpa, "products_tags")
    assert _columns(products_tags) == ["product_id", "tags_id"]
    assert {("table:products_tags", "table:products", "product_id → id"),
            ("table:products_tags", "table:tags", "tags_id → id"),
            ("table:order_tags", "table:tags", "tag_id → id")} <= _relations(jpa, "foreign_key")


def test_an_element_collection_is_a_table_keyed_by_its_owner(jpa: Catalog) -> None:
    phones = _table(jpa, "customer_phones")
    assert [(f.name, f.type, f.references) for f in phones.fields] == [
        ("customer_id", "bigint", "customers.id"), ("phone", "varchar(32)", None)]


def test_single_table_subclasses_add_nullable_columns_and_a_discriminator_to_the_root(jpa: Catalog) -> None:
    products = _table(jpa, "products")
    assert [_ends(o) for o in products.origins] == [
        ("jpa", "Product.java", 19), ("jpa", "DigitalProduct.java", 9), ("jpa", "PhysicalProduct.java", 8)]
    assert products.facts == (("model", "com.shop.domain.Product"), ("inheritance", "single_table"),
                              ("subclasses", "com.shop.domain.DigitalProduct, com.shop.domain.PhysicalProduct"))
    assert _columns(products) == ["id", "sku", "name", "price", "product_type", "download_url", "file_size_bytes",
                                  "weight_grams"]
    assert _column(products, "product_type") == Field("product_type", "varchar(31)", False, line=18,
                                                      description="discriminator: which entity class a row is")
    # @Column(nullable = false) on a subclass field: other rows lack it, so the column is nullable
    assert _column(products, "file_size_bytes").nullable is True
    assert _column(products, "sku").unique and _column(products, "sku").type == "varchar(64)"
    assert jpa.item("table:digital_product") is None and jpa.item("table:physical_product") is None


def test_joined_subclasses_have_their_own_table_keyed_to_the_parent(jpa: Catalog) -> None:
    card = _table(jpa, "card_payments")
    assert card.facts == (("model", "com.shop.payment.CardPayment"), ("extends", "com.shop.payment.Payment"))
    assert _column(card, "payment_id") == Field("payment_id", "uuid", False, primary_key=True,
                                                references="payments.id", line=10)
    assert "amount" not in _columns(card)
    assert _relation(jpa, "table:card_payments", "table:payments").label == "payment_id → id"
    assert _table(jpa, "payments").fact("inheritance") == "joined"


def test_namesake_annotations_of_other_libraries_are_not_jpa(jpa: Catalog) -> None:
    # Spring Data JDBC's @Table("audit_records") is not an entity of this reader
    assert jpa.item("table:audit_records") is None and jpa.item("table:audit_record") is None


def test_names_from_constants_resolve_and_unresolvable_ones_are_reported(jpa: Catalog) -> None:
    assert _table(jpa, "sales.orders")  # name = Order.TABLE
    assert _table(jpa, "invoices")  # name = Tables.INVOICES, a class in a file without JPA markers
    problems = [(p.path.rsplit("/", 1)[-1], p.line, p.column, p.message) for p in jpa.problems]
    assert ("LegacyCoupon.java", 12, 1, "table name CouponSettings.TABLE is not a string constant found in the files "
            "read: the default name is used") in problems


def test_a_file_with_a_syntax_error_is_reported_and_read_where_it_parses(jpa: Catalog) -> None:
    (syntax,) = [p for p in jpa.problems if p.path.endswith("Invoice.java")]
    assert (syntax.line, syntax.column) == (26, 87)
    assert syntax.message == "Java syntax error: missing `)`; the models around it were read"
    assert _columns(_table(jpa, "invoices")) == ["id", "order_id", "number", "amount_due"]
    assert len(jpa.problems) == 2


def test_property_access_generic_ids_and_unidirectional_one_to_many(tmp_path: Path) -> None:
    _write(tmp_path, {"src/app/Base.java": """
package app;
import jakarta.persistence.*;
@MappedSuperclass
public abstract class Base<ID> {
    @Id private ID id;
}
""", "src/app/Team.java": """
package app;
import jakarta.persistence.*;
import java.util.List;
@Entity
public class Team extends Base<Long> {
    private String name;
    @OneToMany
    @JoinColumn(name = "team_id")
    private List<Player> players;
}
""", "src/app/Player.java": """
package app;
import jakarta.persistence.*;
@Entity
@Table(name = "players")
public class Player {
    private String nickName;
    @Id
    public String getHandle() { return handle; }
    public String getDisplayName() { return nickName; }
    @Transient
    public int getScore() { return 0; }
}
"""})
    catalog = _catalog(tmp_path)
    team = _table(catalog, "team")
    assert _column(team, "id").type == "bigint"  # ID bound to Long by `extends Base<Long>`
    players = _table(catalog, "players")
    # @Id on a getter: the getters are the attributes, the fields are not
    assert _columns(players) == ["handle", "display_name", "team_id"]
    assert _column(players, "team_id").references == "team.id"
    assert _relation(catalog, "table:players", "table:team").label == "team_id → id"


def test_keys_from_spring_data_bases_and_entities_whose_key_is_unknown(tmp_path: Path) -> None:
    _write(tmp_path, {"src/app/Note.java": """
package app;
import jakarta.persistence.*;
import org.springframework.data.jpa.domain.AbstractPersistable;
@Entity
public class Note extends AbstractPersistable<Long> {
    private String body;
    @ManyToOne private Folder folder;
}
""", "src/app/Folder.java": """
package app;
import jakarta.persistence.*;
import com.acme.common.AuditedEntity;
@Entity
public class Folder extends AuditedEntity {
    private String title;
}
"""})
    catalog = _catalog(tmp_path)
    note = _table(catalog, "note")
    assert _column(note, "id") == Field("id", "bigint", False, primary_key=True, line=6, description=(
        "generated (auto); inherited from org.springframework.data.jpa.domain.AbstractPersistable"))
    # Folder's key is not known: the join column has the default name, and references nothing known
    assert _column(note, "folder_id") == Field("folder_id", None, True, line=8, description="folder → app.Folder")
    assert _relation(catalog, "table:note", "table:folder").label == "folder_id → ?"
    (problem,) = catalog.problems
    assert (problem.path.rsplit("/", 1)[-1], problem.line) == ("Folder.java", 6)
    assert problem.message == ("entity Folder has no @Id or @EmbeddedId; its superclass `AuditedEntity` is not in "
                               "the files read: its primary key is unknown")


def test_unreadable_encoded_and_unmarked_java_files(tmp_path: Path) -> None:
    _write(tmp_path, {
        "Binary.java": b"@Entity\0\0\0class X {}",
        # an old project saved in Latin-1: the bytes are not UTF-8, the model is still read
        "Latin.java": ("import javax.persistence.*;\n@Entity\npublic class Booking {\n  @Id Long id;\n"
                       "  /** Nom du client (r\u00e9servation). */\n  String guestName;\n}\n").encode("latin-1"),
        "Broken.java": "class { this is not java at all",  # no marker: never parsed, never reported
        "src/test/java/FixtureEntity.java": "@jakarta.persistence.Entity class FixtureEntity { @Id Long id; }",
    })
    catalog = _catalog(tmp_path)
    problems = {(p.path.rsplit("/", 1)[-1], p.line, p.column): p.message for p in catalog.problems}
    assert problems[("Binary.java", 1, 1)] == "binary file where source code was expected"
    assert problems[("Latin.java", 5, 23)].startswith("not valid UTF-8 (byte 0xe9)")
    assert len(problems) == 2
    assert catalog.item("table:fixture_entity") is None  # test sources are not the product's model
    booking = _table(catalog, "booking")
    assert _columns(booking) == ["id", "guest_name"]
    assert _column(booking, "guest_name").description == "Nom du client (r\ufffdservation)."


def test_secrets_in_defaults_and_comments_are_masked(tmp_path: Path) -> None:
    _write(tmp_path, {"src/Account.java": """
import jakarta.persistence.*;
import org.hibernate.annotations.ColumnDefault;
@Entity
public class Account {
    @Id private Long id;
    /** Copied from postgresql://report:hunter2@db.internal/shop for the nightly export. */
    private String exportDsn;
    @ColumnDefault("'changeme'")
    private String adminPassword;
}
""", "models/account.go": """package models

type Account struct {
	ID     uint
	APIKey string `gorm:"default:sk_live_51HZ2xYz"`
	Region string `gorm:"default:eu-west-1"`
}
"""})
    catalog = _catalog(tmp_path)
    java = _table(catalog, "account")
    assert "hunter2" not in (_column(java, "export_dsn").description or "")
    assert _column(java, "admin_password").default == "***"
    go = _table(catalog, "accounts")
    assert (_column(go, "api_key").default, _column(go, "region").default) == ("***", "eu-west-1")


# --- gorm -------------------------------------------------------------------------------------------------------------


def test_gorm_model_embedding_gives_id_timestamps_and_a_soft_delete_index(go: Catalog) -> None:
    customers = _table(go, "customers")
    assert [_ends(o) for o in customers.origins] == [("gorm", "customer.go", 10), ("gorm", "types.go", 4)]
    assert customers.fact("model") == "models.Customer"
    assert customers.description == "Customer is a person or company that places orders."
    assert _columns(customers) == ["id", "created_at", "updated_at", "deleted_at", "email", "name", "phone",
                                   "billing_street", "billing_city", "billing_postal_code", "billing_country", "tier"]
    assert _column(customers, "id") == Field("id", "bigint", False, primary_key=True, line=11,
                                             description="generated (auto increment); from gorm.Model")
    assert _column(customers, "deleted_at").nullable is True
    assert customers.indexes == (Index("idx_customers_deleted_at", ("deleted_at",)),
                                 Index("idx_customers_email", ("email",), unique=True))


def test_gorm_tags_and_go_types(go: Catalog) -> None:
    customers = _table(go, "customers")
    assert _column(customers, "email") == Field("email", "varchar(255)", False, line=12)
    assert _column(customers, "phone") == Field("phone", "text", True, line=14)  # sql.NullString
    # `type LoyaltyTier string`, with the comment above the field as its description
    assert _column(customers, "tier") == Field("tier", "varchar(16)", True, "'bronze'", line=18,
                                               description="Loyalty tier, computed nightly.")
    orders = _table(go, "sales.orders")
    assert _column(orders, "order_code") == Field("order_code", "varchar(32)", True, line=15)
    assert _column(orders, "total") == Field("total", "numeric(12,2)", False, "0", line=20)
    assert _column(orders, "status").description == "pending, paid, shipped or cancelled"
    assert (_column(orders, "note").type, _column(orders, "shipped_at").type) == ("text", "timestamp")
    assert not {"internal", "cache", "customer", "items", "tags"} & set(_columns(orders))
    assert orders.indexes == (Index("idx_orders_code", ("order_code",), unique=True),
                              Index("idx_orders_customer_placed", ("customer_id", "placed_at")),
                              Index("idx_sales_orders_deleted_at", ("deleted_at",)))
    products = _table(go, "products")
    assert [(f.name, f.type) for f in products.fields] == [
        ("id", "bigint"), ("sku", "varchar(64)"), ("name", "text"), ("http_status", "bigint"),
        ("category_id", "bigint"), ("attributes", "json"), ("external_id", "uuid")]
    assert _column(products, "sku").unique
    assert _column(_table(go, "order_items"), "unit_price").type == "numeric(10,2)"
    assert _column(_table(go, "order_items"), "quantity").type == "integer"


def test_table_names_from_table_name_methods_and_gorm_pluralisation(go: Catalog) -> None:
    assert {i.name for i in go.items} == {
        "audit_logs", "categories", "coupons", "credit_cards", "customers", "order_items", "order_tags", "people",
        "person_friends", "products", "sales.orders", "tags"}
    orders = _table(go, "sales.orders")  # TableName() returns salesSchema + ".orders"
    assert [_ends(o) for o in orders.origins] == [("gorm", "order.go", 13)]
    assert _column(orders, "id").primary_key and _column(orders, "id").type == "bigint"


def test_a_struct_named_only_in_auto_migrate_is_read_from_its_file(go: Catalog) -> None:
    audit = _table(go, "audit_logs")  # audit.go never mentions gorm
    assert [_ends(o) for o in audit.origins] == [("gorm", "audit.go", 6)]
    assert [(f.name, f.type, f.line) for f in audit.fields] == [
        ("id", "bigint", 7), ("actor", "text", 8), ("action", "text", 9), ("at", "timestamp", 10)]


def test_belongs_to_has_one_and_has_many_are_foreign_keys(go: Catalog) -> None:
    orders = _table(go, "sales.orders")
    assert _column(orders, "customer_id") == Field("customer_id", "bigint", False, references="customers.id", line=16)
    assert _column(_table(go, "products"), "category_id").references == "categories.id"  # *Category, *uint
    assert _column(_table(go, "credit_cards"), "customer_id").references == "customers.id"  # has one
    assert _column(_table(go, "order_items"), "order_id").references == "sales.orders.id"  # has many, foreignKey:
    assert _relations(go, "foreign_key") >= {
        ("table:sales.orders", "table:customers", "customer_id → id"),
        ("table:products", "table:categories", "category_id → id"),
        ("table:credit_cards", "table:customers", "customer_id → id"),
        ("table:order_items", "table:sales.orders", "order_id → id"),
        ("table:order_items", "table:products", "product_id → id"),
    }
    has_many = _relation(go, "table:order_items", "table:sales.orders")
    assert _ends(has_many.origin) == ("gorm", "order.go", 18)
    assert go.item("table:addresses") is None  # embedded only, never a table


def test_many2many_join_tables_including_a_self_reference(go: Catalog) -> None:
    order_tags = _table(go, "order_tags")
    # both sides declare it; files are read in path order, catalog.go before order.go
    assert order_tags.fact("join_table") == "models.Tag.Orders, models.Order.Tags"
    assert {(f.name, f.type, f.primary_key, f.references) for f in order_tags.fields} == {
        ("order_id", "bigint", True, "sales.orders.id"), ("tag_id", "bigint", True, "tags.id")}
    friends = _table(go, "person_friends")
    assert [(f.name, f.references) for f in friends.fields] == [("person_id", "people.id"), ("friend_id", "people.id")]
    assert _relations(go, "foreign_key") >= {("table:order_tags", "table:tags", "tag_id → id"),
                                             ("table:person_friends", "table:people", "friend_id → id")}


def test_gorm_problems_name_file_line_and_column(go: Catalog) -> None:
    problems = [(p.path.rsplit("/", 1)[-1], p.line, p.column, p.message) for p in go.problems]
    assert problems == [
        ("coupon.go", 12, 19, "Go syntax error: cannot parse `(c.ExpiresAt`; the models around it were read"),
        ("db.go", 29, 3, "AutoMigrate names `models.Refund`, but no struct of that name was found in the files read"),
    ]
    coupons = _table(go, "coupons")  # read despite the error below it
    assert _column(coupons, "code") == Field("code", "varchar(20)", False, primary_key=True, line=6)
    assert go.item("table:fixture_rows") is None  # _test.go files are not models


def test_naming_strategy_polymorphic_relations_and_unrelatable_fields(tmp_path: Path) -> None:
    _write(tmp_path, {"db/db.go": """package db

import (
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

var config = &gorm.Config{NamingStrategy: schema.NamingStrategy{TablePrefix: "app_", SingularTable: true}}

type LineItem struct {
	ID    uint
	Toys  []Toy `gorm:"polymorphic:Owner;"`
	Owner Owner
	Tags  []Label `gorm:"many2many:LineItemLabel"`
}

type Toy struct {
	ID        uint
	OwnerID   uint
	OwnerType string
}

type Owner struct {
	ID   uint
	Name string
}

type Label struct {
	ID   uint
	Text string `gorm:"uniqueIndex"`
}

type Legacy struct {
	Code string `gorm:"primaryKey"`
}

func (l Legacy) TableName() string { return strings.ToLower("LEGACY") }
"""})
    catalog = _catalog(tmp_path)
    assert {i.name for i in catalog.items} == {"app_line_item", "app_toy", "app_label", "app_line_item_label",
                                                "app_legacy"}
    assert _relations(catalog, "orm_relation") == {
        ("table:app_line_item", "table:app_toy", "Toys: has many, polymorphic (owner_id, owner_type)")}
    assert _columns(_table(catalog, "app_line_item_label")) == ["line_item_id", "label_id"]
    assert _table(catalog, "app_label").indexes == (Index("idx_app_label_text", ("text",), unique=True),)
    problems = {(p.line, p.message) for p in catalog.problems}
    assert problems == {
        (13, "gorm cannot tell how `LineItem.Owner` refers to `Owner`: there is neither `LineItem.OwnerID` "
             "(belongs to) nor `Owner.LineItemID` (has one); name the key with `gorm:\"foreignKey:...\"`"),
        (37, "`Legacy.TableName()` computes its name: the default name `app_legacy` is used"),
    }


def test_gorm_v1_singular_tables_and_a_run_time_name_handler(tmp_path: Path) -> None:
    _write(tmp_path, {"models/models.go": """package models

import "github.com/jinzhu/gorm"

type Model struct {
	ID        int `gorm:"primary_key"`
	CreatedOn int
}

type Article struct {
	Model
	TagID int `gorm:"index"`
	Tag   Tag
	Title string
}

type Tag struct {
	Model
	Name string
}

func Setup(db *gorm.DB, prefix string) {
	gorm.DefaultTableNameHandler = func(db *gorm.DB, name string) string {
		return prefix + name
	}
	db.SingularTable(true)
}
"""})
    catalog = _catalog(tmp_path)
    # Model has gorm tags but is only ever embedded: no table of its own
    assert {i.name for i in catalog.items} == {"article", "tag"}
    assert _columns(_table(catalog, "article")) == ["id", "created_on", "tag_id", "title"]
    assert _column(_table(catalog, "article"), "tag_id").references == "tag.id"
    assert [(p.line, p.message) for p in catalog.problems] == [
        (23, "gorm.DefaultTableNameHandler renames tables at run time: the names here are gorm's, before that "
             "handler")]


# --- through the CLI --------------------------------------------------------------------------------------------


def test_the_cli_catalogs_jpa_and_gorm_models_as_json() -> None:
    result = subprocess.run([sys.executable, "-m", "flowscan", "catalog", str(FIXTURES), "--format", "json"],
                            capture_output=True, cwd=ROOT, timeout=60)
    data = orjson.loads(result.stdout)
    items = {item["id"]: item for item in data["items"]}
    assert {o["source"] for o in items["table:customers"]["origins"]} == {"jpa", "gorm"}
    order_item = items["table:order_item"]
    assert order_item["origins"][0]["path"].endswith("shop-jpa/src/main/java/com/shop/domain/OrderItem.java")
    assert {"name": "unit_price", "type": "numeric(10,2)", "nullable": True, "line": 22} in order_item["fields"]
    assert items["table:order_items"]["facts"] == {"model": "models.OrderItem"}
    assert {"source": "table:order_items", "target": "table:sales.orders", "kind": "foreign_key",
            "label": "order_id → id"}.items() <= next(
        r for r in data["relationships"] if (r["source"], r["target"]) == ("table:order_items", "table:sales.orders")
    ).items()
    assert sorted((p["path"].rsplit("/", 1)[-1], p["line"], p["column"]) for p in data["problems"]) == [
        ("Invoice.java", 26, 87), ("LegacyCoupon.java", 12, 1), ("coupon.go", 12, 19), ("db.go", 29, 3)]
