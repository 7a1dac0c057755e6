package io.pagedstream.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationBatch;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.registry.InMemorySchemaRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * The schemas as they were before messages, stop, logprobs, n and the OpenAI format (test resources
 * {@code avro-before-openai/}): records written with them still read with the current classes,
 * every new field at its default, and the registry takes the current versions after them under
 * BACKWARD compatibility.
 */
class OpenAiFieldsEvolutionTest {

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

  @Test
  void anOldRequestReadsAsANativeRequestWithTheDefaults() throws IOException {
    Schema old = parse("GenerationRequest").get("GenerationRequest");
    GenericRecord r = new GenericData.Record(old);
    r.put("id", "r1");
    r.put("job_id", "j");
    r.put("prompt", "Once");
    r.put("max_tokens", 8);
    r.put("temperature", 0.0);
    r.put("top_p", 1.0);
    r.put("top_k", 0);
    r.put("ignore_eos", false);
    r.put("submitted_at_ms", 5L);
    byte[] bytes = write("llm.requests-value", r);
    registry.register("llm.requests-value", GenerationRequest.SCHEMA$);

    GenerationRequest read =
        new AvroDeserializer<>(GenerationRequest.class, registry)
            .deserialize("llm.requests", bytes);
    assertThat(read.getPrompt()).isEqualTo("Once");
    assertThat(read.getMessages()).isNull();
    assertThat(read.getStop()).isEmpty();
    assertThat(read.getStopTokenIds()).isEmpty();
    assertThat(read.getLogprobs()).isNull();
    assertThat(read.getN()).isEqualTo(1);
    assertThat(read.getFormat()).isEmpty();
    assertThat(read.getCustomId()).isNull();
    assertThat(read.getModel()).isNull();
  }

  @Test
  void anOldBatchReadsWithOneSampleAndNoStops() throws IOException {
    Map<String, Schema> old = parse("BatchedRequest", "GenerationBatch");
    GenericRecord req = new GenericData.Record(old.get("BatchedRequest"));
    req.put("id", "r1");
    req.put("job_id", "");
    req.put("prompt_token_ids", List.of(1, 2, 3));
    req.put("max_tokens", 4);
    req.put("temperature", 0.0);
    req.put("top_p", 1.0);
    req.put("top_k", 0);
    req.put("ignore_eos", true);
    req.put("submitted_at_ms", 0L);
    req.put("estimated_kv_blocks", 1);
    req.put("prompt_was_text", false);
    GenericRecord batch = new GenericData.Record(old.get("GenerationBatch"));
    batch.put("batch_id", "b1");
    batch.put("created_at_ms", 0L);
    batch.put("estimated_kv_blocks", 1);
    batch.put("requests", List.of(req));
    byte[] bytes = write("llm.batches-value", batch);
    registry.register("llm.batches-value", GenerationBatch.SCHEMA$);

    GenerationBatch read =
        new AvroDeserializer<>(GenerationBatch.class, registry).deserialize("llm.batches", bytes);
    var r = read.getRequests().get(0);
    assertThat(r.getPromptTokenIds()).containsExactly(1, 2, 3);
    assertThat(r.getN()).isEqualTo(1);
    assertThat(r.getStop()).isEmpty();
    assertThat(r.getLogprobs()).isNull();
    assertThat(r.getFormat()).isEmpty();
  }

  @Test
  void anOldCompletionReadsAsANativeLineWithoutChoices() throws IOException {
    Schema old = parse("Completion").get("Completion");
    GenericRecord c = new GenericData.Record(old);
    c.put("id", "r1");
    c.put("job_id", "");
    c.put("token_ids", List.of(7, 8));
    c.put("text", "ab");
    c.put("finish_reason", "length");
    c.put("prompt_tokens", 3);
    c.put("output_tokens", 2);
    c.put("queue_ms", 0.0);
    c.put("first_token_ms", 1.0);
    c.put("generation_ms", 2.0);
    c.put("completed_at_ms", 9L);
    c.put("cached", false);
    byte[] bytes = write("llm.completions-value", c);
    registry.register("llm.completions-value", Completion.SCHEMA$);

    Completion read =
        new AvroDeserializer<>(Completion.class, registry).deserialize("llm.completions", bytes);
    assertThat(read.getText()).isEqualTo("ab");
    assertThat(read.getChoices()).isNull();
    assertThat(read.getFormat()).isEmpty();
    assertThat(read.getCustomId()).isNull();
  }

  @Test
  void theRegistryTakesEveryNewVersionAfterTheOldOneUnderBackwardCompatibility()
      throws IOException {
    Map<String, Schema> old =
        parse("GenerationRequest", "BatchedRequest", "GenerationBatch", "Completion");
    int r1 = registry.register("requests-value", old.get("GenerationRequest"));
    int b1 = registry.register("batches-value", old.get("GenerationBatch"));
    int c1 = registry.register("completions-value", old.get("Completion"));
    assertThat(registry.register("requests-value", GenerationRequest.SCHEMA$)).isNotEqualTo(r1);
    assertThat(registry.register("batches-value", GenerationBatch.SCHEMA$)).isNotEqualTo(b1);
    assertThat(registry.register("completions-value", Completion.SCHEMA$)).isNotEqualTo(c1);
  }

  private byte[] write(String subject, GenericRecord record) {
    int id = registry.register(subject, record.getSchema());
    return WireFormat.encode(id, new GenericDatumWriter<>(record.getSchema()), record);
  }

  /** The old schemas, parsed in order (a batch names its requests' type). */
  private static Map<String, Schema> parse(String... names) throws IOException {
    Schema.Parser parser = new Schema.Parser();
    java.util.LinkedHashMap<String, Schema> out = new java.util.LinkedHashMap<>();
    for (String name : names) {
      try (InputStream in =
          OpenAiFieldsEvolutionTest.class.getResourceAsStream(
              "/avro-before-openai/" + name + ".avsc")) {
        out.put(name, parser.parse(in));
      }
    }
    return out;
  }
}
