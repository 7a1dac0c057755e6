package io.pagedstream.chaos;

import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.GenerationBatch;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.registry.SchemaRegistries;
import io.pagedstream.schemas.registry.SchemaRegistry;
import io.pagedstream.schemas.serde.AvroSerializer;
import io.pagedstream.schemas.serde.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds the records of the corpus's record cases, which bypass ingest: produced straight to {@code
 * llm.requests}, {@code llm.batches} or {@code llm.completions} the way a buggy or hostile producer
 * would. Each carries its id in the {@value #TAG_HEADER} header too, so a dead letter that the
 * batcher writes (it keeps the original headers) can be matched to its case even when no id can be
 * read from the record.
 */
final class BadRecords {

  /** The header naming the input a record stands for, kept by the batcher's dead letters. */
  static final String TAG_HEADER = "pagedstream.chaos.input";

  /** A schema id no registry issues this early: the registries here count up from 1. */
  static final int UNKNOWN_SCHEMA_ID = 0x7f7f7f7f;

  /** A registered schema that is not a GenerationRequest: its max_tokens is a string. */
  private static final Schema MISMATCH =
      SchemaBuilder.record("ChaosMismatch")
          .namespace("io.pagedstream.chaos")
          .fields()
          .requiredString("id")
          .requiredString("max_tokens")
          .endRecord();

  private final KafkaSettings kafka;
  private final String jobId;

  BadRecords(KafkaSettings kafka, String jobId) {
    this.kafka = kafka;
    this.jobId = jobId;
  }

  /** The record for {@code c}, standing for the input {@code id}. */
  ProducerRecord<byte[], byte[]> build(BadInputCase c, String id) {
    String topic =
        switch (c.input()) {
          case REQUEST_RECORD -> Topics.REQUESTS;
          case BATCH_RECORD -> Topics.BATCHES;
          case COMPLETION_RECORD -> Topics.COMPLETIONS;
          case LINE ->
              throw new IllegalArgumentException("case " + c.name() + " is a line, not a record");
        };
    byte[] value =
        switch (c.recipe()) {
          case "garbage" -> ("\u0089not avro: " + id).getBytes(StandardCharsets.UTF_8);
          case "json" ->
              ("{\"id\":\"" + id + "\",\"prompt_token_ids\":[1,2],\"max_tokens\":4}")
                  .getBytes(StandardCharsets.UTF_8);
          // magic byte, an id never issued, then 0x05: no string length, so no id can be read
          // either
          case "unknown-schema-id" -> new byte[] {0, 0x7f, 0x7f, 0x7f, 0x7f, 0x05};
          case "mismatched-schema" -> mismatched(id);
          case "truncated" -> {
            byte[] whole = serialize(topic, request(id).build());
            yield Arrays.copyOf(whole, whole.length - 1);
          }
          case "tombstone" -> null;
          case "empty-id" -> serialize(topic, request("").build());
          case "nan-temperature" ->
              serialize(topic, request(id).setTemperature(Double.NaN).build());
          case "invalid-request" ->
              serialize(
                  topic,
                  GenerationBatch.newBuilder()
                      .setBatchId(id + "-batch")
                      .setRequests(List.of(batched(id)))
                      .build());
          default ->
              throw new IllegalStateException(
                  "corpus case " + c.name() + " has an unknown recipe " + c.recipe());
        };
    byte[] key =
        c.keyed()
            ? (c.input() == BadInputCase.Input.BATCH_RECORD && "invalid-request".equals(c.recipe())
                    ? id + "-batch"
                    : id)
                .getBytes(StandardCharsets.UTF_8)
            : null;
    RecordHeaders headers = new RecordHeaders();
    headers.add(TAG_HEADER, id.getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>(topic, null, key, value, headers);
  }

  private GenerationRequest.Builder request(String id) {
    return GenerationRequest.newBuilder()
        .setId(id)
        .setJobId(jobId)
        .setPromptTokenIds(List.of(1, 2, 3))
        .setMaxTokens(4)
        .setTemperature(0)
        .setSubmittedAtMs(System.currentTimeMillis());
  }

  private BatchedRequest batched(String id) {
    return BatchedRequest.newBuilder()
        .setId(id)
        .setJobId(jobId)
        .setPromptTokenIds(List.of(1, 2, 3))
        .setMaxTokens(4)
        .setTemperature(-1)
        .setTopP(1)
        .setTopK(0)
        .setSeed(null)
        .setIgnoreEos(false)
        .setSubmittedAtMs(System.currentTimeMillis())
        .setEstimatedKvBlocks(1)
        .setPromptWasText(false)
        .build();
  }

  private <T extends org.apache.avro.specific.SpecificRecord> byte[] serialize(
      String topic, T value) {
    try (AvroSerializer<T> serializer = new AvroSerializer<>()) {
      serializer.configure(kafka.asMap(), false);
      return serializer.serialize(topic, value);
    }
  }

  /** Registered under a subject of its own: llm.requests-value would refuse it as incompatible. */
  private byte[] mismatched(String id) {
    SchemaRegistry registry = SchemaRegistries.fromConfig(kafka.asMap());
    int schemaId = registry.register("pagedstream.chaos.mismatch-value", MISMATCH);
    GenericRecord r = new GenericData.Record(MISMATCH);
    r.put("id", id);
    r.put("max_tokens", "four");
    return WireFormat.encode(schemaId, new GenericDatumWriter<>(MISMATCH), r);
  }
}
