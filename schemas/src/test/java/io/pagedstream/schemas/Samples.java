package io.pagedstream.schemas;

import io.pagedstream.core.request.FinishReason;
import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationBatch;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.registry.SchemaRegistries;
import io.pagedstream.schemas.registry.SchemaRegistryConfig;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Sample records with every field set away from its default, and config helpers. */
public final class Samples {

  private Samples() {}

  /** A fresh mock:// scope name, so tests sharing the JVM-wide scopes cannot see each other. */
  public static String newScope() {
    return "test-" + UUID.randomUUID();
  }

  public static Map<String, Object> mockConfig(String scope) {
    return Map.of(SchemaRegistryConfig.URL, SchemaRegistries.MOCK_PREFIX + scope);
  }

  public static GenerationRequest textRequest() {
    return GenerationRequest.newBuilder()
        .setId("req-1")
        .setJobId("job-7")
        .setPrompt("Once upon a time")
        .setMaxTokens(64)
        .setTemperature(0.7)
        .setTopP(0.9)
        .setTopK(40)
        .setIgnoreEos(true)
        .setSubmittedAtMs(1_700_000_000_123L)
        .build();
  }

  public static GenerationRequest tokenRequest() {
    return GenerationRequest.newBuilder()
        .setId("req-2")
        .setPromptTokenIds(List.of(1, 450, 4996, 17354))
        .setTemperature(0.0)
        .setSeed(-42L)
        .build();
  }

  public static GenerationBatch batch() {
    BatchedRequest first =
        BatchedRequest.newBuilder()
            .setId("req-1")
            .setJobId("job-7")
            .setPromptTokenIds(List.of(1, 9038, 2501))
            .setMaxTokens(64)
            .setTemperature(0.7)
            .setTopP(0.9)
            .setTopK(40)
            .setSeed(3L)
            .setIgnoreEos(true)
            .setSubmittedAtMs(1_700_000_000_123L)
            .setEstimatedKvBlocks(5)
            .setPromptWasText(true)
            .build();
    BatchedRequest second =
        BatchedRequest.newBuilder()
            .setId("req-2")
            .setPromptTokenIds(List.of(1, 450))
            .setEstimatedKvBlocks(2)
            .build();
    return GenerationBatch.newBuilder()
        .setBatchId("batch-1")
        .setCreatedAtMs(1_700_000_000_999L)
        .setEstimatedKvBlocks(7)
        .setRequests(List.of(first, second))
        .build();
  }

  public static Completion completion() {
    return Completion.newBuilder()
        .setId("req-1")
        .setJobId("job-7")
        .setTokenIds(List.of(3118, 263, 931))
        .setText(" there was")
        .setFinishReason(FinishReason.LENGTH.wire())
        .setPromptTokens(5)
        .setOutputTokens(3)
        .setQueueMs(12.5)
        .setFirstTokenMs(40.25)
        .setGenerationMs(95.0)
        .setBatchId("batch-1")
        .setProcessor("gpu-0")
        .setCompletedAtMs(1_700_000_001_000L)
        .setCached(true)
        .build();
  }

  public static Completion errorCompletion() {
    return Completion.newBuilder()
        .setId("req-9")
        .setFinishReason(FinishReason.ERROR.wire())
        .setError("prompt is 5000 tokens, the model's context is 4096")
        .build();
  }
}
