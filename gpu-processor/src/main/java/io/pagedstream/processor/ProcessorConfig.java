package io.pagedstream.processor;

import io.pagedstream.engine.EngineConfig;
import io.pagedstream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How one processor instance runs.
 *
 * @param instanceId stable per GPU slot: it names the transactional id, so a restarted instance
 *     fences its predecessor and aborts its open transaction at once
 * @param maxInflightBatches batches held at once (running, waiting, or finished but not yet
 *     committable because an earlier batch of their partition is still running)
 * @param commitInterval how often finished batches are committed
 */
public record ProcessorConfig(
    Path model,
    EngineConfig engine,
    String instanceId,
    String groupId,
    String batchesTopic,
    String completionsTopic,
    String deadLetterTopic,
    int maxInflightBatches,
    Duration commitInterval,
    Duration transactionTimeout) {

  public static final String DEFAULT_GROUP = "pagedstream-processor";

  public ProcessorConfig {
    if (instanceId == null || instanceId.isBlank()) {
      throw new IllegalArgumentException("a processor needs an instance id");
    }
    if (maxInflightBatches < 1) {
      throw new IllegalArgumentException("max in-flight batches must be at least 1, got " + maxInflightBatches);
    }
  }

  public static ProcessorConfig defaults(Path model, EngineConfig engine, String instanceId) {
    return new ProcessorConfig(model, engine, instanceId, DEFAULT_GROUP, Topics.BATCHES, Topics.COMPLETIONS,
        Topics.DEAD_LETTER, 4, Duration.ofMillis(200), Duration.ofSeconds(30));
  }

  public ProcessorConfig withGroupId(String group) {
    return new ProcessorConfig(model, engine, instanceId, group, batchesTopic, completionsTopic, deadLetterTopic,
        maxInflightBatches, commitInterval, transactionTimeout);
  }

  public String transactionalId() {
    return "pagedstream-processor-" + groupId + "-" + instanceId;
  }
}
