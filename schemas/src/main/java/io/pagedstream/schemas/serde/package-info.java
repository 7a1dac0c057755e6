/**
 * Kafka serializers, deserializers and serdes for the generated Avro records, in the Confluent wire
 * format: magic byte {@code 0}, the writer schema's registry id as a 4-byte big-endian int, then
 * the Avro binary encoding. Anything that reads that format (Confluent's serdes, ksqlDB, Connect's
 * AvroConverter, kcat) reads what these write, and the other way round.
 *
 * <p>Every way a record can fail to decode is a one-line {@link
 * org.apache.kafka.common.errors.SerializationException} that names the problem (bad magic byte,
 * unknown schema id, truncated or malformed payload, writer schema that cannot be resolved against
 * the reader's), so services can dead-letter the record with that reason. Payloads are checked
 * against the writer schema before Avro decodes them, so garbage cannot make Avro allocate huge
 * arrays. A registry that cannot be reached is also a {@code SerializationException}, but with a
 * {@link io.pagedstream.schemas.registry.SchemaRegistryException} cause whose {@code isRetriable()}
 * is true: that record is not bad, and should not be dead-lettered.
 */
package io.pagedstream.schemas.serde;
