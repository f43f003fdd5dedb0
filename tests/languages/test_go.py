"""Go adapter, feature by feature, on a small but realistic HTTP + Kafka service."""

from __future__ import annotations

import pytest

from flowscan.languages import adapter
from flowscan.languages.go import package_name

from .trees import descendants, find, first_clean_context, parse, parses_in_context

SERVICE = '''\
package orders

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"

	. "fmt"
	_ "github.com/lib/pq"

	pg "github.com/jackc/pgx/v5"
	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"
	yaml "gopkg.in/yaml.v3"
	"gopkg.in/ini.v1"
)

import "log"

// Server answers order queries from Postgres and publishes changes to Kafka.
type Server struct {
	db     *sql.DB
	cache  *redis.Client
	writer *kafka.Writer
	client http.Client
}

/* NewServer opens every connection the service needs. */
func NewServer(ctx context.Context) (*Server, error) {
	db, err := sql.Open("postgres", os.Getenv("DATABASE_URL"))
	if err != nil {
		return nil, err
	}
	conn, err := pg.Connect(ctx, `postgres://orders@localhost/orders?sslmode=disable`)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	reporting := sqlx.MustOpen("postgres", "dbname=reporting")
	_ = reporting
	reader := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{"kafka:9092"}, Topic: "orders"})
	_ = reader
	var cfg map[string]any
	_ = yaml.Unmarshal([]byte("port: 8080\\n"), &cfg)
	return &Server{db: db, cache: redis.NewClient(&redis.Options{Addr: "redis:6379"})}, nil
}

func (s *Server) handleOrder(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	rows, err := s.db.QueryContext(r.Context(), "SELECT total FROM orders WHERE id = '"+id+"'")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	publish := func(body []byte) error {
		return s.writer.WriteMessages(r.Context(), kafka.Message{Value: body})
	}
	_ = publish
	_ = json.NewEncoder(w).Encode(rows)
	log.Println(Sprintf("served %s", id))
}
'''

go = adapter("go")


@pytest.fixture(scope="module")
def root():
    return parse(go, SERVICE)


# --- imports ---------------------------------------------------------------------------


def test_import_paths_are_one_segment_bound_to_the_package_name(root):
    assert go.imports(root) == {
        "context": ("context",),
        "sql": ("database/sql",),
        "json": ("encoding/json",),
        "http": ("net/http",),
        "os": ("os",),
        "pg": ("github.com/jackc/pgx/v5",),
        "sqlx": ("github.com/jmoiron/sqlx",),
        "redis": ("github.com/redis/go-redis/v9",),
        "kafka": ("github.com/segmentio/kafka-go",),
        "yaml": ("gopkg.in/yaml.v3",),
        "ini": ("gopkg.in/ini.v1",),
        "log": ("log",),
    }


def test_dot_and_blank_imports_bind_nothing(root):
    table = go.imports(root)
    assert "." not in table and "_" not in table
    assert all(target != ("fmt",) and target != ("github.com/lib/pq",) for target in table.values())


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("database/sql", "sql"),
        ("github.com/jackc/pgx/v5", "pgx"),
        ("gopkg.in/yaml.v3", "yaml"),
        ("github.com/segmentio/kafka-go", "kafka"),
        ("github.com/redis/go-redis/v9", "redis"),
        ("github.com/mattn/go-sqlite3", "sqlite3"),
        ("github.com/confluentinc/confluent-kafka-go/v2/kafka", "kafka"),
        ("k8s.io/client-go/kubernetes", "kubernetes"),
        ("github.com/go-sql-driver/mysql", "mysql"),
        ("cloud.google.com/go", "go"),
        ("v2", "v2"),
    ],
)
def test_package_name_is_derived_from_the_path(path, name):
    assert package_name(path) == name


# --- names -----------------------------------------------------------------------------


def test_qualified_names_of_selectors_types_and_identifiers(root):
    assert go.qualified_name(find(root, "selector_expression", "sql.Open")) == ("sql", "Open")
    assert go.qualified_name(find(root, "selector_expression", "s.db.QueryContext")) == (
        "s",
        "db",
        "QueryContext",
    )
    assert go.qualified_name(find(root, "qualified_type", "http.Client")) == ("http", "Client")
    assert go.qualified_name(find(root, "type_identifier", "Server")) == ("Server",)
    assert go.qualified_name(find(root, "package_identifier", "http")) == ("http",)
    assert go.qualified_name(find(root, "identifier", "db")) == ("db",)


def test_a_call_in_the_chain_is_not_a_name(root):
    # r.URL.Query().Get: the operand of `.Get` is a call
    callee = find(root, "selector_expression", "r.URL.Query().Get")
    assert go.qualified_name(callee) is None
    assert go.qualified_name(find(root, "call_expression", 'r.URL.Query().Get("id")')) is None
    assert go.qualified_name(find(root, "interpreted_string_literal", '"postgres"')) is None


def test_calls_have_function_and_arguments_fields(root):
    call = find(root, "call_expression", 'sql.Open("postgres", os.Getenv("DATABASE_URL"))')
    assert call.child_by_field_name("function").type == "selector_expression"
    assert call.child_by_field_name("arguments").type == "argument_list"


def test_resolved_names_match_the_package_a_pattern_spells(root):
    table = go.imports(root)

    def resolved(text: str, kind: str = "selector_expression") -> tuple[str, ...]:
        return go.resolve(go.qualified_name(find(root, kind, text)), table)

    assert resolved("sql.Open") == ("database/sql", "Open")
    assert go.name_matches(("sql", "Open"), resolved("sql.Open"))
    assert go.name_matches(("pgx", "Connect"), resolved("pg.Connect"))
    assert go.name_matches(("kafka", "NewReader"), resolved("kafka.NewReader"))
    assert go.name_matches(("redis", "NewClient"), resolved("redis.NewClient"))
    assert go.name_matches(("yaml", "Unmarshal"), resolved("yaml.Unmarshal"))
    assert go.name_matches(("http", "Client"), resolved("http.Client", "qualified_type"))
    # sqlx is not database/sql, and a different member is a different name
    assert not go.name_matches(("sql", "Open"), resolved("sqlx.MustOpen"))
    assert not go.name_matches(("sql", "Open"), ("github.com/jmoiron/sqlx", "Open"))
    assert not go.name_matches(("sql", "OpenDB"), ("database/sql", "Open"))
    assert not go.name_matches(("Open",), ("database/sql", "Open"))
    # a rule cannot know a file's own alias: it spells the package's name
    assert not go.name_matches(("pg", "Connect"), resolved("pg.Connect"))


def test_unimported_names_resolve_to_themselves(root):
    table = go.imports(root)
    assert go.resolve(("s", "db", "QueryContext"), table) == ("s", "db", "QueryContext")
    assert go.name_matches(("s", "db", "QueryContext"), ("s", "db", "QueryContext"))


# --- strings and comments --------------------------------------------------------------


def test_string_values_without_quotes_escapes_kept(root):
    interpreted = find(root, "interpreted_string_literal", '"port: 8080\\n"')
    assert go.string_value(interpreted) == "port: 8080\\n"
    raw = descendants(root, "raw_string_literal")[0]
    assert go.string_value(raw) == "postgres://orders@localhost/orders?sslmode=disable"
    assert go.string_value(find(root, "interpreted_string_literal", "\"'\"")) == "'"
    assert go.string_value(find(root, "identifier", "id")) is None


def test_string_and_comment_kinds_cover_the_file(root):
    kinds = {node.type for node in descendants(root, "interpreted_string_literal")}
    kinds |= {node.type for node in descendants(root, "raw_string_literal")}
    assert kinds == go.string_kinds
    comments = [node for node in root.children if node.type in go.comment_kinds]
    assert [c.text[:2] for c in comments] == [b"//", b"/*"]


def test_function_kinds_are_the_scopes_of_statements(root):
    scopes = {root.type}
    for kind in ("function_declaration", "method_declaration", "func_literal"):
        scopes |= {node.type for node in descendants(root, kind)}
    assert scopes == go.function_kinds


# --- pattern contexts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "context"),
    [
        ("sql.Open(__FS_D, __FS_S)", 0),
        ("__FS_DB.Query(__FS_Q, __FSS_)", 0),
        ("__FS_X := os.Getenv(__FS_K)", 0),
        ("if __FS_E != nil { __FSS_ }", 0),
        ("defer __FS_R.Close()", 0),
        ("func __FS_F(__FS_W http.ResponseWriter, __FS_R *http.Request) { __FSS_ }", 1),
        ("func (__FS_S *__FS_T) __FS_M(__FSS_) { __FSS_ }", 1),
        ('import "database/sql"', 1),
    ],
)
def test_fragments_parse_in_the_first_fitting_context(fragment, context):
    assert first_clean_context(go, fragment) == context


def test_every_context_parses_some_typical_fragment():
    typical = ["sql.Open(__FS_D, __FS_S)", "func __FS_F(__FSS_) { __FSS_ }", "package __FS_P"]
    for context, fragment in zip(go.pattern_contexts, typical, strict=True):
        assert parses_in_context(go, context, fragment) == []


def test_a_call_alone_is_not_a_statement_at_package_level():
    # why the function body comes first: outside one, `sql.Open(...)` is not an expression
    assert parses_in_context(go, ("package p\n", ""), "sql.Open(__FS_D, __FS_S)")
