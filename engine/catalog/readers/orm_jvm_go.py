"""ORM models of the JVM and Go: JPA / Jakarta Persistence entities and gorm models, as tables."""

from __future__ import annotations

from flowscan.catalog.readers import Reader, orm_gorm, orm_jpa

READERS: tuple[Reader, ...] = (*orm_jpa.READERS, *orm_gorm.READERS)
