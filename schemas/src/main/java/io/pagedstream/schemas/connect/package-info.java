/**
 * A Kafka Connect {@link org.apache.kafka.connect.storage.Converter} for the Confluent Avro wire
 * format, so that sink connectors (the results sink, the Debezium JDBC sink) can read {@code
 * llm.completions} and source connectors can write the format. Configure it as a worker's or
 * connector's {@code value.converter=io.pagedstream.schemas.connect.AvroConverter} with {@code
 * value.converter.schema.registry.url=...} and the other settings of {@link
 * io.pagedstream.schemas.registry.SchemaRegistryConfig}.
 *
 * <p>It maps the subset of Avro our schemas use, generically: records to {@code Struct}s (named
 * like the record), the primitives, arrays, maps with string keys, and {@code ["null", X]} unions
 * to optional {@code X}. Enums and fixed are read as strings and bytes. Other unions and Connect's
 * logical types (Decimal, Date, Time, Timestamp) are not supported.
 */
package io.pagedstream.schemas.connect;
