"""Secrets in the text a finding shows are masked; code and non-secrets are left as written."""

from __future__ import annotations

import pytest

from flowscan.redact import is_secret_name, redact

SECRETS = [
    # --- passwords in URLs and DSNs
    ("postgresql://user:secret@host/db", "postgresql://user:***@host/db"),
    (
        'engine = create_engine("postgresql+psycopg2://etl:Tr0ub4dor&3@warehouse.internal:5432/sales")',
        'engine = create_engine("postgresql+psycopg2://etl:***@warehouse.internal:5432/sales")',
    ),
    (
        "mongodb+srv://admin:p%40ss@cluster0.abcde.mongodb.net/shop?retryWrites=true&w=majority",
        "mongodb+srv://admin:***@cluster0.abcde.mongodb.net/shop?retryWrites=true&w=majority",
    ),
    ("amqp://guest:guest@rabbitmq:5672/%2F", "amqp://guest:***@rabbitmq:5672/%2F"),
    ("redis://:pw@cache:6379/0", "redis://:***@cache:6379/0"),
    ("rediss://default:AbC123xyz@eu1.upstash.io:6379", "rediss://default:***@eu1.upstash.io:6379"),
    # an unencoded @ in the password: mask up to the last @ before the host
    ("mysql://app:p@ss@db:3306/shop", "mysql://app:***@db:3306/shop"),
    ("https://deploy:ghs_tok@github.com/acme/shop.git", "https://deploy:***@github.com/acme/shop.git"),
    # --- defaults of ${...} interpolations (compose, Spring) are literals
    ("DATABASE_URL: ${DATABASE_URL:-postgresql://app:pw@db/shop}", "DATABASE_URL: ${DATABASE_URL:-postgresql://app:***@db/shop}"),
    ("password: ${DB_PASSWORD:-hunter2}", "password: ${DB_PASSWORD:-***}"),
    ("secret=${api.token:abc123}", "secret=${api.token:***}"),
    # --- JDBC
    ("jdbc:postgresql://host/db?user=u&password=p", "jdbc:postgresql://host/db?user=u&password=***"),
    (
        "jdbc:mysql://db:3306/shop?user=app&password=s3cr3t&useSSL=false",
        "jdbc:mysql://db:3306/shop?user=app&password=***&useSSL=false",
    ),
    (
        "jdbc:sqlserver://db:1433;databaseName=sales;user=sa;password=Str0ng!Pass;encrypt=true",
        "jdbc:sqlserver://db:1433;databaseName=sales;user=sa;password=***;encrypt=true",
    ),
    ("jdbc:oracle:thin:scott/tiger@//db:1521/ORCL", "jdbc:oracle:thin:scott/***@//db:1521/ORCL"),
    # --- URL query parameters
    (
        "https://bucket.s3.amazonaws.com/exports/orders.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
        "https://bucket.s3.amazonaws.com/exports/orders.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=***&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=***",
    ),
    (
        "https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key=AIzaSyA-1234567890abcdefghijklmnopqrstu",
        "https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key=***",
    ),
    (
        "https://acct.blob.core.windows.net/raw/orders.csv?sv=2022-11-02&ss=b&srt=o&sp=r&sig=abc%2Bdef%3D",
        "https://acct.blob.core.windows.net/raw/orders.csv?sv=2022-11-02&ss=b&srt=o&sp=r&sig=***",
    ),
    (
        'requests.get("https://api.example.com/v1/orders?access_token=tok123&page=2")',
        'requests.get("https://api.example.com/v1/orders?access_token=***&page=2")',
    ),
    ("https://hooks.example.com/in?api_key=k-9&client_secret=s-1", "https://hooks.example.com/in?api_key=***&client_secret=***"),
    # --- key=value DSNs (libpq) and ADO / ODBC connection strings
    (
        'psycopg2.connect("host=db port=5432 password=hunter2 dbname=sales")',
        'psycopg2.connect("host=db port=5432 password=*** dbname=sales")',
    ),
    ("psycopg2.connect(\"host=db password='a b c' dbname=x\")", "psycopg2.connect(\"host=db password='***' dbname=x\")"),
    (
        'SqlConnection("Server=db;Database=sales;User Id=sa;Password=my secret;")',
        'SqlConnection("Server=db;Database=sales;User Id=sa;Password=***;")',
    ),
    (
        'pyodbc.connect("Driver={ODBC Driver 18 for SQL Server};Server=tcp:x.database.windows.net,1433;'
        'Database=d;Uid=u;Pwd={p;ss};Encrypt=yes;")',
        'pyodbc.connect("Driver={ODBC Driver 18 for SQL Server};Server=tcp:x.database.windows.net,1433;'
        'Database=d;Uid=u;Pwd=***;Encrypt=yes;")',
    ),
    (
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=abc+def/ghi==;EndpointSuffix=core.windows.net",
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=***;EndpointSuffix=core.windows.net",
    ),
    (
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=abc=",
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=***",
    ),
    ('subprocess.run("PGPASSWORD=hunter2 psql -h db -U etl")', 'subprocess.run("PGPASSWORD=*** psql -h db -U etl")'),
    ("mysqldump --password=hunter2 shop", "mysqldump --password=*** shop"),
    ("grant_type=password&username=ann&password=hunter2", "grant_type=password&username=ann&password=***"),
    # --- keyword arguments, assignments, JSON-ish pairs
    ('psycopg2.connect(host="db", password="hunter2")', 'psycopg2.connect(host="db", password="***")'),
    ('{"token": "abc", "user": "x"}', '{"token": "***", "user": "x"}'),
    ("conf['api_key'] = 'k-123'", "conf['api_key'] = '***'"),
    ('os.environ["DB_PASSWORD"] = "hunter2"', 'os.environ["DB_PASSWORD"] = "***"'),
    ("Password: \"hunter2\",", "Password: \"***\","),
    ('password := "hunter2"', 'password := "***"'),
    ('String password = "hunter2";', 'String password = "***";'),
    ('let api_key: &str = "k-1";', 'let api_key: &str = "***";'),
    ('def connect(password: str = "changeme"): ...', 'def connect(password: str = "***"): ...'),
    (
        'boto3.client("s3", aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="wJalrXUtnFEMI/K7MDENG")',
        'boto3.client("s3", aws_access_key_id="***", aws_secret_access_key="***")',
    ),
    (
        'KafkaProducer(sasl_plain_username="svc", sasl_plain_password="x", sasl_mechanism="PLAIN")',
        'KafkaProducer(sasl_plain_username="svc", sasl_plain_password="***", sasl_mechanism="PLAIN")',
    ),
    (
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
        'username="svc" password="k4fka";',
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
        'username="svc" password="***";',
    ),
    ("SECRET_KEY = r'django-insecure-8x!'", "SECRET_KEY = r'***'"),
    ('clientSecret: "s-1", accessToken: `t-2`', 'clientSecret: "***", accessToken: `***`'),
    ('props.setProperty("password", "hunter2")', 'props.setProperty("password", "***")'),
    ('os.environ.get("DB_PASSWORD", "devpass")', 'os.environ.get("DB_PASSWORD", "***")'),
    (
        'DataSourceBuilder.create().username("sa").password("hunter2").build()',
        'DataSourceBuilder.create().username("sa").password("***").build()',
    ),
    ('cfg.setSecretKey("abc")', 'cfg.setSecretKey("***")'),
    # --- SQL, HTTP headers, well-known token shapes, key material
    ("CREATE USER app WITH PASSWORD 'hunter2';", "CREATE USER app WITH PASSWORD '***';"),
    ("ALTER USER etl IDENTIFIED BY \"n3w\";", "ALTER USER etl IDENTIFIED BY \"***\";"),
    ('headers={"Authorization": "Bearer eyJhbGciOi.abc"}', 'headers={"Authorization": "Bearer ***"}'),
    ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic ***"),
    ("curl -H 'Authorization: Bearer 0123456789abcdef0123'", "curl -H 'Authorization: Bearer ***'"),
    ('Github(login_or_token="ghp_abcdefghijklmnopqrstuvwxyz0123456789")', 'Github(login_or_token="***")'),
    ("WebClient(os.environ['T'])  # was xoxb-1234567890-abcdefghij", "WebClient(os.environ['T'])  # was ***"),
    ("stripe.api_key = sk_live_4eC39HqLyjWDarjtT1zdp7dc", "stripe.api_key = ***"),
    (
        "key = '-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA\\n-----END RSA PRIVATE KEY-----'",
        "key = '-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----'",
    ),
]


@pytest.mark.parametrize(("text", "expected"), SECRETS)
def test_secrets_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(("text", "expected"), SECRETS)
def test_redaction_is_idempotent(text: str, expected: str) -> None:
    assert redact(expected) == expected


NOT_SECRETS = [
    "password: ${DB_PASSWORD:-${VAULT_DB_PASSWORD}}",  # a default that only names another setting
    "topic: ${ORDERS_TOPIC:-orders}",
    "postgresql://localhost/db",
    "postgresql://etl@warehouse:5432/sales",
    "reads table users from postgresql://db:5432/app",
    "https://api.example.com/v1/items?page=2&limit=50&sort_key=created",
    "https://medium.com/@data-eng/kafka-in-practice",
    "git@github.com:acme/shop.git",
    # expressions say where a secret comes from: that is what a reader needs
    'password=os.environ["PG_PASSWORD"]',
    'psycopg2.connect(host=h, password=pw)',
    "psycopg2.connect(password=settings.DB_PASSWORD)",
    "psycopg2.connect(password=get_password(), user=user)",
    "conn = psycopg2.connect(\n    host=HOST,\n    password=pw\n)",
    "os.getenv('PGPASSWORD')",
    'f"postgresql://{user}:{password}@{host}/{db}"',
    '"postgresql://${PGUSER}:${PGPASSWORD}@db/app"',
    '"host=%(host)s password=%(password)s"',
    'headers={"Authorization": f"Bearer {token}"}',
    'password="{}".format(pw)',
    'password=""',
    # names that count, name or locate a secret without holding one
    "token_count=3, max_tokens=256",
    'tokenizer="bpe", author="ann"',
    's3.put_object(Bucket="raw", Key="orders/2024/01.csv")',
    'client.get_secret_value(SecretId="prod/warehouse")',
    'vault.get_secret("db-password")',
    'secret_name="prod/db", password_file="/run/secrets/pg"',
    'aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"]',
    "SELECT user_id, password_hash FROM users WHERE email = %s",
    "pd.read_sql('select * from auth.sessions', engine)",
    "the token bucket refills at 10 tokens per second",
]


@pytest.mark.parametrize("text", NOT_SECRETS)
def test_non_secrets_are_unchanged(text: str) -> None:
    assert redact(text) == text


def test_only_the_secret_changes_in_a_multi_line_snippet() -> None:
    snippet = (
        "engine = create_engine(\n"
        '    "postgresql://etl:hunter2@warehouse/sales",\n'
        "    pool_size=5,\n"
        ")\n"
        'df.to_sql("orders", engine, if_exists="append")\n'
    )
    assert redact(snippet) == snippet.replace("hunter2", "***")


@pytest.mark.parametrize(
    "name",
    ["password", "DB_PASSWORD", "PGPASSWORD", "passwd", "pwd", "client_secret", "clientSecret", "api_key",
     "apiKey", "APIKEY", "x-api-key", "aws_secret_access_key", "AccountKey", "SharedAccessKey", "token",
     "accessToken", "X-Amz-Security-Token", "X-Amz-Signature", "auth", "Authorization", "credentials",
     "private_key", "passphrase"],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    ["token_count", "max_tokens", "tokenizer", "secret_name", "SecretId", "password_file", "key", "Key",
     "sort_key", "primary_key", "aws_access_key_id", "author", "oauth", "SharedAccessKeyName", "user"],
)
def test_not_secret_names(name: str) -> None:
    assert not is_secret_name(name)
