package io.pagedstream.schemas.registry;

import org.apache.avro.Schema;

/** One version of a subject: what {@code GET /subjects/{subject}/versions/latest} returns. */
public record RegisteredSchema(String subject, int version, int id, Schema schema) {}
