package io.pagedstream.processor;

import io.pagedstream.engine.EngineConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How one processor instance runs.
 *
 * @param instanceId stable per GPU slot: it names the transactional id, so a restarted instance
 *     fences its predecessor and aborts its open transaction at once
 * @param maxInflightBatches batches held at once (running, waiting, or finished but not yet
 *     committable because an earlier batch of their partition is still running); a safety cap, the
 *     working bound is the engine's waiting queue (see {@link Prefetch})
 * @param commitInterval how often finished batches are committed
 * @param maxTransactionCompletions a transaction is committed as soon as this many completions are
 *     finished, even before the commit interval: transactions sized by time and by count
 * @param threads PyTorch intra-op threads for this processor's engine; 0 keeps PyTorch's default
 *     (one per core). Process-wide in PyTorch: see {@link IntraOpThreads}
 */
public record ProcessorConfig(
    Path model,
    EngineConfig engine,
    String instanceId,
    String groupId,
    int maxInflightBatches,
    Duration commitInterval,
    Duration transactionTimeout,
    int maxTransactionCompletions,
    int threads) {

  public static final String DEFAULT_GROUP = "pagedstream-processor";

  /** Generous: the waiting queue's KV budget is the working bound; this only caps bookkeeping. */
  public static final int DEFAULT_MAX_INFLIGHT_BATCHES = 64;

  public static final int DEFAULT_MAX_TRANSACTION_COMPLETIONS = 2_000;

  public ProcessorConfig {
    if (groupId == null || groupId.isBlank()) {
      throw new IllegalArgumentException("a processor needs a consumer group");
    }
    if (instanceId == null || instanceId.isBlank()) {
      throw new IllegalArgumentException("a processor needs an instance id");
    }
    if (maxInflightBatches < 1) {
      throw new IllegalArgumentException(
          "max in-flight batches must be at least 1, got " + maxInflightBatches);
    }
    if (maxTransactionCompletions < 1) {
      throw new IllegalArgumentException(
          "completions per transaction must be at least 1, got " + maxTransactionCompletions);
    }
    if (threads < 0) {
      throw new IllegalArgumentException(
          "--threads must be 0 (PyTorch's default) or more, got " + threads);
    }
  }

  public static ProcessorConfig defaults(Path model, EngineConfig engine, String instanceId) {
    return new ProcessorConfig(
        model,
        engine,
        instanceId,
        DEFAULT_GROUP,
        DEFAULT_MAX_INFLIGHT_BATCHES,
        Duration.ofMillis(500),
        Duration.ofSeconds(30),
        DEFAULT_MAX_TRANSACTION_COMPLETIONS,
        0);
  }

  public ProcessorConfig withGroupId(String group) {
    return new ProcessorConfig(
        model,
        engine,
        instanceId,
        group,
        maxInflightBatches,
        commitInterval,
        transactionTimeout,
        maxTransactionCompletions,
        threads);
  }

  public ProcessorConfig withInstanceId(String id) {
    return new ProcessorConfig(
        model,
        engine,
        id,
        groupId,
        maxInflightBatches,
        commitInterval,
        transactionTimeout,
        maxTransactionCompletions,
        threads);
  }

  public ProcessorConfig withThreads(int n) {
    return new ProcessorConfig(
        model,
        engine,
        instanceId,
        groupId,
        maxInflightBatches,
        commitInterval,
        transactionTimeout,
        maxTransactionCompletions,
        n);
  }

  public String transactionalId() {
    return "pagedstream-processor-" + groupId + "-" + instanceId;
  }
}
