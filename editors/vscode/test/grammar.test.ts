// The .fsr TextMate grammar, tokenized by the same engine as VS Code's (vscode-textmate
// with the oniguruma WebAssembly build).

import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";

import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";

const ROOT = path.resolve(__dirname, "..", "..");
const REPO = path.resolve(ROOT, "..", "..");
let grammar: textmate.IGrammar;

before(async () => {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources: string[]) => new oniguruma.OnigScanner(sources),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) => {
      if (scopeName !== "source.flowscan") {
        return null;
      }
      const file = path.join(ROOT, "syntaxes", "flowscan.tmLanguage.json");
      return textmate.parseRawGrammar(fs.readFileSync(file, "utf8"), file);
    },
  });
  const loaded = await registry.loadGrammar("source.flowscan");
  assert.ok(loaded);
  grammar = loaded;
});

interface Token {
  text: string;
  scopes: string[];
}

function tokenize(source: string): Token[][] {
  let state = textmate.INITIAL;
  return source.split("\n").map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    return result.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}

/** The innermost scope of each token whose text is `text`, across the whole source. */
function scopesOf(source: string, text: string): string[] {
  return tokenize(source)
    .flat()
    .filter((t) => t.text === text)
    .map((t) => t.scopes[t.scopes.length - 1]);
}

/** Every scope on the token(s) covering `text`. */
function allScopesOf(source: string, text: string): string[] {
  return tokenize(source)
    .flat()
    .filter((t) => t.text === text)
    .flatMap((t) => t.scopes);
}

const RULE = `pack python.files "Files read and written from Python"  # header

define python.sql-call = any {
  \`$CURSOR.execute($SQL, $$$)\`
}

rule python.pandas.read-file {
  language python go
  role source
  kind file
  tech database/sql
  severity warning
  match any {
    \`pandas.read_csv($PATH, $$$ARGS)\`
    go \`\`db.Query(\`SELECT 1\`)\`\`
  } not inside python.sql-call
  where $PATH is string matching /\\.csv$/
  where $MODE not in ["r", "rb"]
  entity file = $PATH read
  entity table = keyword name
  message "reads {PATH} with pandas \\"quoted\\""
  sql $SQL
  fix python.scaffold-pipeline
  example match    \`orders = pd.read_csv("data/orders.csv")  # <-\`
  example no match \`\`\`
    rows = read("#not-a-comment")
  \`\`\`
}
`;

test("keywords, roles, kinds, severities and languages", () => {
  assert.deepEqual(scopesOf(RULE, "rule"), ["keyword.other.rule.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "define"), ["keyword.other.define.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "pack"), ["keyword.other.pack.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "python.pandas.read-file"), ["entity.name.function.rule.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "source"), ["constant.language.role.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "warning"), ["constant.language.severity.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "database/sql"), ["support.constant.tech.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "any"), ["keyword.operator.logical.flowscan", "keyword.operator.logical.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "not"), ["keyword.operator.logical.flowscan", "keyword.operator.logical.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "inside"), ["keyword.operator.relation.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "where"), ["keyword.other.flowscan", "keyword.other.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "read"), ["constant.language.access.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "keyword"), ["keyword.other.keyword.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "fix"), ["keyword.other.fix.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "sql"), ["keyword.other.sql.flowscan"]);
  assert.ok(scopesOf(RULE, "go").every((s) => s === "support.type.language.flowscan"));
  assert.ok(scopesOf(RULE, "example").every((s) => s === "keyword.other.example.flowscan"));
  const kindLine = tokenize("  kind file")[0];
  assert.deepEqual(kindLine.map((t) => t.scopes.at(-1)), [
    "source.flowscan",
    "keyword.other.kind.flowscan",
    "source.flowscan",
    "constant.language.kind.flowscan",
  ]);
});

test("a node kind in a pattern is not a rule kind; an unknown role is marked", () => {
  assert.deepEqual(scopesOf("match go kind call_expression", "call_expression"), ["entity.name.type.node-kind.flowscan"]);
  assert.deepEqual(scopesOf("role sauce", "sauce"), ["invalid.illegal.role.flowscan"]);
});

test("code runs of one, two and three backticks, metavariables inside", () => {
  const all = tokenize(RULE).flat();
  const code = (text: string) => all.filter((t) => t.text === text).map((t) => t.scopes);
  // the Go raw string's single backticks stay inside the double run
  const goRun = code("db.Query(`SELECT 1`)");
  assert.equal(goRun.length, 1);
  assert.ok(goRun[0].includes("string.interpolated.code.flowscan"));
  assert.ok(goRun[0].includes("meta.embedded.code.flowscan"));
  assert.ok(allScopesOf(RULE, "$$$ARGS").includes("variable.other.metavariable.flowscan"));
  assert.ok(allScopesOf(RULE, "$$$ARGS").includes("string.interpolated.code.flowscan"));
  assert.ok(allScopesOf(RULE, "$CURSOR").includes("variable.other.metavariable.flowscan"));
  // a # inside code is code, not a comment; the triple run spans lines
  const multiline = all.filter((t) => t.text.includes("#not-a-comment"));
  assert.equal(multiline.length, 1);
  assert.ok(multiline[0].scopes.includes("string.interpolated.code.flowscan"));
  assert.ok(!multiline[0].scopes.some((s) => s.startsWith("comment")));
  assert.ok(code("orders = pd.read_csv(\"data/orders.csv\")  # <-")[0].includes("meta.embedded.code.flowscan"));
});

test("an unclosed single or double run ends at the end of its line", () => {
  const lines = tokenize("match `broken(\nrule next.rule {\n  match ``also(\n}");
  assert.equal(lines[1][0].scopes.at(-1), "keyword.other.rule.flowscan");
  assert.deepEqual(lines[3].map((t) => t.scopes.at(-1)), ["punctuation.section.block.end.flowscan"]);
});

test("strings with escapes and placeholders; regexes; comments", () => {
  assert.ok(allScopesOf(RULE, "{PATH}").includes("variable.other.placeholder.flowscan"));
  assert.ok(allScopesOf(RULE, '\\"').includes("constant.character.escape.flowscan"));
  assert.ok(allScopesOf(RULE, "csv$").includes("string.regexp.flowscan"));
  assert.ok(allScopesOf(RULE, "\\.").includes("string.regexp.flowscan"));
  assert.deepEqual(scopesOf(RULE, "\\."), ["constant.character.escape.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "matching"), ["keyword.operator.matching.flowscan"]);
  assert.deepEqual(scopesOf(RULE, "rb"), ["string.quoted.double.flowscan"]);
  assert.deepEqual(scopesOf(RULE, " header"), ["comment.line.number-sign.flowscan"]);
  assert.ok(allScopesOf(RULE, "$PATH").includes("variable.other.metavariable.flowscan"));
  // metavariables are not highlighted inside comments
  assert.deepEqual(scopesOf("# uses $PATH", "# uses $PATH".slice(1)), ["comment.line.number-sign.flowscan"]);
});

test("every built-in rule pack tokenizes with code, strings and comments closed per line", () => {
  const packs: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.name.endsWith(".fsr")) {
        packs.push(full);
      }
    }
  };
  walk(path.join(REPO, "rules"));
  assert.ok(packs.length > 5, `rule packs under ${REPO}/rules`);
  for (const pack of packs) {
    const lines = tokenize(fs.readFileSync(pack, "utf8"));
    // each `rule` keyword starts outside any code run: a run left open would swallow it
    for (const line of lines) {
      for (const token of line) {
        if (token.text === "rule" && token.scopes.includes("string.interpolated.code.flowscan")) {
          assert.fail(`${pack}: a code run is still open at a rule`);
        }
      }
    }
    const ruleKeywords = lines.flat().filter((t) => t.scopes.at(-1) === "keyword.other.rule.flowscan").length;
    const rules = (fs.readFileSync(pack, "utf8").match(/^rule /gm) ?? []).length;
    assert.equal(ruleKeywords, rules, pack);
  }
});
