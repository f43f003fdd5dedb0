"""Java adapter, feature by feature, on a Spring controller with JDBC and Kafka."""

from __future__ import annotations

import pytest

from flowscan.languages import adapter

from .trees import descendants, errors, find, first_clean_context, parse, parses_in_context

CONTROLLER = '''\
package com.example.orders;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import static java.sql.DriverManager.getConnection;
import static org.springframework.http.ResponseEntity.ok;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Order lookups over JDBC; change events arrive from Kafka.
 */
@RestController
public class OrderController {
    // one consumer per controller, polled by the scheduler
    private final KafkaConsumer<String, String> consumer;
    private final String url = System.getenv("JDBC_URL");

    public OrderController(KafkaConsumer<String, String> consumer) {
        this.consumer = consumer;
    }

    @GetMapping("/orders")
    public String find(@RequestParam("id") String id) throws Exception {
        Connection connection = DriverManager.getConnection(url);
        Connection direct = getConnection(url, "app", "s3cr\\"et");
        Connection qualified = java.sql.DriverManager.getConnection(url);
        String sql = """
            SELECT total FROM orders
            WHERE id = '%s'
            """.formatted(id);
        ResultSet rows = connection.createStatement().executeQuery(sql);
        List<String> totals = new ArrayList<>();
        while (rows.next()) {
            totals.add(rows.getString("total"));
        }
        this.consumer.poll(Duration.ofMillis(100)).forEach(record -> totals.add(record.value()));
        return ok(String.join(",", totals)).getBody();
    }

    /* kept for the old clients */
    Runnable legacy = () -> {
        System.out.println("legacy");
    };
}
'''

java = adapter("java")


@pytest.fixture(scope="module")
def root():
    return parse(java, CONTROLLER)


# --- imports ---------------------------------------------------------------------------


def test_single_type_and_static_imports_bind_their_last_segment(root):
    assert java.imports(root) == {
        "Connection": ("java", "sql", "Connection"),
        "DriverManager": ("java", "sql", "DriverManager"),
        "ResultSet": ("java", "sql", "ResultSet"),
        "Duration": ("java", "time", "Duration"),
        "KafkaConsumer": ("org", "apache", "kafka", "clients", "consumer", "KafkaConsumer"),
        "GetMapping": ("org", "springframework", "web", "bind", "annotation", "GetMapping"),
        "RequestParam": ("org", "springframework", "web", "bind", "annotation", "RequestParam"),
        "RestController": ("org", "springframework", "web", "bind", "annotation", "RestController"),
        "getConnection": ("java", "sql", "DriverManager", "getConnection"),
        "ok": ("org", "springframework", "http", "ResponseEntity", "ok"),
    }


def test_wildcard_imports_bind_nothing(root):
    table = java.imports(root)
    assert "util" not in table and "*" not in table and "Assertions" not in table


# --- names -----------------------------------------------------------------------------


def test_qualified_names_of_names_and_types(root):
    assert java.qualified_name(find(root, "identifier", "url")) == ("url",)
    assert java.qualified_name(find(root, "field_access", "java.sql.DriverManager")) == (
        "java",
        "sql",
        "DriverManager",
    )
    assert java.qualified_name(find(root, "field_access", "this.consumer")) == ("this", "consumer")
    assert java.qualified_name(find(root, "field_access", "System.out")) == ("System", "out")
    assert java.qualified_name(
        find(root, "scoped_identifier", "org.apache.kafka.clients.consumer.KafkaConsumer")
    ) == ("org", "apache", "kafka", "clients", "consumer", "KafkaConsumer")
    assert java.qualified_name(find(root, "type_identifier", "Connection")) == ("Connection",)
    # type arguments are not part of a type's name
    generic = find(root, "generic_type", "KafkaConsumer<String, String>")
    assert java.qualified_name(generic) == ("KafkaConsumer",)


def test_scoped_type_identifiers_are_dotted_names():
    tree = parse(java, "class A { java.util.Map<String, java.util.List<String>> m; }")
    scoped = find(tree, "scoped_type_identifier", "java.util.Map")
    assert java.qualified_name(scoped) == ("java", "util", "Map")
    assert java.qualified_name(scoped.parent) == ("java", "util", "Map")


def test_method_invocations_are_split_callees_not_names(root):
    call = find(root, "method_invocation", "DriverManager.getConnection(url)")
    assert java.qualified_name(call) is None
    object_field, name_field = java.split_callee["method_invocation"]
    assert call.child_by_field_name(object_field).text == b"DriverManager"
    assert call.child_by_field_name(name_field).text == b"getConnection"
    assert call.child_by_field_name("arguments").type == "argument_list"
    # an unqualified call (a static import) has no object
    bare = find(root, "method_invocation", 'getConnection(url, "app", "s3cr\\"et")')
    assert bare.child_by_field_name(object_field) is None


def test_a_call_in_a_chain_makes_the_object_no_name(root):
    call = find(root, "method_invocation", "connection.createStatement().executeQuery(sql)")
    assert java.qualified_name(call.child_by_field_name("object")) is None


def test_resolved_names_match_by_trailing_segments(root):
    table = java.imports(root)

    def callee(text: str) -> tuple[str, ...]:
        call = find(root, "method_invocation", text)
        head = call.child_by_field_name("object")
        name = (call.child_by_field_name("name").text.decode(),)
        return java.resolve((java.qualified_name(head) if head else ()) + name, table)

    imported = callee("DriverManager.getConnection(url)")
    assert imported == ("java", "sql", "DriverManager", "getConnection")
    assert java.name_matches(("DriverManager", "getConnection"), imported)
    assert java.name_matches(("java", "sql", "DriverManager", "getConnection"), imported)
    static = callee('getConnection(url, "app", "s3cr\\"et")')
    assert java.name_matches(("DriverManager", "getConnection"), static)
    qualified = callee("java.sql.DriverManager.getConnection(url)")
    assert java.name_matches(("DriverManager", "getConnection"), qualified)

    assert not java.name_matches(("DataSource", "getConnection"), imported)
    assert not java.name_matches(("DriverManager", "getDriver"), imported)
    assert not java.name_matches(("javax", "sql", "DriverManager", "getConnection"), imported)
    kafka = java.resolve(java.qualified_name(find(root, "type_identifier", "KafkaConsumer")), table)
    assert java.name_matches(("KafkaConsumer",), kafka)
    assert java.name_matches(java.imports(root)["KafkaConsumer"], kafka)


# --- strings and comments --------------------------------------------------------------


def test_string_values_of_literals_and_text_blocks(root):
    assert java.string_value(find(root, "string_literal", '"JDBC_URL"')) == "JDBC_URL"
    assert java.string_value(find(root, "string_literal", '"s3cr\\"et"')) == 's3cr\\"et'
    assert java.string_value(find(root, "string_literal", '"/orders"')) == "/orders"
    # text blocks are string_literal nodes delimited by `"""`
    block = next(s for s in descendants(root, "string_literal") if s.text.startswith(b'"""'))
    assert java.string_value(block) == (
        "\n            SELECT total FROM orders\n            WHERE id = '%s'\n            "
    )
    assert java.string_value(find(root, "identifier", "url")) is None


def test_comment_kinds(root):
    kinds = {node.type for kind in java.comment_kinds for node in descendants(root, kind)}
    assert kinds == {"line_comment", "block_comment"}
    docs = descendants(root, "block_comment")
    assert docs[0].text.startswith(b"/**")


def test_function_kinds_are_the_scopes_of_statements(root):
    scopes = {root.type}
    for kind in ("method_declaration", "constructor_declaration", "lambda_expression"):
        scopes |= {node.type for node in descendants(root, kind)}
    assert scopes <= java.function_kinds
    expected = {"program", "method_declaration", "constructor_declaration", "lambda_expression"}
    assert scopes == expected


# --- pattern contexts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "context"),
    [
        ("DriverManager.getConnection(__FS_U)", 0),
        ('__FS_S.executeQuery("SELECT " + __FS_X)', 0),
        ("new KafkaConsumer<>(__FS_P)", 0),
        ("__FS_R.getParameter(__FS_N)", 0),
        ("String __FS_V = __FS_E;", 0),
        ("if (__FS_C) { __FSS_; }", 0),
        ("try { __FSS_; } catch (__FS_T __FS_E) { __FSS_; }", 0),
        ("@GetMapping(__FS_P) public __FS_T __FS_M(__FS_A __FS_B) { __FSS_; }", 2),
        ("void __FS_M() { __FSS_; }", 2),
        ("static { __FSS_; }", 2),
        ("@GetMapping(__FS_P)", 4),
        ("@Override", 4),
    ],
)
def test_fragments_parse_in_the_first_fitting_context(fragment, context):
    assert first_clean_context(java, fragment) == context


def test_every_context_parses_some_typical_fragment():
    typical = [
        "DriverManager.getConnection(__FS_U)",
        "if (__FS_C) { __FSS_; }",
        "@GetMapping(__FS_P) public __FS_T __FS_M(__FS_A __FS_B) { __FSS_; }",
        "import static java.sql.DriverManager.getConnection;",
        "@RequestMapping(__FS_P)",
    ]
    for context, fragment in zip(java.pattern_contexts, typical, strict=True):
        assert parses_in_context(java, context, fragment) == []


def test_declarations_parse_as_statements_in_a_method_body():
    # The grammar takes any declaration as a block statement, so a field pattern parses in
    # the first context as a local variable; only the class body makes it a field.
    fragment = "@Autowired private __FS_T __FS_F;"
    assert first_clean_context(java, fragment) == 0
    prefix, suffix = java.pattern_contexts[0]
    body = java.parse((prefix + fragment + suffix).encode()).root_node
    assert [node.text for node in descendants(body, "local_variable_declaration")] == [
        fragment.encode()
    ]
    prefix, suffix = java.pattern_contexts[2]
    members = java.parse((prefix + fragment + suffix).encode()).root_node
    assert [node.text for node in descendants(members, "field_declaration")] == [fragment.encode()]


def test_bare_multi_placeholders_leave_only_placeholder_errors():
    # Java has no bare-identifier statement or parameter, so `$$$` as a method's
    # parameters or body (`{ __FSS_ }`) is an ERROR node holding exactly the placeholder.
    # The engine must tolerate such nodes for `$M($$$) { $$$ }` patterns to compile.
    fragment = "@GetMapping(__FS_P) public __FS_T __FS_M(__FSS_) { __FSS_ }"
    assert first_clean_context(java, fragment) is None
    class_body = java.pattern_contexts[2]
    assert parses_in_context(java, class_body, fragment) == [
        "ERROR b'__FSS_'",
        "ERROR b'__FSS_'",
    ]
