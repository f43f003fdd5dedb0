"""Infrastructure and configuration: the data stores a deployment runs and the settings services read.

One reader per kind of file, each in its own module: docker-compose files
(`infra_compose`), `.env` files (`infra_dotenv`), Spring Boot settings (`infra_spring`)
and Kubernetes manifests (`infra_kubernetes`). They share YAML nodes with lines
(`infra_yaml`), the rules for what of a value may be stored (`infra_values`) and which
images are data stores (`infra_images`).
"""

from __future__ import annotations

from flowscan.catalog.readers import Reader, infra_compose, infra_dotenv, infra_kubernetes, infra_spring

READERS: tuple[Reader, ...] = (
    Reader("compose", infra_compose.claims, infra_compose.read),
    Reader("dotenv", infra_dotenv.claims, infra_dotenv.read),
    Reader("spring", infra_spring.claims, infra_spring.read),
    Reader("kubernetes", infra_kubernetes.claims, infra_kubernetes.read),
)
