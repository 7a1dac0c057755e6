/**
 * The records PagedStream puts on Kafka and the code that reads and writes them.
 *
 * <p>The Avro schemas live in {@code src/main/avro} and are compiled at build time into {@link
 * io.pagedstream.schemas.avro.GenerationRequest} (topic {@code llm.requests}), {@link
 * io.pagedstream.schemas.avro.GenerationBatch} with its {@link
 * io.pagedstream.schemas.avro.BatchedRequest}s ({@code llm.batches}) and {@link
 * io.pagedstream.schemas.avro.Completion} ({@code llm.completions}). Every field that a writer may
 * leave out has a default, so a field can be added or dropped without breaking the other side.
 *
 * <ul>
 *   <li>{@link io.pagedstream.schemas.registry}: a small schema registry client (HTTP and
 *       in-memory) speaking the Confluent REST API.
 *   <li>{@link io.pagedstream.schemas.serde}: Kafka serializers, deserializers and serdes in the
 *       Confluent wire format.
 *   <li>{@link io.pagedstream.schemas.connect}: a Kafka Connect converter for the same format.
 * </ul>
 */
package io.pagedstream.schemas;
