"""Python ORM models in the catalog: Django, SQLAlchemy (2.0, 1.x, core, Flask-SQLAlchemy, SQLModel).

The expected tables, columns, types, nullability and column order below were checked against
what Django 5.2 (`_meta`) and SQLAlchemy 2.0/2.1 (`MetaData`) build from the same fixtures.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from flowscan.catalog.build import build_catalog
from flowscan.catalog.files import MAX_TEXT_BYTES, CatalogFile
from flowscan.catalog.model import Catalog, Field, Index, Item, Part
from flowscan.catalog.readers import orm_python, orm_python_source
from flowscan.catalog.readers.orm_python import (
    module_names,
    read_orm_models,
)
from flowscan.catalog.readers.orm_python_source import read_module

FIXTURES = Path(__file__).parent / "fixtures" / "orm_python"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)


def _catalog(*folders: str) -> Catalog:
    return build_catalog([Path(f) for f in folders], chosen=orm_python.READERS)


def _table(catalog: Catalog, name: str) -> Item:
    item = catalog.item(f"table:{name}")
    assert item is not None, f"{name} not in {[i.name for i in catalog.items]}"
    return item


def _field(item: Item, name: str) -> Field:
    found = next((f for f in item.fields if f.name == name), None)
    assert found is not None, f"{name} not in {[f.name for f in item.fields]}"
    return found


def _relations(catalog: Catalog, kind: str) -> set[tuple[str, str, str | None]]:
    return {(r.source, r.target, r.label) for r in catalog.relationships if r.kind == kind}


def _files(tmp_path: Path, files: dict[str, str | bytes]) -> list[CatalogFile]:
    found: list[CatalogFile] = []
    for name, content in sorted(files.items()):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        found.append(CatalogFile(path, name, path.stat().st_size))
    return found


# --- Django ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("in_fixtures")
def test_django_models_become_tables_named_as_django_names_them() -> None:
    catalog = _catalog("django_shop")

    assert sorted(i.name for i in catalog.items) == [
        "catalog_product", "catalog_product_tags", "payments_invoice", "payments_payment", "shop_category",
        "shop_customer", "shop_digitalproduct", "shop_order", "shop_orderitem", "shop_tag",
    ]  # the abstract TimeStamped and the proxy FeaturedProduct have no table
    assert catalog.problems == ()
    order = _table(catalog, "shop_order")
    assert [(o.source, o.path, o.line) for o in order.origins] == [("django", "django_shop/shop/models.py", 54)]
    assert order.fact("model") == "shop.models.Order"
    assert order.fact("app_label") == "shop"
    # billing/apps.py says `label = "payments"`; its models live in a models/ package
    assert _table(catalog, "payments_invoice").fact("model") == "billing.models.invoice.Invoice"


@pytest.mark.usefixtures("in_fixtures")
def test_django_fields_in_order_with_types_keys_and_lines() -> None:
    order = _table(_catalog("django_shop"), "shop_order")

    assert [(f.name, f.type, f.nullable, f.primary_key) for f in order.fields] == [
        ("id", "bigint", False, True),  # implicit, BigAutoField per shop/apps.py
        ("created_at", "timestamp", False, False),  # from the abstract TimeStamped, first
        ("updated_at", "timestamp", False, False),
        ("public_id", "uuid", False, False),
        ("customer_id", "bigint", False, False),
        ("status", "varchar(16)", False, False),
        ("total", "numeric(12,2)", False, False),
        ("shipped_at", "timestamp", True, False),
        ("order_notes", "text", False, False),  # db_column=
    ]
    assert _field(order, "customer_id") == Field("customer_id", "bigint", False, None, False, False,
                                                 "shop_customer.id", 61)
    assert _field(order, "public_id").unique and _field(order, "public_id").default == "uuid.uuid4"
    assert _field(order, "created_at").default == "auto_now_add" and _field(order, "created_at").line == 11
    assert _field(order, "status").default == "Status.PENDING"
    assert Index("order_customer_recent_idx", ("customer_id", "created_at")) in order.indexes
    assert Index(None, ("customer_id",)) in order.indexes  # a ForeignKey is indexed
    assert order.fact("checks") == "order_total_not_negative: models.Q(total__gte=0)"


@pytest.mark.usefixtures("in_fixtures")
def test_django_db_table_descriptions_and_secret_defaults() -> None:
    catalog = _catalog("django_shop")

    product = _table(catalog, "catalog_product")  # Meta.db_table
    assert product.description == "Everything the shop sells"  # db_table_comment
    assert _field(product, "price").type == "numeric(10,2)"
    assert _field(product, "sku") == Field("sku", "varchar(32)", False, None, False, True, None, 41)
    assert Index(None, ("sku",)) in product.indexes  # db_index=True
    assert _field(product, "attributes").type == "json" and _field(product, "attributes").default == "dict"
    customer = _table(catalog, "shop_customer")
    assert customer.description == "A person who buys from the shop."
    assert _field(customer, "email").type == "varchar(254)"  # EmailField's default max_length
    assert _field(customer, "phone").description == "E.164, e.g. +33612345678"  # help_text
    assert _field(customer, "api_token").default == "***"
    assert Index("customer_email_lower_idx", ('Lower("email")',)) in customer.indexes
    assert _field(_table(catalog, "shop_tag"), "name").type == "varchar(40)"


@pytest.mark.usefixtures("in_fixtures")
def test_django_relations_foreign_keys_one_to_one_and_self() -> None:
    catalog = _catalog("django_shop")

    assert _relations(catalog, "foreign_key") >= {
        ("table:shop_order", "table:shop_customer", "customer_id → shop_customer.id"),
        ("table:shop_orderitem", "table:shop_order", "order_id → shop_order.id"),  # "shop.Order"
        ("table:shop_orderitem", "table:catalog_product", "product_id → catalog_product.id"),  # "Product"
        ("table:shop_category", "table:shop_category", "parent_id → shop_category.id"),  # "self"
        ("table:shop_customer", "table:auth_user", "user_id → auth_user.id"),  # settings.AUTH_USER_MODEL
        ("table:payments_invoice", "table:shop_order", "order_id → shop_order.id"),  # across apps
        ("table:payments_payment", "table:payments_invoice", "invoice_id → payments_invoice.id"),
    }
    user = _field(_table(catalog, "shop_customer"), "user_id")
    assert (user.type, user.unique, user.references) == ("integer", True, "auth_user.id")
    parent = _field(_table(catalog, "shop_category"), "parent_id")
    assert parent.nullable is True and parent.type == "bigint"
    origin = next(r.origin for r in catalog.relationships if r.label == "customer_id → shop_customer.id")
    assert (origin.source, origin.path, origin.line) == ("django", "django_shop/shop/models.py", 61)


@pytest.mark.usefixtures("in_fixtures")
def test_django_many_to_many_makes_its_join_table() -> None:
    catalog = _catalog("django_shop")

    join = _table(catalog, "catalog_product_tags")  # Django: <model's db_table>_<field>
    assert [(f.name, f.type, f.references) for f in join.fields] == [
        ("id", "bigint", None), ("product_id", "bigint", "catalog_product.id"), ("tag_id", "bigint", "shop_tag.id"),
    ]
    assert Index(None, ("product_id", "tag_id"), unique=True) in join.indexes
    assert join.origins[0].line == 47
    assert ("table:catalog_product", "table:shop_tag", "Product.tags → Tag (many-to-many via catalog_product_tags)") \
        in _relations(catalog, "orm_relation")
    assert {("table:catalog_product_tags", "table:catalog_product", "product_id → catalog_product.id"),
            ("table:catalog_product_tags", "table:shop_tag", "tag_id → shop_tag.id")} <= _relations(catalog, "foreign_key")


@pytest.mark.usefixtures("in_fixtures")
def test_django_inheritance_app_config_and_meta_options() -> None:
    catalog = _catalog("django_shop")

    digital = _table(catalog, "shop_digitalproduct")  # multi-table inheritance: a one-to-one key to the parent
    assert [(f.name, f.type, f.primary_key, f.references) for f in digital.fields] == [
        ("product_ptr_id", "bigint", True, "catalog_product.id"), ("download_url", "varchar(200)", False, None),
    ]
    invoice = _table(catalog, "payments_invoice")
    assert [f.name for f in invoice.fields] == ["id", "created_at", "updated_at", "order_id", "number", "amount",
                                                "issued_on"]
    assert _field(invoice, "id").type == "integer"  # billing/apps.py: default_auto_field = AutoField
    assert _field(invoice, "order_id").unique  # OneToOneField
    assert Index("invoice_order_number_uniq", ("order_id", "number"), unique=True) in invoice.indexes
    item = _table(catalog, "shop_orderitem")
    assert Index(None, ("order_id", "product_id"), unique=True) in item.indexes  # unique_together, field → column
    assert _field(_table(catalog, "payments_payment"), "invoice_id").type == "integer"  # to an AutoField key


def test_django_app_label_from_meta_and_bases_from_packages_not_read(tmp_path: Path) -> None:
    files = _files(tmp_path, {
        "accounts/__init__.py": "",
        "accounts/models.py": (
            "from django.db import models\n"
            "from model_utils.models import TimeStampedModel\n"
            "from taggit.models import Tag\n\n\n"
            "class Profile(TimeStampedModel):\n"
            "    bio = models.TextField(blank=True)\n"
            "    favourite = models.ForeignKey(Tag, on_delete=models.SET_NULL, null=True)\n\n"
            "    class Meta:\n"
            "        app_label = 'people'\n"
        ),
    })

    part = read_orm_models(files)

    (profile,) = part.items
    assert profile.name == "people_profile"
    assert profile.fact("unread_bases") == "model_utils.models.TimeStampedModel"
    assert [f.name for f in profile.fields] == ["id", "bio", "favourite_id"]
    assert _field(profile, "favourite_id").references == "taggit_tag.id"  # Django's naming for the other app


# --- SQLAlchemy -------------------------------------------------------------------------------


@pytest.mark.usefixtures("in_fixtures")
def test_sqlalchemy_2_models_with_mixins_aliases_and_annotation_types() -> None:
    catalog = _catalog("sqlalchemy2")

    assert sorted(i.name for i in catalog.items) == [
        "audit.events", "customers", "order_items", "order_tags", "orders", "payments", "refunds", "tags",
    ]
    assert catalog.problems == ()
    customers = _table(catalog, "customers")
    assert customers.origins[0].line == 41 and customers.fact("model") == "shop.models.Customer"
    assert customers.description == "People who buy from the shop."
    # SQLAlchemy appends a mixin's columns after the class's own
    assert [(f.name, f.type, f.nullable) for f in customers.fields] == [
        ("id", "integer", False),  # Mapped[intpk], an Annotated alias with primary_key=True
        ("email", "varchar(254)", False),
        ("name", "varchar(120)", False),  # Mapped[str120]
        ("phone", "varchar(32)", True),  # Mapped[str | None]
        ("marketing_opt_in", "boolean", False),
        ("created_at", "timestamp with time zone", False),  # type_annotation_map of Base, mixin in another file
        ("updated_at", "timestamp with time zone", True),  # Optional[datetime]
    ]
    assert _field(customers, "id").primary_key
    assert _field(customers, "phone").description == "E.164 format"
    assert _field(customers, "created_at") == Field("created_at", "timestamp with time zone", False, "func.now()",
                                                    line=11)
    assert Index("ix_customers_email", ("email",), unique=True) in customers.indexes


@pytest.mark.usefixtures("in_fixtures")
def test_sqlalchemy_2_keys_table_args_and_schema() -> None:
    catalog = _catalog("sqlalchemy2")

    orders = _table(catalog, "orders")
    assert _field(orders, "customer_id") == Field("customer_id", "integer", False, primary_key=False,
                                                  references="customers.id", line=72)
    assert _field(orders, "status").type == "enum(OrderStatus)"  # an enum.Enum of the module
    assert _field(orders, "total").type == "numeric(12,2)"
    assert _field(orders, "shipped_at").nullable is True  # annotation only: Mapped[Optional[datetime]]
    assert orders.indexes == (
        Index("ix_orders_customer_id", ("customer_id",)),
        Index("uq_orders_customer_reference", ("customer_id", "reference"), unique=True),
        Index("ix_orders_status_created", ("status", "created_at")),
    )
    assert orders.fact("checks") == "total >= 0"
    items = _table(catalog, "order_items")
    assert [(f.name, f.primary_key) for f in items.fields if f.primary_key] == [("order_id", True), ("line", True)]
    assert _field(items, "quantity").default == "1"  # server_default=text("1")
    events = _table(catalog, "audit.events")  # __table_args__ = {"schema": "audit", ...}
    assert events.description == "Who changed what, append-only"
    assert [f.name for f in events.fields] == ["id", "actor_email", "payload", "at"]  # mapped_column("actor_email")
    assert _field(events, "payload").type == "json"


@pytest.mark.usefixtures("in_fixtures")
def test_sqlalchemy_foreign_key_columns_take_the_type_of_what_they_reference() -> None:
    catalog = _catalog("sqlalchemy2")

    # mapped_column(ForeignKey("orders.id")) under Mapped[int]: orders.id is BigInteger, and so is this
    assert _field(_table(catalog, "payments"), "order_id").type == "bigint"
    assert _field(_table(catalog, "order_tags"), "order_id").type == "bigint"  # Column("order_id", ForeignKey(...))
    assert _field(_table(catalog, "order_tags"), "tag_id").type == "integer"


@pytest.mark.usefixtures("in_fixtures")
def test_sqlalchemy_inheritance_single_table_and_joined() -> None:
    catalog = _catalog("sqlalchemy2")

    payments = _table(catalog, "payments")
    assert [f.name for f in payments.fields] == ["id", "order_id", "kind", "amount", "card_last4"]
    assert payments.fact("single_table_subclasses") == "shop.models.CardPayment"
    assert [o.line for o in payments.origins] == [105, 116]
    refunds = _table(catalog, "refunds")
    assert [(f.name, f.references) for f in refunds.fields] == [("id", "payments.id"), ("reason", None)]


@pytest.mark.usefixtures("in_fixtures")
def test_sqlalchemy_relationships() -> None:
    catalog = _catalog("sqlalchemy2")

    assert _relations(catalog, "orm_relation") == {
        ("table:customers", "table:orders", "Customer.orders → Order"),  # target from Mapped[List["Order"]]
        ("table:orders", "table:customers", "Order.customer → Customer"),
        ("table:orders", "table:order_items", "Order.items → OrderItem"),
        ("table:orders", "table:tags", "Order.tags → Tag (many-to-many via order_tags)"),
        ("table:order_items", "table:orders", "OrderItem.order → Order"),
    }
    assert ("table:orders", "table:customers", "customer_id → customers.id") in _relations(catalog, "foreign_key")
    relation = next(r for r in catalog.relationships if r.label == "Order.items → OrderItem")
    assert (relation.origin.source, relation.origin.path, relation.origin.line) == (
        "sqlalchemy", "sqlalchemy2/shop/models.py", 79)


@pytest.mark.usefixtures("in_fixtures")
def test_sqlalchemy_1_declarative_base() -> None:
    catalog = _catalog("sqlalchemy1")

    users = _table(catalog, "users")
    assert [(f.name, f.type, f.nullable) for f in users.fields] == [
        ("id", "integer", False), ("user_name", "varchar(50)", False), ("email", "varchar(120)", True),
        ("password", "varchar(128)", True), ("is_admin", "boolean", False), ("bio", "text", True),  # deferred()
        ("created", "timestamp", True),
    ]
    assert _field(users, "user_name").line == 14
    assert _field(users, "password").default == "***"
    assert _field(users, "created").default == "datetime.datetime.utcnow"
    assert users.indexes == (Index("ix_users_email", ("email",), unique=True),)
    employees = _table(catalog, "employees")
    assert [f.name for f in employees.fields][-2:] == ["primary_language", "manager_data"]
    assert employees.fact("single_table_subclasses") == "legacy.models.Engineer, legacy.models.Manager"
    assert _relations(catalog, "orm_relation") == {("table:users", "table:addresses", "User.addresses → Address")}
    assert _relations(catalog, "foreign_key") == {("table:addresses", "table:users", "user_id → users.id")}


@pytest.mark.usefixtures("in_fixtures")
def test_sqlalchemy_core_tables() -> None:
    catalog = _catalog("core_tables")

    sales = _table(catalog, "reporting.daily_sales")
    assert sales.origins[0].line == 16 and sales.fact("table_variable") == "daily_sales"
    assert [(f.name, f.type, f.nullable, f.primary_key, f.default, f.line) for f in sales.fields] == [
        ("day", "date", False, True, None, 19),
        ("store_id", "integer", False, True, None, 20),  # typed by stores.id
        ("revenue", "numeric(14,2)", False, False, "0", 21),
        ("orders", "integer", False, False, "0", 22),
        ("computed_at", "timestamp with time zone", True, False, "sa.func.now()", 23),
    ]
    assert sales.indexes == (Index("ix_daily_sales_store_day", ("store_id", "day")),)
    stores = _table(catalog, "stores")
    assert stores.description == "Physical stores" and _field(stores, "region").type == "char(2)"
    assert _table(catalog, "legacy_accounts").fact("reflected") == "true"
    assert _relations(catalog, "foreign_key") == {("table:reporting.daily_sales", "table:stores",
                                                   "store_id → stores.id")}


@pytest.mark.usefixtures("in_fixtures")
def test_flask_sqlalchemy_and_sqlmodel() -> None:
    catalog = _catalog("flask_app", "sqlmodel_app")

    post = _table(catalog, "blog_post")  # Flask-SQLAlchemy names BlogPost blog_post
    assert post.fact("orm") == "flask-sqlalchemy"
    assert [(f.name, f.type) for f in post.fields] == [
        ("id", "integer"), ("title", "varchar(200)"), ("body", "text"), ("published_at", "timestamp"),
        ("author_id", "integer"),
    ]
    assert [f.references for f in _table(catalog, "post_tags").fields] == ["blog_post.id", "tag.id"]  # db.Table
    hero = _table(catalog, "hero")
    assert [(f.name, f.type, f.nullable, f.primary_key) for f in hero.fields] == [
        ("id", "integer", False, True), ("name", "varchar", False, False), ("secret_name", "varchar", False, False),
        ("age", "integer", True, False), ("team_id", "integer", True, False),
    ]
    assert _field(hero, "team_id").references == "team.id"
    assert [f.name for f in _table(catalog, "team").fields] == ["name", "headquarters", "id"]
    assert _field(_table(catalog, "team"), "name").type == "varchar(60)"
    assert catalog.item("table:heropublic") is None  # no table=True: a pydantic model
    assert ("table:team", "table:hero", "Team.heroes → Hero") in _relations(catalog, "orm_relation")


# --- broken and unusual input -----------------------------------------------------------------


@pytest.mark.usefixtures("in_fixtures")
def test_a_syntax_error_costs_only_what_it_breaks() -> None:
    catalog = _catalog("broken")

    assert sorted(i.name for i in catalog.items) == ["inventory_stocklevel", "inventory_supplier",
                                                     "inventory_warehouse"]
    # an unclosed parenthesis: the field is read as far as it parsed, the next class is not lost
    warehouse = _table(catalog, "inventory_warehouse")
    assert [(f.name, f.type, f.default) for f in warehouse.fields] == [
        ("id", "bigint", None), ("code", "varchar(8)", None), ("city", "varchar(80)", None),
        ("capacity", "integer", "0"),
    ]
    stock = _table(catalog, "inventory_stocklevel")
    assert [(f.name, f.line) for f in stock.fields] == [("id", 10), ("warehouse_id", 11), ("sku", 12),
                                                        ("quantity", 13)]
    supplier = _table(catalog, "inventory_supplier")  # `unique=True,, )`: the sound arguments are kept
    assert _field(supplier, "email").unique and _field(supplier, "rating").type == "numeric(3,1)"
    assert [str(p) for p in catalog.problems] == [
        "broken/inventory/models.py:16:1: syntax error: class Shipment could not be read, its table is not in the catalog",
    ]


def test_broken_region_keeps_decorators_with_their_class() -> None:
    source = (
        b"from sqlalchemy import Column, Integer, String\n"
        b"from sqlalchemy.orm import as_declarative\n\n"
        b"broken = (\n\n"
        b"@as_declarative()\n"
        b"class Base:\n"
        b"    pass\n\n"
        b"class Note(Base):\n"
        b"    __tablename__ = 'notes'\n"
        b"    id = Column(Integer, primary_key=True)\n"
        b"    body = Column(String(500))\n"
    )

    module = read_module("app/notes.py", "app.notes", source)

    assert [(c.name, c.line, [d.last for d in c.decorators]) for c in module.classes] == [
        ("Base", 7, ["as_declarative"]), ("Note", 10, []),
    ]
    assert [a.target for a in module.classes[1].body] == ["__tablename__", "id", "body"]
    assert module.imports["as_declarative"] == ("sqlalchemy", "orm", "as_declarative")


def test_an_unclosed_parenthesis_early_in_a_file_loses_nothing_after_it() -> None:
    classes = b"".join(b"class Model%d(models.Model):\n    name = models.CharField(max_length=10)\n\n" % n
                       for n in range(300))
    source = b"from django.db import models\n\nDEFAULTS = dict(\n\n" + classes

    module = read_module("app/models.py", "app.models", source)

    assert len(module.classes) == 300 and module.problems == ()
    assert (module.classes[-1].name, module.classes[-1].line, module.classes[-1].body[0].line) == ("Model299", 902, 903)


@pytest.mark.usefixtures("in_fixtures")
def test_two_services_with_the_same_module_names_keep_their_own_models() -> None:
    catalog = _catalog("django_shop", "sqlalchemy2")  # both have a `shop.models`

    assert _table(catalog, "shop_order").fact("orm") == "django"
    assert _table(catalog, "orders").fact("orm") == "sqlalchemy"
    assert _field(_table(catalog, "customers"), "created_at").type == "timestamp with time zone"  # its own mixin


def test_what_cannot_be_read_is_said(tmp_path: Path) -> None:
    files = _files(tmp_path, {
        "app/models.py": (
            "from sqlalchemy import Column, Integer, Table, MetaData\n"
            "from sqlalchemy.orm import DeclarativeBase, declared_attr\n\n"
            "class Base(DeclarativeBase):\n    pass\n\n"
            "TABLE_PREFIX = 'app_'\n\n"
            "class Event(Base):\n"
            "    __tablename__ = TABLE_PREFIX + 'events'\n"
            "    id = Column(Integer, primary_key=True)\n\n"
            "class Draft(Base):\n"
            "    id = Column(Integer, primary_key=True)\n\n"
            "class Named:\n"
            "    @declared_attr.directive\n"
            "    def __tablename__(cls) -> str:\n"
            "        return cls.__name__.lower()\n\n"
            "class Invoice(Named, Base):\n"
            "    id = Column(Integer, primary_key=True)\n\n"
            "class Audit(Named, Base):\n"
            "    __tablename__ = 'audit_log'\n"
            "    id = Column(Integer, primary_key=True)\n\n"
            "shards = [Table(f'events_{n}', MetaData(), Column('id', Integer)) for n in range(4)]\n"
        ),
        "app/blob.py": b"import sqlalchemy\x00\x01\x02",
        "app/huge.py": b"# sqlalchemy\n" + b"x = 1\n" * (MAX_TEXT_BYTES // 6 + 1),
        "app/huge_data.py": b"x = 1\n" * (MAX_TEXT_BYTES // 6 + 1),
        "app/latin1.py": "from sqlalchemy import Column, Integer\nfrom app.models import Base\n\n"
                         "class Caf\xe9(Base):\n    __tablename__ = 'cafes'\n    id = Column(Integer, primary_key=True)\n"
                         .encode("latin-1"),
    })
    (tmp_path / "app" / "gone.py").mkdir()  # a path that cannot be read as a file
    files.append(CatalogFile(tmp_path / "app" / "gone.py", "app/gone.py", 0))

    part = read_orm_models(sorted(files, key=lambda f: f.display_path))

    assert sorted(i.name for i in part.items) == ["audit_log", "cafes", "invoice"]  # declared_attr: cls.__name__.lower()
    messages = sorted(str(p) for p in part.problems)
    assert messages == [
        "app/blob.py:1:1: binary file where Python source was expected",
        "app/gone.py:1:1: unreadable: Is a directory",
        f"app/huge.py:1:1: larger than {MAX_TEXT_BYTES} bytes: its models are not read",
        "app/models.py:10:5: __tablename__ of Event is computed (TABLE_PREFIX + 'events'): its table is not read",
        "app/models.py:13:1: SQLAlchemy model Draft has no __tablename__ or __table__: no table read",
        "app/models.py:28:11: Table() name is computed (f'events_{n}'): its table is not read",
    ]  # huge_data.py mentions no ORM: skipped without a word


def test_a_table_that_is_not_sqlalchemys_is_left_alone(tmp_path: Path) -> None:
    files = _files(tmp_path, {
        "report.py": (
            "import sqlalchemy\n"
            "from rich.table import Table\n\n"
            "def show(rows):\n"
            "    table = Table('name', 'rows')\n"
            "    table.add_row('orders', str(rows))\n"
        ),
    })

    assert read_orm_models(files) == Part()


def test_files_without_a_marker_are_not_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _files(tmp_path, {"util.py": "def total(rows):\n    return sum(r.amount for r in rows)\n",
                              "views.py": "class Order:\n    id: int\n    table = 'orders'\n"})
    parsed: list[bytes] = []
    original = orm_python_source._parse
    monkeypatch.setattr(orm_python_source, "_parse", lambda source: parsed.append(source) or original(source))

    assert read_orm_models(files) == Part()
    assert parsed == []


def test_module_names_follow_packages() -> None:
    assert module_names(["src/shop/__init__.py", "src/shop/models/__init__.py", "src/shop/models/order.py",
                         "scripts/seed.py"]) == {
        "src/shop/__init__.py": "shop",
        "src/shop/models/__init__.py": "shop.models",
        "src/shop/models/order.py": "shop.models.order",
        "scripts/seed.py": "seed",
    }


def test_relative_imports_resolve_from_the_package() -> None:
    package = read_module("shop/__init__.py", "shop", b"from .models import Order\nfrom . import db\n")
    module = read_module("shop/models/order.py", "shop.models.order",
                         b"from ..base import TimeStamped\nfrom . import tags\nimport sqlalchemy.orm as orm\n")

    assert package.imports == {"Order": ("shop", "models", "Order"), "db": ("shop", "db")}
    assert module.imports == {"TimeStamped": ("shop", "base", "TimeStamped"), "tags": ("shop", "models", "tags"),
                              "orm": ("sqlalchemy", "orm")}


def test_five_hundred_model_files(tmp_path: Path) -> None:
    """The reader's cost on a large project is measured on these (see the report); here, only correctness."""
    contents: dict[str, str | bytes] = {"app/__init__.py": "", "app/base.py": _BASE}
    for n in range(500):
        contents[f"app/models_{n:03}.py"] = _MODEL.format(n=n, previous=max(n - 1, 0))
    files = _files(tmp_path, contents)

    part = read_orm_models(files)

    assert len(part.items) == 500 and part.problems == ()
    last = next(i for i in part.items if i.name == "orders_499")
    assert [f.name for f in last.fields] == ["id", "customer_id", "reference", "total", "note", "created_at"]
    assert _field(last, "customer_id").references == "orders_498.id"
    assert len([r for r in part.relationships if r.kind == "foreign_key"]) == 500


_BASE = '''\
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
'''

_MODEL = '''\
"""Orders of shard {n}."""
from decimal import Decimal
from typing import Optional

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.base import Base, Timestamped


class Order{n}(Timestamped, Base):
    __tablename__ = "orders_{n}"
    __table_args__ = (UniqueConstraint("reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("orders_{previous}.id"), index=True)
    reference: Mapped[str] = mapped_column(String(20))
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    note: Mapped[Optional[str]] = mapped_column(Text)

    items = relationship("Order{previous}")

    def __repr__(self) -> str:
        return f"Order{n}({{self.id}})"
'''


# --- through the command line -----------------------------------------------------------------


def test_catalog_command_prints_orm_models_as_json() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "flowscan", "catalog", "django_shop", "sqlalchemy2", "--format", "json"],
                          cwd=FIXTURES, capture_output=True, env=env, timeout=60, check=False)

    assert done.returncode == 0, done.stderr.decode()
    data = orjson.loads(done.stdout)
    items = {i["id"]: i for i in data["items"]}
    order = items["table:shop_order"]
    assert order["origins"] == [{"source": "django", "path": "django_shop/shop/models.py", "line": 54}]
    assert order["facts"]["model"] == "shop.models.Order"
    assert {"name": "customer_id", "type": "bigint", "nullable": False, "references": "shop_customer.id",
            "line": 61} in order["fields"]
    customers = items["table:customers"]
    assert customers["fields"][0] == {"name": "id", "type": "integer", "nullable": False, "primary_key": True,
                                      "line": 46}
    assert {"source": "table:orders", "target": "table:customers", "kind": "foreign_key",
            "origin": {"source": "sqlalchemy", "path": "sqlalchemy2/shop/models.py", "line": 72},
            "label": "customer_id → customers.id"} in data["relationships"]
    assert not [p for p in data["problems"] if "models.py" in p["path"]]
