/**
 * A deliberately small schema registry client.
 *
 * <p>Confluent's own client ({@code io.confluent:kafka-schema-registry-client}) is not published to
 * Maven Central, which is all this project can build from, so this package implements the few calls
 * the serdes need against the Confluent Schema Registry REST API: register a schema under a
 * subject, look an id up, fetch a schema by id, and read a subject's latest version. Confluent
 * Schema Registry, Apicurio Registry's {@code ccompat} API, Redpanda and Karapace all serve that
 * API. It is not a general client: no schema types other than Avro, no contexts, no references, no
 * subject name strategies other than {@code <topic>-key} / {@code <topic>-value}.
 *
 * <p>{@link io.pagedstream.schemas.registry.SchemaRegistries#fromConfig} picks an implementation
 * from Confluent-named settings (see {@link io.pagedstream.schemas.registry.SchemaRegistryConfig}):
 * {@link io.pagedstream.schemas.registry.HttpSchemaRegistry} for {@code http(s)://} URLs, a shared
 * {@link io.pagedstream.schemas.registry.InMemorySchemaRegistry} for {@code mock://scope} or no
 * URL.
 *
 * <p>Credentials ({@code basic.auth.user.info}, the trust store password) never appear in logs,
 * exception messages or {@code toString()}.
 */
package io.pagedstream.schemas.registry;
